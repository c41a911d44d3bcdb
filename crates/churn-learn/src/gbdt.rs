//! Histogram gradient-boosted trees for binary classification (logistic loss), LightGBM-style.
//!
//! Features are quantile-binned once (≤ 255 value bins and a missing bin whose direction
//! each split learns). Trees grow leaf-wise: the leaf with the largest gain is split next,
//! up to `num_leaves`. Each split builds the histogram of the smaller child and obtains the
//! larger one by subtraction from the parent; histograms are built in parallel over
//! features, so every floating-point sum runs in a fixed order and the fitted model is
//! byte-identical for any number of threads.

use crate::binning::BinnedData;
use crate::hist::{
    best_split, better, build_hist_dense, build_hist_gathered, subtract_hist, FeatureHist, Split, SplitRules, Stats,
    EMPTY_HIST,
};
use crate::params::{check_fraction, check_nonneg, invalid};
use crate::tree::{FlatCache, Node, ShapCache, Tree};
use crate::util::{fit_weighted_rows, predict_blocked, sigmoid};
use crate::{LearnError, Matrix};
use churn_core::rng::Rng;
use linfa::ParamGuard;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A validation set for early stopping: features, labels, weights.
pub type EvalSet<'a> = (&'a Matrix, &'a [bool], &'a [f64]);

crate::params::checked_params! {
    /// Hyperparameters of [`GbdtModel`], unchecked: builder methods
    /// (`GbdtParams::default().n_trees(50).num_leaves(15)`), then [`linfa::ParamGuard::check`]
    /// into the [`GbdtValidParams`] that [`GbdtModel::fit`] takes. Defaults follow LightGBM's.
    GbdtParams =>
    /// Checked hyperparameters of [`GbdtModel`].
    GbdtValidParams {
        /// Maximum number of boosting rounds (trees). Default 100.
        n_trees: usize = 100,
        /// Shrinkage applied to every leaf value, in (0, 1]. Default 0.1.
        learning_rate: f64 = 0.1,
        /// Maximum leaves per tree, ≥ 2. Default 31.
        num_leaves: usize = 31,
        /// Maximum depth of a leaf (root = 0), `None` = unlimited. Default `None`.
        max_depth: Option<usize> = None,
        /// Minimum training rows in a leaf, ≥ 1. Default 20.
        min_data_in_leaf: usize = 20,
        /// Minimum sum of hessians in a leaf, ≥ 0. Default 1e-3.
        min_sum_hessian_in_leaf: f64 = 1e-3,
        /// L2 penalty on leaf values, ≥ 0. Default 0.
        lambda_l2: f64 = 0.0,
        /// Minimum loss reduction to split, ≥ 0. Default 0.
        min_split_gain: f64 = 0.0,
        /// Fraction of rows drawn (without replacement, per tree), in (0, 1]. Default 1.
        bagging_fraction: f64 = 1.0,
        /// Fraction of features drawn per tree, in (0, 1]. Default 1.
        feature_fraction: f64 = 1.0,
        /// Maximum value bins per feature, in 2..=255. Default 255.
        max_bins: usize = 255,
        /// Stop when the validation log-loss has not improved for this many rounds and keep the
        /// best iteration; ignored without a validation set. Default `Some(20)`.
        early_stopping_rounds: Option<usize> = Some(20),
    }
}

impl GbdtValidParams {
    /// Every parameter's range ([`linfa::ParamGuard::check`] of [`GbdtParams`]).
    fn check_ranges(&self) -> Result<(), LearnError> {
        if self.n_trees == 0 {
            return Err(invalid("n_trees", self.n_trees, "must be >= 1"));
        }
        check_fraction("learning_rate", self.learning_rate)?;
        if !(2..=1 << 17).contains(&self.num_leaves) {
            return Err(invalid("num_leaves", self.num_leaves, "must be in 2..=131072"));
        }
        if self.max_depth == Some(0) {
            return Err(invalid("max_depth", 0, "must be >= 1 (or absent for unlimited)"));
        }
        if self.min_data_in_leaf == 0 {
            return Err(invalid("min_data_in_leaf", 0, "must be >= 1"));
        }
        check_nonneg("min_sum_hessian_in_leaf", self.min_sum_hessian_in_leaf)?;
        check_nonneg("lambda_l2", self.lambda_l2)?;
        check_nonneg("min_split_gain", self.min_split_gain)?;
        check_fraction("bagging_fraction", self.bagging_fraction)?;
        check_fraction("feature_fraction", self.feature_fraction)?;
        if !(2..=255).contains(&self.max_bins) {
            return Err(invalid("max_bins", self.max_bins, "must be in 2..=255"));
        }
        if self.early_stopping_rounds == Some(0) {
            return Err(invalid("early_stopping_rounds", 0, "must be >= 1 (or absent)"));
        }
        Ok(())
    }
}

