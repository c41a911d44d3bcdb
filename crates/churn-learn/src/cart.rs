//! Growing one probability tree (CART) on binned data: the engine of [`crate::forest`] and
//! [`crate::decision_tree`].
//!
//! Node statistics are `g = Σ w·y·k` and `h = Σ w·k` (weights times bootstrap multiplicity
//! `k`), so weighted Gini and log-loss (entropy) gains are functions of `(g, h)` and the
//! histogram split search of boosting applies unchanged. Trees grow depth-first; each node's
//! histogram touches and scans only the bins its rows occupy, so small nodes stay cheap.

use crate::binning::BinnedData;
use crate::hist::{better, scan_split, FeatureHist, Split, SplitRules, Stats, EMPTY_HIST};
use crate::tree::{Node, ShapTrees, Tree};
use crate::util::{logit_clipped, PROB_EPS};
use churn_core::rng::Rng;
use serde::{Deserialize, Serialize};

/// Impurity criterion of probability trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// Weighted Gini impurity (gain reported as half the weighted impurity decrease).
    #[default]
    Gini,
    /// Weighted log-loss (entropy, in nats).
    Entropy,
}

impl Criterion {
    /// `score(g, h)` such that gain = score(left) + score(right) − score(parent).
    #[inline]
    fn score(self, g: f64, h: f64) -> f64 {
        if h <= 0.0 {
            return 0.0;
        }
        match self {
            Criterion::Gini => g * g / h,
            Criterion::Entropy => {
                let xlogx = |a: f64| if a > 0.0 { a * (a / h).ln() } else { 0.0 };
                xlogx(g) + xlogx(h - g)
            }
        }
    }
}

/// What one tree needs to know.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CartConfig {
    pub max_depth: Option<usize>,
    pub min_samples_leaf: usize,
    /// Features tried per split (≤ number of usable features).
    pub mtry: usize,
    pub criterion: Criterion,
    pub min_gain: f64,
}

struct Pending {
    start: usize,
    end: usize,
    depth: usize,
    sum: Stats,
    parent: Option<(usize, bool)>,
}

