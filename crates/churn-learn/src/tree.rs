//! The fitted binary tree shared by every tree learner, its prediction and exact TreeSHAP.
//!
//! Layout: internal nodes live in one flat array of small [`Node`]s (threshold, feature,
//! children, default direction: 24 bytes, all the scoring loop touches); leaf values sit in
//! their own array. A child index `c >= 0` is an internal node, `c < 0` is the leaf `!c`
//! (LightGBM's convention). A tree with no split has no nodes and one leaf.

use serde::{Deserialize, Serialize};

/// One internal node: rows with `x[feature] <= threshold` go left, `NaN` goes left when
/// `default_left`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Split threshold (inclusive on the left).
    pub threshold: f64,
    /// Feature (column) index.
    pub feature: u32,
    /// Left child: internal node index if `>= 0`, else leaf `!left`.
    pub left: i32,
    /// Right child: internal node index if `>= 0`, else leaf `!right`.
    pub right: i32,
    /// Where missing values (`NaN`) go.
    pub default_left: bool,
}

impl Node {
    /// The child that `v` goes to.
    #[inline(always)]
    pub fn next(&self, v: f64) -> i32 {
        let left = if v.is_nan() { self.default_left } else { v <= self.threshold };
        if left {
            self.left
        } else {
            self.right
        }
    }
}

/// A fitted binary tree with per-node gain and cover (weighted training count).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// Internal nodes; node 0 is the root when there is any.
    pub nodes: Vec<Node>,
    /// Split gain of each internal node (the learner's own impurity/loss reduction).
    pub node_gain: Vec<f64>,
    /// Cover of each internal node: the weighted count of training rows reaching it.
    pub node_cover: Vec<f64>,
    /// Value of each leaf (a log-odds increment for boosting, a probability for forests).
    pub leaf_value: Vec<f64>,
    /// Cover of each leaf.
    pub leaf_cover: Vec<f64>,
}

impl Tree {
    /// A tree of one leaf.
    pub fn leaf(value: f64, cover: f64) -> Tree {
        Tree {
            nodes: Vec::new(),
            node_gain: Vec::new(),
            node_cover: Vec::new(),
            leaf_value: vec![value],
            leaf_cover: vec![cover],
        }
    }

    /// Leaf index reached by `row`.
    #[inline]
    pub fn leaf_index(&self, row: &[f64]) -> usize {
        if self.nodes.is_empty() {
            return 0;
        }
        let mut i = 0i32;
        loop {
            let n = &self.nodes[i as usize];
            i = n.next(row[n.feature as usize]);
            if i < 0 {
                return !i as usize;
            }
        }
    }

    /// Value of the leaf reached by `row`.
    #[inline]
    pub fn predict_row(&self, row: &[f64]) -> f64 {
        self.leaf_value[self.leaf_index(row)]
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.leaf_value.len()
    }

    /// Depth of the deepest leaf (0 for a single leaf).
    pub fn depth(&self) -> usize {
        fn rec(t: &Tree, c: i32) -> usize {
            if c < 0 {
                0
            } else {
                let n = &t.nodes[c as usize];
                1 + rec(t, n.left).max(rec(t, n.right))
            }
        }
        if self.nodes.is_empty() {
            0
        } else {
            rec(self, 0)
        }
    }

    /// Largest feature index used plus one (0 for a single leaf).
    pub fn min_n_features(&self) -> usize {
        self.nodes.iter().map(|n| n.feature as usize + 1).max().unwrap_or(0)
    }

    /// Adds each split's gain to `out[feature]`, scaled by `scale`.
    pub fn add_gain_importance(&self, out: &mut [f64], scale: f64) {
        for (n, g) in self.nodes.iter().zip(&self.node_gain) {
            if let Some(o) = out.get_mut(n.feature as usize) {
                *o += g * scale;
            }
        }
    }

    fn cover_of(&self, c: i32) -> f64 {
        if c < 0 {
            self.leaf_cover[!c as usize]
        } else {
            self.node_cover[c as usize]
        }
    }

    fn value_of_leaf(&self, c: i32) -> f64 {
        self.leaf_value[!c as usize]
    }

    /// Cover-weighted mean of the leaf values: the expectation TreeSHAP attributions start
    /// from (`E[f(X)]` under the training distribution the covers describe).
    pub fn expected_value(&self) -> f64 {
        fn rec(t: &Tree, c: i32) -> f64 {
            if c < 0 {
                return t.value_of_leaf(c);
            }
            let n = &t.nodes[c as usize];
            let w = t.node_cover[c as usize];
            let (wl, wr) = (t.cover_of(n.left), t.cover_of(n.right));
            if w <= 0.0 {
                return 0.5 * (rec(t, n.left) + rec(t, n.right));
            }
            (wl / w) * rec(t, n.left) + (wr / w) * rec(t, n.right)
        }
        if self.nodes.is_empty() {
            self.leaf_value[0]
        } else {
            rec(self, 0)
        }
    }