/// A fitted gradient-boosted tree ensemble: `raw(x) = init_score + Σ trees(x)` in log-odds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtModel {
    /// Number of features the model was fitted on.
    pub n_features: usize,
    /// Starting score: weighted log-odds of the training base rate.
    pub init_score: f64,
    /// The trees (already scaled by the learning rate), truncated to the best iteration when
    /// early stopping ran.
    pub trees: Vec<Tree>,
    /// Validation log-loss after each round (empty without a validation set).
    pub valid_loss: Vec<f64>,
    /// Number of trees kept when a validation set chose it (`None` otherwise).
    pub best_iteration: Option<usize>,
    /// Scoring layout of the trees (derived, not serialized).
    #[serde(skip)]
    flat: FlatCache,
    /// TreeSHAP's per-tree expected values and ratio tables (derived, not serialized).
    #[serde(skip)]
    shap: ShapCache,
}

/// Per-node information needed during training to route binned rows.
#[derive(Debug, Clone, Copy)]
struct BinNode {
    feature: usize,
    bin: u8,
    missing_bin: u8,
    default_left: bool,
}

struct Leaf {
    start: usize,
    end: usize,
    depth: usize,
    sum: Stats,
    cover: f64,
    /// Histograms of the active features (index = position in the active list).
    hist: Vec<FeatureHist>,
    best: Option<Split>,
    /// Internal node and side pointing at this leaf.
    parent: Option<(usize, bool)>,
}

struct Booster<'a> {
    data: &'a BinnedData,
    w: &'a [f64],
    p: &'a GbdtValidParams,
    gh: Vec<[f32; 2]>,
    idx: Vec<u32>,
    scratch: Vec<u32>,
    hist_pool: Vec<Vec<FeatureHist>>,
    /// Row ranges (in `idx`) of the leaves of the tree grown last.
    leaf_ranges: Vec<(usize, usize)>,
}