/// Grows a tree on `rows` (ascending, each with `h > 0`), with per-row `g`, `h` indexed by
/// row, trying `cfg.mtry` of the `usable` features (drawn with `rng`) at every split.
pub(crate) fn grow(
    data: &BinnedData,
    g: &[f64],
    h: &[f64],
    mut rows: Vec<u32>,
    usable: &[usize],
    cfg: &CartConfig,
    rng: &mut Rng,
) -> Tree {
    let crit = cfg.criterion;
    let score = move |a: f64, b: f64| crit.score(a, b);
    let mut sum = Stats::default();
    for &r in &rows {
        sum.g += g[r as usize];
        sum.h += h[r as usize];
    }
    sum.c = rows.len() as f64;
    let mut tree = Tree {
        nodes: Vec::new(),
        node_gain: Vec::new(),
        node_cover: Vec::new(),
        leaf_value: Vec::new(),
        leaf_cover: Vec::new(),
    };
    let mut perm: Vec<usize> = usable.to_vec();
    let mut hist: FeatureHist = EMPTY_HIST;
    let mut touched: Vec<u8> = Vec::with_capacity(256);
    let mut scratch: Vec<u32> = Vec::new();
    let mut stack = vec![Pending { start: 0, end: rows.len(), depth: 0, sum, parent: None }];
    while let Some(nd) = stack.pop() {
        let m = nd.end - nd.start;
        // Relative tolerances: sums of weights carry rounding, and a pure node must not
        // split on noise.
        let tol = 1e-12 * nd.sum.h;
        let pure = nd.sum.g <= tol || nd.sum.g >= nd.sum.h - tol;
        let rules = SplitRules {
            min_count: cfg.min_samples_leaf.max(1) as f64,
            min_h: f64::MIN_POSITIVE,
            min_gain: cfg.min_gain.max(tol),
        };
        let mut best: Option<Split> = None;
        if !pure && m >= 2 * cfg.min_samples_leaf.max(1) && cfg.max_depth.is_none_or(|d| nd.depth < d) {
            let seg = &rows[nd.start..nd.end];
            let k = cfg.mtry.min(perm.len());
            // Trying every feature: keep column order (ties go to the lowest column).
            for i in 0..if k < perm.len() { k } else { 0 } {
                let j = i + rng.below((perm.len() - i) as u64) as usize;
                perm.swap(i, j);
            }
            for &f in &perm[..k] {
                let col = data.col(f);
                let nb = data.n_value_bins(f);
                // Accumulate into an all-zero histogram, remembering which bins were touched;
                // scan only those (sorted), then reset them. Sums run in row order.
                touched.clear();
                for &r in seg {
                    let b = col[r as usize];
                    let e = &mut hist[b as usize];
                    if e.c == 0.0 {
                        touched.push(b);
                    }
                    e.g += g[r as usize];
                    e.h += h[r as usize];
                    e.c += 1.0;
                }
                touched.sort_unstable();
                let miss = if touched.last() == Some(&(nb as u8)) {
                    touched.pop();
                    std::mem::take(&mut hist[nb])
                } else {
                    Stats::default()
                };
                let s = scan_split(
                    touched.iter().map(|&b| (b as usize, &hist[b as usize])),
                    miss,
                    f,
                    &nd.sum,
                    &rules,
                    score,
                );
                for &b in &touched {
                    hist[b as usize] = Stats::default();
                }
                best = better(best, s);
            }
        }
        let Some(split) = best else {
            let leaf = tree.leaf_value.len();
            tree.leaf_value.push(if nd.sum.h > 0.0 { nd.sum.g / nd.sum.h } else { 0.0 });
            tree.leaf_cover.push(nd.sum.h);
            if let Some((pn, is_left)) = nd.parent {
                let c = !(leaf as i32);
                if is_left {
                    tree.nodes[pn].left = c;
                } else {
                    tree.nodes[pn].right = c;
                }
            }
            continue;
        };
        let f = split.feature;
        let nb = data.n_value_bins(f) as u8;
        let node_id = tree.nodes.len();
        tree.nodes.push(Node {
            threshold: data.threshold(f, split.bin),
            feature: f as u32,
            left: 0,
            right: 0,
            default_left: split.default_left,
        });
        tree.node_gain.push(split.gain);
        tree.node_cover.push(nd.sum.h);
        if let Some((pn, is_left)) = nd.parent {
            if is_left {
                tree.nodes[pn].left = node_id as i32;
            } else {
                tree.nodes[pn].right = node_id as i32;
            }
        }
        // Stable partition of the node's rows.
        let col = data.col(f);
        let bin = split.bin as u8;
        let seg = &mut rows[nd.start..nd.end];
        scratch.clear();
        let mut l = 0;
        for k in 0..seg.len() {
            let r = seg[k];
            let b = col[r as usize];
            if if b == nb { split.default_left } else { b <= bin } {
                seg[l] = r;
                l += 1;
            } else {
                scratch.push(r);
            }
        }
        seg[l..].copy_from_slice(&scratch);
        let mid = nd.start + l;
        let depth = nd.depth + 1;
        // Right pushed first so the left subtree is grown (and numbered) first.
        stack.push(Pending { start: mid, end: nd.end, depth, sum: split.right, parent: Some((node_id, false)) });
        stack.push(Pending { start: nd.start, end: mid, depth, sum: split.left, parent: Some((node_id, true)) });
    }
    tree
}

/// Features with more than one bin (or some missing values): the only ones a split can use.
pub(crate) fn usable_features(data: &BinnedData) -> Vec<usize> {
    (0..data.n_features).filter(|&f| data.n_value_bins(f) > 1 || data.has_missing[f]).collect()
}

/// Shared by forests and single trees: probability-space TreeSHAP averaged over `trees`,
/// rescaled into log-odds.
pub(crate) fn shap_prob_to_raw(trees: &[Tree], shap: &ShapTrees, n_features: usize, row: &[f64]) -> (f64, Vec<f64>) {
    let scale = 1.0 / trees.len() as f64;
    let mut phi = vec![0.0; n_features];
    let base_p = shap.expected_values().iter().fold(0.0, |b, e| b + e * scale);
    shap.add(trees, row, &mut phi, scale);
    prob_phi_to_raw(trees, base_p, phi, row)
}

/// Rescales probability-space attributions `phi` of the tree average (expected value
/// `base_p`) into log-odds: `(logit(base_p), phi')` with `logit(base_p) + Σ phi' == raw(row)`.
pub fn prob_phi_to_raw(trees: &[Tree], base_p: f64, mut phi: Vec<f64>, row: &[f64]) -> (f64, Vec<f64>) {
    let scale = 1.0 / trees.len() as f64;
    let mut p = 0.0;
    for t in trees {
        p += t.predict_row(row);
    }
    let raw = logit_clipped(p * scale);
    let base = logit_clipped(base_p);
    let sum: f64 = phi.iter().sum();
    let factor = if sum.abs() > 1e-12 {
        (raw - base) / sum
    } else {
        let q = base_p.clamp(PROB_EPS, 1.0 - PROB_EPS);
        1.0 / (q * (1.0 - q))
    };
    for v in phi.iter_mut() {
        *v *= factor;
    }
    (base, phi)
}