    /// Adds `scale` × the exact path-dependent TreeSHAP values of `row` (Lundberg et al.
    /// 2018, Algorithm 2) to `phi` (length ≥ number of features). The attributions of one tree
    /// sum to `predict_row(row) - expected_value()`.
    pub fn shap_add(&self, row: &[f64], phi: &mut [f64], scale: f64) {
        if self.nodes.is_empty() {
            return;
        }
        let d = self.depth() + 2;
        let mut buf = vec![PathElem::default(); d * (d + 1) / 2 + d];
        let mut ctx = ShapCtx { tree: self, row, phi, scale };
        ctx.recurse(0, &mut buf, 0, 1.0, 1.0, -1);
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct PathElem {
    feature: i64,
    zero_fraction: f64,
    one_fraction: f64,
    pweight: f64,
}

struct ShapCtx<'a> {
    tree: &'a Tree,
    row: &'a [f64],
    phi: &'a mut [f64],
    scale: f64,
}

fn extend_path(path: &mut [PathElem], ud: usize, zero: f64, one: f64, feature: i64) {
    path[ud] = PathElem { feature, zero_fraction: zero, one_fraction: one, pweight: if ud == 0 { 1.0 } else { 0.0 } };
    let udf = ud as f64;
    for i in (0..ud).rev() {
        path[i + 1].pweight += one * path[i].pweight * (i as f64 + 1.0) / (udf + 1.0);
        path[i].pweight = zero * path[i].pweight * (udf - i as f64) / (udf + 1.0);
    }
}

fn unwind_path(path: &mut [PathElem], ud: usize, pi: usize) {
    let one = path[pi].one_fraction;
    let zero = path[pi].zero_fraction;
    let udf = ud as f64;
    let mut next_one = path[ud].pweight;
    for i in (0..ud).rev() {
        if one != 0.0 {
            let tmp = path[i].pweight;
            path[i].pweight = next_one * (udf + 1.0) / ((i as f64 + 1.0) * one);
            next_one = tmp - path[i].pweight * zero * (udf - i as f64) / (udf + 1.0);
        } else {
            path[i].pweight = path[i].pweight * (udf + 1.0) / (zero * (udf - i as f64));
        }
    }
    for i in pi..ud {
        path[i].feature = path[i + 1].feature;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
}

fn unwound_path_sum(path: &[PathElem], ud: usize, pi: usize) -> f64 {
    let one = path[pi].one_fraction;
    let zero = path[pi].zero_fraction;
    let udf = ud as f64;
    let mut next_one = path[ud].pweight;
    let mut total = 0.0;
    for i in (0..ud).rev() {
        if one != 0.0 {
            let tmp = next_one * (udf + 1.0) / ((i as f64 + 1.0) * one);
            total += tmp;
            next_one = path[i].pweight - tmp * zero * ((udf - i as f64) / (udf + 1.0));
        } else if zero != 0.0 {
            total += (path[i].pweight / zero) / ((udf - i as f64) / (udf + 1.0));
        }
    }
    total
}

impl ShapCtx<'_> {
    /// `buf` holds the parent's path in `buf[..ud]` (elements 0..ud); this call's path is
    /// written after it.
    fn recurse(&mut self, node: i32, buf: &mut [PathElem], ud: usize, zero: f64, one: f64, feature: i64) {
        // Copy the parent's path (length ud) to a fresh segment of length ud + 1.
        let (parent, rest) = buf.split_at_mut(ud);
        let path = &mut rest[..];
        path[..ud].copy_from_slice(parent);
        extend_path(path, ud, zero, one, feature);
        let t = self.tree;
        if node < 0 {
            let v = t.value_of_leaf(node) * self.scale;
            for i in 1..=ud {
                let w = unwound_path_sum(path, ud, i);
                let e = &path[i];
                self.phi[e.feature as usize] += w * (e.one_fraction - e.zero_fraction) * v;
            }
            return;
        }
        let n = t.nodes[node as usize];
        let hot = n.next(self.row[n.feature as usize]);
        let cold = if hot == n.left { n.right } else { n.left };
        let w = t.node_cover[node as usize];
        let (hot_zero, cold_zero) = if w > 0.0 { (t.cover_of(hot) / w, t.cover_of(cold) / w) } else { (0.5, 0.5) };
        let mut in_zero = 1.0;
        let mut in_one = 1.0;
        let mut ud = ud;
        let f = n.feature as i64;
        if let Some(k) = (1..=ud).find(|&k| path[k].feature == f) {
            in_zero = path[k].zero_fraction;
            in_one = path[k].one_fraction;
            unwind_path(path, ud, k);
            ud -= 1;
        }
        // The child's segment starts right after this path (ud + 1 elements).
        let child_buf = &mut rest[..];
        self.recurse(hot, child_buf, ud + 1, hot_zero * in_zero, in_one, f);
        self.recurse(cold, child_buf, ud + 1, cold_zero * in_zero, 0.0, f);
    }
}

/// Brute-force Shapley values of one tree (exponential in the number of features), using the
/// same cover-weighted conditional expectation as path-dependent TreeSHAP. For tests.
#[cfg(test)]
pub(crate) fn brute_force_shap(tree: &Tree, row: &[f64], n_features: usize) -> Vec<f64> {
    fn cond_exp(t: &Tree, c: i32, row: &[f64], set: u32) -> f64 {
        if c < 0 {
            return t.value_of_leaf(c);
        }
        let n = &t.nodes[c as usize];
        if set >> n.feature & 1 == 1 {
            return cond_exp(t, n.next(row[n.feature as usize]), row, set);
        }
        let w = t.node_cover[c as usize];
        (t.cover_of(n.left) / w) * cond_exp(t, n.left, row, set)
            + (t.cover_of(n.right) / w) * cond_exp(t, n.right, row, set)
    }
    let v = |set: u32| {
        if tree.nodes.is_empty() {
            tree.leaf_value[0]
        } else {
            cond_exp(tree, 0, row, set)
        }
    };
    let m = n_features;
    let fact = |k: usize| (1..=k).map(|i| i as f64).product::<f64>();
    let mut phi = vec![0.0; m];
    for (i, p) in phi.iter_mut().enumerate() {
        for set in 0u32..(1 << m) {
            if set >> i & 1 == 1 {
                continue;
            }
            let s = set.count_ones() as usize;
            let wgt = fact(s) * fact(m - s - 1) / fact(m);
            *p += wgt * (v(set | 1 << i) - v(set));
        }
    }
    phi
}

#[cfg(test)]
mod tests {
    use super::*;