impl Booster<'_> {
    fn rules(&self) -> SplitRules {
        SplitRules {
            min_count: self.p.min_data_in_leaf as f64,
            min_h: self.p.min_sum_hessian_in_leaf.max(f64::MIN_POSITIVE),
            min_gain: self.p.min_split_gain,
        }
    }

    fn take_hist(&mut self, n: usize) -> Vec<FeatureHist> {
        let mut h = self.hist_pool.pop().unwrap_or_default();
        h.resize(n, EMPTY_HIST);
        h
    }

    fn can_split(&self, count: f64, depth: usize) -> bool {
        count >= 2.0 * self.p.min_data_in_leaf as f64 && self.p.max_depth.is_none_or(|d| depth < d)
    }

    /// Grows one tree on the rows in `self.idx[..n_in]` with the features `active`.
    fn grow(&mut self, n_in: usize, active: &[usize], dense_root: bool) -> (Tree, Vec<BinNode>) {
        let rules = self.rules();
        let lambda = self.p.lambda_l2;
        let score = move |g: f64, h: f64| g * g / (h + lambda);
        let data = self.data;
        // Root.
        let mut sum = Stats::default();
        let mut cover = 0.0;
        for &r in &self.idx[..n_in] {
            let g = self.gh[r as usize];
            sum.g += g[0] as f64;
            sum.h += g[1] as f64;
            cover += self.w[r as usize];
        }
        sum.c = n_in as f64;
        let mut root = Leaf { start: 0, end: n_in, depth: 0, sum, cover, hist: Vec::new(), best: None, parent: None };
        if self.can_split(sum.c, 0) && self.p.num_leaves > 1 {
            let mut hist = self.take_hist(active.len());
            let rows = if dense_root { None } else { Some(&self.idx[..n_in]) };
            build_parallel(data, rows, &self.gh, active, &mut hist, &sum);
            root.best = hist
                .par_iter()
                .zip(active)
                .map(|(h, &f)| best_split(h, data.n_value_bins(f), f, &sum, &rules, score))
                .reduce(|| None, better);
            root.hist = hist;
        }
        let mut leaves = vec![root];
        let mut nodes: Vec<Node> = Vec::new();
        let mut bin_nodes: Vec<BinNode> = Vec::new();
        let mut node_gain = Vec::new();
        let mut node_cover = Vec::new();
        while leaves.len() < self.p.num_leaves {
            // The leaf with the largest gain; the lowest index wins ties.
            let mut pick: Option<(usize, f64)> = None;
            for (i, l) in leaves.iter().enumerate() {
                if let Some(s) = &l.best {
                    if pick.is_none_or(|(_, g)| s.gain > g) {
                        pick = Some((i, s.gain));
                    }
                }
            }
            let Some((li, _)) = pick else { break };
            let split = leaves[li].best.take().expect("picked leaf has a split");
            let f = split.feature;
            let nb = data.n_value_bins(f);
            let bn =
                BinNode { feature: f, bin: split.bin as u8, missing_bin: nb as u8, default_left: split.default_left };
            // Partition the parent's rows (stable: each side stays in row order).
            let (start, end) = (leaves[li].start, leaves[li].end);
            let mid = self.partition(start, end, bn);
            debug_assert_eq!((mid - start) as f64, split.left.c);
            // New internal node.
            let node_id = nodes.len();
            let right_leaf = leaves.len();
            nodes.push(Node {
                threshold: data.threshold(f, split.bin),
                feature: f as u32,
                left: !(li as i32),
                right: !(right_leaf as i32),
                default_left: split.default_left,
            });
            bin_nodes.push(bn);
            node_gain.push(split.gain);
            node_cover.push(leaves[li].cover);
            if let Some((pn, is_left)) = leaves[li].parent {
                if is_left {
                    nodes[pn].left = node_id as i32;
                } else {
                    nodes[pn].right = node_id as i32;
                }
            }
            let depth = leaves[li].depth + 1;
            let parent_hist = std::mem::take(&mut leaves[li].hist);
            let parent_cover = leaves[li].cover;
            let left_small = split.left.c <= split.right.c;
            let (small_rng, small_stats, large_stats) = if left_small {
                ((start, mid), split.left, split.right)
            } else {
                ((mid, end), split.right, split.left)
            };
            let small_cover: f64 = self.idx[small_rng.0..small_rng.1].iter().map(|&r| self.w[r as usize]).sum();
            let large_cover = parent_cover - small_cover;
            let last_split = leaves.len() + 1 >= self.p.num_leaves;
            let small_can = !last_split && self.can_split(small_stats.c, depth);
            let large_can = !last_split && self.can_split(large_stats.c, depth);
            let (mut small_hist, mut large_hist) = (Vec::new(), parent_hist);
            let (mut small_best, mut large_best) = (None, None);
            if small_can || large_can {
                small_hist = self.take_hist(active.len());
                let rows = &self.idx[small_rng.0..small_rng.1];
                build_parallel(data, Some(rows), &self.gh, active, &mut small_hist, &small_stats);
                let (sb, lb) = small_hist
                    .par_iter()
                    .zip(large_hist.par_iter_mut())
                    .zip(active)
                    .map(|((sh, lh), &f)| {
                        let nb = data.n_value_bins(f);
                        subtract_hist(lh, sh, nb + 1);
                        let s = if small_can { best_split(sh, nb, f, &small_stats, &rules, score) } else { None };
                        let l = if large_can { best_split(lh, nb, f, &large_stats, &rules, score) } else { None };
                        (s, l)
                    })
                    .reduce(|| (None, None), |a, b| (better(a.0, b.0), better(a.1, b.1)));
                small_best = sb;
                large_best = lb;
            }
            let (small_cover, large_cover) = (small_cover, large_cover);
            let mk = |rng: (usize, usize), sum: Stats, cover, hist, best, is_left| Leaf {
                start: rng.0,
                end: rng.1,
                depth,
                sum,
                cover,
                hist,
                best,
                parent: Some((node_id, is_left)),
            };
            let large_rng = if left_small { (mid, end) } else { (start, mid) };
            let small_leaf = mk(small_rng, small_stats, small_cover, small_hist, small_best, left_small);
            let large_leaf = mk(large_rng, large_stats, large_cover, large_hist, large_best, !left_small);
            let (left_leaf, right_leaf_v) =
                if left_small { (small_leaf, large_leaf) } else { (large_leaf, small_leaf) };
            leaves[li] = left_leaf;
            leaves.push(right_leaf_v);
        }
        let lr = self.p.learning_rate;
        let mut leaf_value = Vec::with_capacity(leaves.len());
        let mut leaf_cover = Vec::with_capacity(leaves.len());
        for l in leaves.iter_mut() {
            let denom = l.sum.h + lambda;
            leaf_value.push(if denom > 0.0 { -l.sum.g / denom * lr } else { 0.0 });
            leaf_cover.push(l.cover);
            let h = std::mem::take(&mut l.hist);
            if h.capacity() > 0 {
                self.hist_pool.push(h);
            }
        }
        // Leaf row ranges are needed by the caller to update scores: stash them in `leaf_ranges`.
        self.leaf_ranges.clear();
        self.leaf_ranges.extend(leaves.iter().map(|l| (l.start, l.end)));
        let tree = Tree { nodes, node_gain, node_cover, leaf_value, leaf_cover };
        (tree, bin_nodes)
    }

    /// Stable partition of `idx[start..end]` by `node`; returns the first right position.
    fn partition(&mut self, start: usize, end: usize, node: BinNode) -> usize {
        let col = self.data.col(node.feature);
        let seg = &mut self.idx[start..end];
        self.scratch.clear();
        let mut l = 0;
        for k in 0..seg.len() {
            let r = seg[k];
            let b = col[r as usize];
            let go_left = if b == node.missing_bin { node.default_left } else { b <= node.bin };
            if go_left {
                seg[l] = r;
                l += 1;
            } else {
                self.scratch.push(r);
            }
        }
        seg[l..].copy_from_slice(&self.scratch);
        start + l
    }
}

/// Histograms of the `active` features over `rows` (all rows when `None`), whose sums are
/// `total`, column by column in parallel over features; each feature's bins are summed in row
/// order, and a dominant bin is the total minus the others.
fn build_parallel(
    data: &BinnedData,
    rows: Option<&[u32]>,
    gh: &[[f32; 2]],
    active: &[usize],
    hist: &mut [FeatureHist],
    total: &Stats,
) {
    hist.par_iter_mut().zip(active).for_each(|(h, &f)| {
        let n = data.n_value_bins(f) + 1;
        let dominant = data.dominant[f].map(|d| (d, total));
        match rows {
            None => build_hist_dense(data.col(f), gh, h, n, dominant),
            Some(rows) => build_hist_gathered(data.col(f), rows, gh, h, n, dominant),
        }
    });
}

/// Leaf reached by binned row `r` in a tree under construction.
fn bin_leaf(nodes: &[Node], bin_nodes: &[BinNode], data: &BinnedData, r: usize) -> usize {
    if nodes.is_empty() {
        return 0;
    }
    let mut i = 0i32;
    loop {
        let bn = &bin_nodes[i as usize];
        let b = data.bins[bn.feature * data.n_rows + r];
        let left = if b == bn.missing_bin { bn.default_left } else { b <= bn.bin };
        let n = &nodes[i as usize];
        i = if left { n.left } else { n.right };
        if i < 0 {
            return !i as usize;
        }
    }
}

/// Weighted mean log-loss of raw scores `s`.
fn log_loss(s: &[f64], y: &[bool], w: &[f64]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for ((&si, &yi), &wi) in s.iter().zip(y).zip(w) {
        // softplus(s) - y s, computed stably.
        let sp = si.max(0.0) + (-si.abs()).exp().ln_1p();
        num += wi * (sp - if yi { si } else { 0.0 });
        den += wi;
    }
    if den > 0.0 {
        num / den
    } else {
        0.0
    }
}