    /// x0 <= 0.5 ? (x1 <= 0.5 ? A : (x0 <= 0.2 ? B : C)) : D — feature 0 repeats on a path.
    fn small_tree() -> Tree {
        let n = |feature, threshold, left, right, default_left| Node { threshold, feature, left, right, default_left };
        Tree {
            nodes: vec![n(0, 0.5, 1, !3, false), n(1, 0.5, !0, 2, true), n(0, 0.2, !1, !2, false)],
            node_gain: vec![3.0, 2.0, 1.0],
            node_cover: vec![10.0, 6.0, 4.0],
            leaf_value: vec![1.0, -2.0, 0.5, 3.0],
            leaf_cover: vec![2.0, 1.5, 2.5, 4.0],
        }
    }

    #[test]
    fn routing_and_missing_values() {
        let t = small_tree();
        assert_eq!(t.predict_row(&[0.1, 0.1]), 1.0);
        assert_eq!(t.predict_row(&[0.1, 0.9]), -2.0);
        assert_eq!(t.predict_row(&[0.3, 0.9]), 0.5);
        assert_eq!(t.predict_row(&[0.9, 0.0]), 3.0);
        assert_eq!(t.predict_row(&[f64::NAN, 0.0]), 3.0);
        assert_eq!(t.predict_row(&[0.3, f64::NAN]), 1.0);
        assert_eq!(t.depth(), 3);
    }

    #[test]
    fn shap_matches_brute_force_on_a_tree_with_a_repeated_feature() {
        let t = small_tree();
        for row in [[0.1, 0.1], [0.1, 0.9], [0.3, 0.9], [0.9, 0.0], [f64::NAN, f64::NAN]] {
            let mut phi = vec![0.0; 2];
            t.shap_add(&row, &mut phi, 1.0);
            let bf = brute_force_shap(&t, &row, 2);
            for (a, b) in phi.iter().zip(&bf) {
                assert!((a - b).abs() < 1e-12, "{phi:?} vs {bf:?}");
            }
            let total: f64 = phi.iter().sum::<f64>() + t.expected_value();
            assert!((total - t.predict_row(&row)).abs() < 1e-12);
        }
    }
}