/// Row-major copy of a matrix.
pub(crate) fn to_row_major(x: &Matrix) -> Vec<f64> {
    let (n, p) = (x.n_rows(), x.n_cols());
    let mut out = vec![0.0; n * p];
    for j in 0..p {
        for (i, &v) in x.col(j).iter().enumerate() {
            out[i * p + j] = v;
        }
    }
    out
}

fn check_eval_set(x: &Matrix, v: &EvalSet<'_>) -> Result<(), LearnError> {
    let (vx, vy, vw) = *v;
    if vx.n_cols() != x.n_cols() {
        return Err(LearnError::FeatureCount { expected: x.n_cols(), got: vx.n_cols() });
    }
    if vy.len() != vx.n_rows() {
        return Err(LearnError::Shape { rows: vx.n_rows(), labels: vy.len(), what: "validation labels" });
    }
    if vw.len() != vx.n_rows() {
        return Err(LearnError::Shape { rows: vx.n_rows(), labels: vw.len(), what: "validation weights" });
    }
    for (i, &wi) in vw.iter().enumerate() {
        if !wi.is_finite() {
            return Err(LearnError::NonFinite { what: "validation weights" });
        }
        if wi < 0.0 {
            return Err(LearnError::NegativeWeight { row: i, value: wi });
        }
    }
    Ok(())
}

impl GbdtModel {
    /// Fits a boosted ensemble on `x`, labels `y` (`true` = churned) and sample weights `w`
    /// (they scale each row's gradient and hessian; zero-weight rows are dropped first, so
    /// the model equals the one fitted without them). With `valid`, the weighted validation
    /// log-loss is tracked every round and, when `early_stopping_rounds` is set, boosting
    /// stops after that many rounds without improvement and the best round is kept.
    ///
    /// The same `seed` gives a byte-identical model whatever the number of threads.
    pub fn fit(
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        params: &GbdtValidParams,
        seed: u64,
        valid: Option<EvalSet<'_>>,
    ) -> Result<GbdtModel, LearnError> {
        fit_weighted_rows(x, y, w, |x, y, w, base_rate| {
            if let Some(v) = &valid {
                check_eval_set(x, v)?;
            }
            fit_inner(x, y, w, valid, params, seed, base_rate, true)
        })
    }

    /// Like [`Self::fit`] with a validation set, but keeps every tree grown until early
    /// stopping ended (or `n_trees`), with the validation loss of each round in `valid_loss`
    /// and the best round in `best_iteration`. For cross-validation, where the number of
    /// rounds is chosen on the mean validation loss of several folds; see [`Self::truncated`].
    pub fn fit_path(
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        params: &GbdtValidParams,
        seed: u64,
        valid: EvalSet<'_>,
    ) -> Result<GbdtModel, LearnError> {
        let mut model = fit_weighted_rows(x, y, w, |x, y, w, base_rate| {
            check_eval_set(x, &valid)?;
            fit_inner(x, y, w, Some(valid), params, seed, base_rate, false)
        })?;
        model.best_iteration =
            model.valid_loss.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i + 1);
        Ok(model)
    }

    /// The model whose raw score is the mean raw score of `models` (all fitted on the same
    /// features): every tree of every model, with leaf values and split gains divided by the
    /// number of models, after the mean starting score. `None` when `models` is empty or the
    /// feature counts differ. TreeSHAP stays exact: attributions are linear in the trees.
    pub fn average(models: &[GbdtModel]) -> Option<GbdtModel> {
        let first = models.first()?;
        if models.iter().any(|m| m.n_features != first.n_features) {
            return None;
        }
        let k = models.len() as f64;
        let trees = models
            .iter()
            .flat_map(|m| &m.trees)
            .map(|t| Tree {
                leaf_value: t.leaf_value.iter().map(|v| v / k).collect(),
                node_gain: t.node_gain.iter().map(|g| g / k).collect(),
                ..t.clone()
            })
            .collect();
        Some(GbdtModel {
            n_features: first.n_features,
            init_score: models.iter().map(|m| m.init_score).sum::<f64>() / k,
            trees,
            valid_loss: Vec::new(),
            best_iteration: None,
            flat: FlatCache::default(),
            shap: ShapCache::default(),
        })
    }

    /// The model made of the first `n` trees (all of them when there are fewer), as
    /// [`Self::fit`] would have kept them had early stopping chosen `n`: the validation loss
    /// of every round grown stays.
    pub fn truncated(&self, n: usize) -> GbdtModel {
        let n = n.min(self.trees.len());
        GbdtModel {
            n_features: self.n_features,
            init_score: self.init_score,
            trees: self.trees[..n].to_vec(),
            valid_loss: self.valid_loss.clone(),
            best_iteration: Some(n),
            flat: FlatCache::default(),
            shap: ShapCache::default(),
        }
    }

    /// Raw scores (log-odds) of every row of `x`, in parallel over blocks of rows.
    ///
    /// # Panics
    /// When `x` has fewer columns than the model was fitted on (see [`Self::check_features`]).
    pub fn predict_raw(&self, x: &Matrix) -> Vec<f64> {
        predict_blocked(x, self.n_features, |rows, p, out| self.predict_raw_rows(rows, p, out))
    }

    /// Raw scores of `out.len()` row-major rows of `p` values each (`p >= n_features`), tree
    /// by tree over the block (see [`Tree::add_rows`]); bit-identical to
    /// [`Self::predict_raw_row`] row by row, since every row adds the trees in the same order.
    pub fn predict_raw_rows(&self, rows: &[f64], p: usize, out: &mut [f64]) {
        out.fill(self.init_score);
        self.flat.get(&self.trees).add_rows(&self.trees, rows, p, out);
    }

    /// Raw score (log-odds) of one row (`row.len() >= n_features`); bit-identical to the
    /// corresponding entry of [`Self::predict_raw`].
    pub fn predict_raw_row(&self, row: &[f64]) -> f64 {
        let mut s = self.init_score;
        for t in &self.trees {
            s += t.predict_row(row);
        }
        s
    }

    /// `Err(FeatureCount)` unless `n_cols` columns suffice to score with this model.
    pub fn check_features(&self, n_cols: usize) -> Result<(), LearnError> {
        if n_cols < self.n_features {
            return Err(LearnError::FeatureCount { expected: self.n_features, got: n_cols });
        }
        Ok(())
    }

    /// Total split gain (loss reduction) per feature, summed over all trees.
    pub fn feature_importance_gain(&self, n_features: usize) -> Vec<f64> {
        let mut out = vec![0.0; n_features];
        for t in &self.trees {
            t.add_gain_importance(&mut out, 1.0);
        }
        out
    }

    /// Exact path-dependent TreeSHAP in log-odds space: `(base, phi)` with
    /// `base + Σ phi == predict_raw_row(row)` (up to rounding). `base` is the initial score
    /// plus every tree's cover-weighted mean leaf value.
    pub fn shap_values(&self, row: &[f64]) -> (f64, Vec<f64>) {
        let mut phi = vec![0.0; self.n_features];
        let shap = self.shap.get(&self.trees);
        let base = shap.expected_values().iter().fold(self.init_score, |b, e| b + e);
        shap.add(&self.trees, row, &mut phi, 1.0);
        (base, phi)
    }
}

/// The round count minimizing the mean held-out loss of boosting models fitted with
/// [`GbdtModel::fit_path`], over the rounds every one of them grew (the lowest count wins ties).
fn common_rounds(models: &[&GbdtModel]) -> usize {
    let len = models.iter().map(|m| m.valid_loss.len().min(m.trees.len())).min().unwrap_or(0);
    let mut best = (f64::INFINITY, 0usize);
    for r in 0..len {
        let loss: f64 = models.iter().map(|m| m.valid_loss[r]).sum();
        if loss < best.0 {
            best = (loss, r);
        }
    }
    best.1 + 1
}

impl crate::Family for GbdtModel {
    const NAME: &'static str = "gbdt";
    type Params = GbdtParams;

    fn describe(p: &GbdtParams) -> String {
        let p = &p.0;
        format!(
            "leaves={} lr={} min_leaf={} l2={} cols={} rows={}",
            p.num_leaves, p.learning_rate, p.min_data_in_leaf, p.lambda_l2, p.feature_fraction, p.bagging_fraction
        )
    }

    /// The defaults, then a seeded random search. Small data sets need smaller leaves: at
    /// least 0.5% of the training rows (5 to 20, LightGBM's default). The rounds are chosen
    /// by early stopping.
    fn search_space(seed: u64, n_rows: usize) -> Vec<GbdtParams> {
        let base = GbdtValidParams {
            n_trees: 1000,
            learning_rate: 0.05,
            num_leaves: 15,
            min_data_in_leaf: (n_rows / 200).clamp(5, 20),
            lambda_l2: 1.0,
            feature_fraction: 0.8,
            bagging_fraction: 1.0,
            early_stopping_rounds: Some(30),
            ..GbdtValidParams::default()
        };
        let mut out = vec![GbdtParams(base.clone())];
        let mut rng = Rng::derive(seed, 0x6bd7);
        let pick = |rng: &mut Rng, v: &[f64]| v[rng.below(v.len() as u64) as usize];
        let max_leaf = (n_rows / 50).clamp(10, 100) as f64;
        while out.len() < 6 {
            let p = GbdtParams(GbdtValidParams {
                num_leaves: pick(&mut rng, &[7.0, 15.0, 31.0, 63.0]) as usize,
                min_data_in_leaf: pick(&mut rng, &[5.0, 10.0, 20.0, 40.0, max_leaf]) as usize,
                lambda_l2: pick(&mut rng, &[0.0, 1.0, 5.0]),
                feature_fraction: pick(&mut rng, &[0.6, 0.8, 1.0]),
                bagging_fraction: pick(&mut rng, &[0.7, 1.0]),
                learning_rate: pick(&mut rng, &[0.03, 0.05, 0.1]),
                ..base.clone()
            });
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }

    fn fit(
        p: &GbdtParams,
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        valid: Option<EvalSet<'_>>,
        seed: u64,
    ) -> Result<Self, LearnError> {
        GbdtModel::fit(x, y, w, p.check_ref()?, seed, valid)
    }

    /// With early stopping, keeps every round grown (see [`GbdtModel::fit_path`]), so that
    /// the rounds can be chosen on the mean loss of all folds.
    fn fit_fold(
        p: &GbdtParams,
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        valid: EvalSet<'_>,
        seed: u64,
        _folds: usize,
    ) -> Result<Self, LearnError> {
        let p = p.check_ref()?;
        match p.early_stopping_rounds {
            Some(_) => GbdtModel::fit_path(x, y, w, p, seed, valid),
            None => GbdtModel::fit(x, y, w, p, seed, Some(valid)),
        }
    }

    /// With early stopping, the round count with the least mean held-out loss over the folds.
    fn cross_validated(p: &GbdtParams, folds: &[&Self]) -> Option<(Vec<Self>, GbdtParams)> {
        p.0.early_stopping_rounds?;
        let rounds = common_rounds(folds);
        let cut = folds.iter().map(|m| m.truncated(rounds)).collect();
        Some((cut, GbdtParams(GbdtValidParams { n_trees: rounds, early_stopping_rounds: None, ..p.0.clone() })))
    }

    fn refit_params(p: &GbdtParams, fitted: &Self) -> GbdtParams {
        GbdtParams(GbdtValidParams { n_trees: fitted.trees.len().max(1), early_stopping_rounds: None, ..p.0.clone() })
    }

    fn average(models: &[Self]) -> Option<Self> {
        GbdtModel::average(models)
    }
}

crate::family::fitted_trees!(GbdtModel, trees: |m| &m.trees, averaged: false, init: |m| m.init_score);

#[allow(clippy::too_many_arguments)]
fn fit_inner(
    x: &Matrix,
    y: &[bool],
    w: &[f64],
    valid: Option<EvalSet<'_>>,
    params: &GbdtValidParams,
    seed: u64,
    base_rate: f64,
    truncate: bool,
) -> Result<GbdtModel, LearnError> {
    let n = x.n_rows();
    let p = x.n_cols();
    let data = BinnedData::new(x, params.max_bins, seed);
    let init_score = (base_rate / (1.0 - base_rate)).ln();
    let usable: Vec<usize> = (0..p).filter(|&f| data.n_value_bins(f) > 1 || data.has_missing[f]).collect();
    let mut score = vec![init_score; n];
    let val_rows = valid.map(|(vx, _, _)| to_row_major(vx));
    let mut val_score = valid.map(|(vx, _, _)| vec![init_score; vx.n_rows()]);
    let mut booster = Booster {
        data: &data,
        w,
        p: params,
        gh: vec![[0.0; 2]; n],
        idx: Vec::with_capacity(n),
        scratch: Vec::with_capacity(n),
        hist_pool: Vec::new(),
        leaf_ranges: Vec::new(),
    };
    let mut trees: Vec<Tree> = Vec::new();
    let mut valid_loss = Vec::new();
    let (mut best_loss, mut best_iter) = (f64::INFINITY, 0usize);
    const CHUNK: usize = 8192;
    for it in 0..params.n_trees {
        booster.gh.par_chunks_mut(CHUNK).zip(score.par_chunks(CHUNK)).enumerate().for_each(|(c, (gh, s))| {
            let off = c * CHUNK;
            for (k, (g, &si)) in gh.iter_mut().zip(s).enumerate() {
                let pr = sigmoid(si);
                let wi = w[off + k];
                let yi = if y[off + k] { 1.0 } else { 0.0 };
                *g = [(wi * (pr - yi)) as f32, (wi * pr * (1.0 - pr)) as f32];
            }
        });
        let mut rng = Rng::derive(seed, it as u64 + 1);
        booster.idx.clear();
        let bagged = params.bagging_fraction < 1.0;
        if bagged {
            let frac = params.bagging_fraction;
            booster.idx.extend((0..n as u32).filter(|_| rng.next_f64() < frac));
        } else {
            booster.idx.extend(0..n as u32);
        }
        let n_in = booster.idx.len();
        let active: Vec<usize> = if params.feature_fraction < 1.0 && usable.len() > 1 {
            let k = ((params.feature_fraction * usable.len() as f64).round() as usize).clamp(1, usable.len());
            let mut f = usable.clone();
            for i in 0..k {
                let j = i + rng.below((f.len() - i) as u64) as usize;
                f.swap(i, j);
            }
            f.truncate(k);
            f.sort_unstable();
            f
        } else {
            usable.clone()
        };
        let (tree, bin_nodes) = booster.grow(n_in, &active, !bagged);
        if tree.nodes.is_empty() {
            break;
        }
        if bagged {
            let (nodes, lv) = (&tree.nodes, &tree.leaf_value);
            score.par_chunks_mut(CHUNK).enumerate().for_each(|(c, s)| {
                for (k, si) in s.iter_mut().enumerate() {
                    *si += lv[bin_leaf(nodes, &bin_nodes, &data, c * CHUNK + k)];
                }
            });
        } else {
            for (leaf, &(a, b)) in booster.leaf_ranges.iter().enumerate() {
                let v = tree.leaf_value[leaf];
                for &r in &booster.idx[a..b] {
                    score[r as usize] += v;
                }
            }
        }
        if let (Some((_, vy, vw)), Some(vs), Some(vr)) = (valid, val_score.as_mut(), &val_rows) {
            vs.par_chunks_mut(CHUNK).enumerate().for_each(|(c, s)| {
                for (k, si) in s.iter_mut().enumerate() {
                    let i = c * CHUNK + k;
                    *si += tree.predict_row(&vr[i * p..(i + 1) * p]);
                }
            });
            let loss = log_loss(vs, vy, vw);
            valid_loss.push(loss);
            trees.push(tree);
            if loss < best_loss {
                best_loss = loss;
                best_iter = it;
            } else if params.early_stopping_rounds.is_some_and(|r| it - best_iter >= r) {
                break;
            }
        } else {
            trees.push(tree);
        }
    }
    let best_iteration = if truncate && valid.is_some() && params.early_stopping_rounds.is_some() && !trees.is_empty() {
        trees.truncate(best_iter + 1);
        Some(best_iter + 1)
    } else {
        None
    };
    Ok(GbdtModel {
        n_features: p,
        init_score,
        trees,
        valid_loss,
        best_iteration,
        flat: FlatCache::default(),
        shap: ShapCache::default(),
    })
}
