//! The fitted binary tree shared by every tree learner, its prediction and exact TreeSHAP.
//!
//! Layout: internal nodes live in one flat array of small [`Node`]s (threshold, feature,
//! children, default direction: 24 bytes, all the scoring loop touches); leaf values sit in
//! their own array. A child index `c >= 0` is an internal node, `c < 0` is the leaf `!c`
//! (LightGBM's convention). A tree with no split has no nodes and one leaf.

use serde::{Deserialize, Serialize};

/// Rows that [`Tree::add_rows`] walks down a tree together.
pub const INTERLEAVE: usize = 8;

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

    /// Adds the leaf value each row reaches to `out`: `rows` is row-major with `p` values per
    /// row and `out.len()` rows. The same leaves as [`Self::predict_row`], found for
    /// [`INTERLEAVE`] rows at a time without branching on the data.
    ///
    /// # Panics
    /// When `rows` holds fewer than `out.len() * p` values or a split feature is `>= p`.
    pub fn add_rows(&self, rows: &[f64], p: usize, out: &mut [f64]) {
        assert!(rows.len() >= out.len() * p, "rows holds fewer than out.len() rows");
        if self.nodes.is_empty() {
            let v = self.leaf_value[0];
            out.iter_mut().for_each(|o| *o += v);
            return;
        }
        let n = out.len();
        let mut groups = out.chunks_exact_mut(INTERLEAVE);
        for (g, chunk) in groups.by_ref().enumerate() {
            let base = g * INTERLEAVE * p;
            let mut idx = [0i32; INTERLEAVE];
            // Every child index is < 0 (a leaf) exactly when the AND of all has its sign bit.
            while idx.iter().fold(-1i32, |a, &c| a & c) >= 0 {
                for (r, c) in idx.iter_mut().enumerate() {
                    let node = &self.nodes[(*c).max(0) as usize];
                    let v = rows[base + r * p + node.feature as usize];
                    let left = (v <= node.threshold) | (v.is_nan() & node.default_left);
                    let next = if left { node.left } else { node.right };
                    *c = if *c >= 0 { next } else { *c };
                }
            }
            for (o, &c) in chunk.iter_mut().zip(&idx) {
                *o += self.leaf_value[!c as usize];
            }
        }
        let tail = groups.into_remainder();
        let done = n - tail.len();
        for (k, o) in tail.iter_mut().enumerate() {
            let i = done + k;
            *o += self.predict_row(&rows[i * p..(i + 1) * p]);
        }
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
        let mut buf = Vec::new();
        self.shap_add_in(row, phi, scale, &Ratios::new(self.depth()), &mut buf);
    }

    /// [`Self::shap_add`] with `ratios` covering this tree's depth and `buf` as the path space
    /// (grown when too small, so one buffer serves many trees).
    fn shap_add_in(&self, row: &[f64], phi: &mut [f64], scale: f64, ratios: &Ratios, buf: &mut Vec<PathElem>) {
        if self.nodes.is_empty() {
            return;
        }
        let d = ratios.n;
        let need = d * (d + 1) / 2 + d;
        if buf.len() < need {
            buf.resize(need, PathElem::default());
        }
        let mut ctx = ShapCtx { tree: self, row, phi, scale, r: ratios };
        ctx.recurse(0, buf, 0, 1.0, 1.0, -1);
    }
}

/// What TreeSHAP needs of a sequence of trees besides the trees, computed once per model:
/// each tree's expected value, and the ratio tables for the deepest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ShapTrees {
    expected: Vec<f64>,
    ratios: Ratios,
}

impl ShapTrees {
    /// Prepares `trees`, in order.
    pub fn new(trees: &[Tree]) -> ShapTrees {
        let depth = trees.iter().map(Tree::depth).max().unwrap_or(0);
        ShapTrees { expected: trees.iter().map(Tree::expected_value).collect(), ratios: Ratios::new(depth) }
    }

    /// [`Tree::expected_value`] of each tree, in order.
    pub fn expected_values(&self) -> &[f64] {
        &self.expected
    }

    /// Adds `scale` × the TreeSHAP values of `row` in every tree of `trees` (the trees this
    /// was prepared from) to `phi`, as [`Tree::shap_add`] tree by tree would.
    pub fn add(&self, trees: &[Tree], row: &[f64], phi: &mut [f64], scale: f64) {
        let mut buf = Vec::new();
        for t in trees {
            t.shap_add_in(row, phi, scale, &self.ratios, &mut buf);
        }
    }
}

/// The ratios of small integers TreeSHAP's path updates multiply by, tabled for every path
/// length up to `n` so that the inner loops multiply instead of divide (the divisions, each
/// waiting on the previous step, were most of the time). For a path of `ud + 1` elements and
/// position `i < ud`, at `ud * n + i`: `up = (i + 1) / (ud + 1)`, `down = (ud - i) / (ud + 1)`
/// and their reciprocals.
#[derive(Debug, Clone, PartialEq, Default)]
struct Ratios {
    n: usize,
    up: Vec<f64>,
    down: Vec<f64>,
    inv_up: Vec<f64>,
    inv_down: Vec<f64>,
}

impl Ratios {
    /// Tables for trees up to `depth` deep (paths of at most `depth + 2` elements).
    fn new(depth: usize) -> Ratios {
        let n = depth + 2;
        let mut r = Ratios {
            n,
            up: vec![0.0; n * n],
            down: vec![0.0; n * n],
            inv_up: vec![0.0; n * n],
            inv_down: vec![0.0; n * n],
        };
        for ud in 0..n {
            for i in 0..ud {
                let (u, d, all) = ((i + 1) as f64, (ud - i) as f64, (ud + 1) as f64);
                let k = ud * n + i;
                r.up[k] = u / all;
                r.down[k] = d / all;
                r.inv_up[k] = all / u;
                r.inv_down[k] = all / d;
            }
        }
        r
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct PathElem {
    feature: i64,
    zero_fraction: f64,
    /// 0 or 1 in path-dependent TreeSHAP: whether the row follows this path.
    one_fraction: f64,
    pweight: f64,
}

struct ShapCtx<'a> {
    tree: &'a Tree,
    row: &'a [f64],
    phi: &'a mut [f64],
    scale: f64,
    r: &'a Ratios,
}

fn extend_path(path: &mut [PathElem], ud: usize, zero: f64, one: f64, feature: i64, r: &Ratios) {
    path[ud] = PathElem { feature, zero_fraction: zero, one_fraction: one, pweight: if ud == 0 { 1.0 } else { 0.0 } };
    let (up, down) = (&r.up[ud * r.n..ud * r.n + ud], &r.down[ud * r.n..ud * r.n + ud]);
    for i in (0..ud).rev() {
        path[i + 1].pweight += one * path[i].pweight * up[i];
        path[i].pweight = zero * path[i].pweight * down[i];
    }
}

fn unwind_path(path: &mut [PathElem], ud: usize, pi: usize, r: &Ratios) {
    let one = path[pi].one_fraction;
    debug_assert!(one == 0.0 || one == 1.0, "path-dependent TreeSHAP: one fraction {one}");
    let zero = path[pi].zero_fraction;
    let at = ud * r.n;
    let mut next_one = path[ud].pweight;
    for i in (0..ud).rev() {
        if one != 0.0 {
            // `one` is 1 here: the row's own path.
            let tmp = path[i].pweight;
            path[i].pweight = next_one * r.inv_up[at + i];
            next_one = tmp - path[i].pweight * zero * r.down[at + i];
        } else {
            path[i].pweight = path[i].pweight * r.inv_down[at + i] / zero;
        }
    }
    for i in pi..ud {
        path[i].feature = path[i + 1].feature;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
}

/// Lanes of [`unwound_sums_hot`]: independent chains run side by side.
const SHAP_LANES: usize = 4;

/// For up to [`SHAP_LANES`] elements the row follows (`one_fraction` 1) with zero fractions
/// `zero`: the total weight of the path with that element unwound. The loop over the path is
/// one chain of multiply-subtract steps per element, whose only difference is `zero`, so the
/// chains run together.
fn unwound_sums_hot(path: &[PathElem], ud: usize, zero: [f64; SHAP_LANES], r: &Ratios) -> [f64; SHAP_LANES] {
    let at = ud * r.n;
    let mut total = [0.0; SHAP_LANES];
    let mut next_one = [path[ud].pweight; SHAP_LANES];
    let (down, inv_up) = (&r.down[at..at + ud], &r.inv_up[at..at + ud]);
    for i in (0..ud).rev() {
        let pw = path[i].pweight;
        for k in 0..SHAP_LANES {
            let tmp = next_one[k] * inv_up[i];
            total[k] += tmp;
            next_one[k] = pw - tmp * zero[k] * down[i];
        }
    }
    total
}

impl ShapCtx<'_> {
    /// Adds the attributions of the path elements `lanes` (at most [`SHAP_LANES`], all
    /// followed by the row) at a leaf worth `v`.
    fn add_hot(&mut self, path: &[PathElem], ud: usize, lanes: &[usize], v: f64) {
        let mut zero = [0.0; SHAP_LANES];
        for (z, &j) in zero.iter_mut().zip(lanes) {
            *z = path[j].zero_fraction;
        }
        let sums = unwound_sums_hot(path, ud, zero, self.r);
        for (&j, w) in lanes.iter().zip(sums) {
            self.phi[path[j].feature as usize] += w * (1.0 - path[j].zero_fraction) * v;
        }
    }

    /// `buf` holds the parent's path in `buf[..ud]` (elements 0..ud); this call's path is
    /// written after it.
    fn recurse(&mut self, node: i32, buf: &mut [PathElem], ud: usize, zero: f64, one: f64, feature: i64) {
        // Copy the parent's path (length ud) to a fresh segment of length ud + 1.
        let (parent, rest) = buf.split_at_mut(ud);
        let path = &mut rest[..];
        path[..ud].copy_from_slice(parent);
        extend_path(path, ud, zero, one, feature, self.r);
        let t = self.tree;
        if node < 0 {
            let v = t.value_of_leaf(node) * self.scale;
            // An element the row does not follow (one fraction 0, zero fraction z) unwinds to
            // the total Σ pweight[i] × (ud + 1) / (ud - i) / z, and enters φ times (0 - z):
            // the same `-cold` for every such element.
            let at = ud * self.r.n;
            let cold: f64 = (0..ud).rev().map(|i| path[i].pweight * self.r.inv_down[at + i]).sum();
            // The elements the row follows go SHAP_LANES at a time.
            let mut lanes = [0usize; SHAP_LANES];
            let mut n_hot = 0;
            for i in 1..=ud {
                let e = &path[i];
                if e.one_fraction == 0.0 {
                    if e.zero_fraction != 0.0 {
                        self.phi[e.feature as usize] -= cold * v;
                    }
                    continue;
                }
                debug_assert!(e.one_fraction == 1.0, "path-dependent TreeSHAP: one fraction {}", e.one_fraction);
                lanes[n_hot] = i;
                n_hot += 1;
                if n_hot == SHAP_LANES {
                    self.add_hot(path, ud, &lanes, v);
                    n_hot = 0;
                }
            }
            if n_hot > 0 {
                self.add_hot(path, ud, &lanes[..n_hot], v);
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
            unwind_path(path, ud, k, self.r);
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
/// One node of [`FlatTrees`] (16 bytes): leaves are nodes too, whose threshold (`+∞`) sends
/// every number back to the leaf itself.
#[derive(Debug, Clone, Copy, PartialEq)]
struct FlatNode {
    threshold: f64,
    /// The split feature times [`INTERLEAVE`]: its offset in a transposed tile of rows.
    offset: u32,
    /// Left child; the right child follows it (`left + 1`), so a step is
    /// `left + (x > threshold)`.
    left: u32,
}

/// A scoring layout of a sequence of trees, built once per model: all nodes in one array,
/// breadth first with siblings side by side, leaves as self-loops, so that a row takes
/// exactly `depth` steps down each tree and [`INTERLEAVE`] rows walk down together with no
/// data-dependent branch at all.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlatTrees {
    nodes: Vec<FlatNode>,
    /// Leaf value of each node (0 for internal nodes).
    value: Vec<f64>,
    /// Root node and depth of each tree.
    trees: Vec<(u32, u32)>,
    /// Largest feature index used, plus one.
    min_features: usize,
}

impl FlatTrees {
    /// Lays out `trees`, in order.
    pub fn new(trees: &[Tree]) -> FlatTrees {
        let mut f = FlatTrees::default();
        for t in trees {
            let root = f.nodes.len() as u32;
            // Breadth first: each internal node's two children get two adjacent slots.
            let mut queue: std::collections::VecDeque<i32> = std::collections::VecDeque::from([0]);
            if t.nodes.is_empty() {
                queue[0] = !0; // a single leaf
            }
            let mut next = root + 1;
            let mut at = root;
            while let Some(c) = queue.pop_front() {
                if c >= 0 {
                    let n = &t.nodes[c as usize];
                    f.nodes.push(FlatNode {
                        threshold: n.threshold,
                        offset: n.feature * INTERLEAVE as u32,
                        left: next,
                    });
                    f.value.push(0.0);
                    queue.push_back(n.left);
                    queue.push_back(n.right);
                    next += 2;
                } else {
                    f.nodes.push(FlatNode { threshold: f64::INFINITY, offset: 0, left: at });
                    f.value.push(t.leaf_value[!c as usize]);
                }
                at += 1;
            }
            let depth = if t.nodes.is_empty() { 0 } else { t.depth() as u32 };
            f.trees.push((root, depth));
            f.min_features = f.min_features.max(t.min_n_features());
        }
        f
    }

    /// Adds, tree by tree in order, the leaf value each row reaches to `out`: `rows` is
    /// row-major with `p` values per row. Bit-identical to summing [`Tree::predict_row`] over
    /// the trees in order, row by row. Rows are taken [`INTERLEAVE`] at a time, transposed
    /// into a small feature-major tile (so one register addresses every row's value of a
    /// feature) and walked down every tree together. Blocks holding a `NaN` take the general
    /// path ([`Tree::add_rows`], which honours each node's default direction); `trees` must
    /// be the trees this layout was built from.
    ///
    /// # Panics
    /// When `rows` holds fewer than `out.len() * p` values or `p` is smaller than the largest
    /// split feature.
    pub fn add_rows(&self, trees: &[Tree], rows: &[f64], p: usize, out: &mut [f64]) {
        let n = out.len();
        assert!(rows.len() >= n * p && p >= self.min_features, "rows too short for these trees");
        if rows[..n * p].iter().any(|v| v.is_nan()) {
            for t in trees {
                t.add_rows(rows, p, out);
            }
            return;
        }
        let mut tile = vec![0.0; p.max(1) * INTERLEAVE];
        for (g, chunk) in out.chunks_mut(INTERLEAVE).enumerate() {
            // Rows past the end of a short last group stay 0: scored, then dropped.
            tile.fill(0.0);
            for (r, row) in rows[g * INTERLEAVE * p..].chunks_exact(p).take(chunk.len()).enumerate() {
                for (j, &v) in row.iter().enumerate() {
                    tile[j * INTERLEAVE + r] = v;
                }
            }
            let mut acc = [0.0; INTERLEAVE];
            acc[..chunk.len()].copy_from_slice(chunk);
            for &(root, depth) in &self.trees {
                let mut idx = [root; INTERLEAVE];
                for _ in 0..depth {
                    for (r, c) in idx.iter_mut().enumerate() {
                        let node = &self.nodes[*c as usize];
                        let v = tile[node.offset as usize + r];
                        *c = node.left + (v > node.threshold) as u32;
                    }
                }
                for (a, &c) in acc.iter_mut().zip(&idx) {
                    *a += self.value[c as usize];
                }
            }
            chunk.copy_from_slice(&acc[..chunk.len()]);
        }
    }
}

/// What a model derives from its trees for speed ([`FlatTrees`], [`ShapTrees`]).
pub trait FromTrees {
    /// Builds it from `trees`, in order.
    fn from_trees(trees: &[Tree]) -> Self;
}

impl FromTrees for FlatTrees {
    fn from_trees(trees: &[Tree]) -> Self {
        FlatTrees::new(trees)
    }
}

impl FromTrees for ShapTrees {
    fn from_trees(trees: &[Tree]) -> Self {
        ShapTrees::new(trees)
    }
}

/// A lazily built [`FromTrees`] value held by a model: not serialized, built on first use,
/// and ignored by `==` (two models with the same trees are equal whether or not they have
/// scored).
#[derive(Debug, Clone)]
pub struct TreeCache<T>(std::sync::OnceLock<T>);

/// The scoring layout of a model's trees.
pub type FlatCache = TreeCache<FlatTrees>;
/// TreeSHAP's per-tree expected values and ratio tables.
pub type ShapCache = TreeCache<ShapTrees>;

impl<T: FromTrees> TreeCache<T> {
    /// The value for `trees`, built on the first call.
    pub fn get(&self, trees: &[Tree]) -> &T {
        self.0.get_or_init(|| T::from_trees(trees))
    }
}

impl<T> Default for TreeCache<T> {
    fn default() -> Self {
        TreeCache(std::sync::OnceLock::new())
    }
}

impl<T> PartialEq for TreeCache<T> {
    fn eq(&self, _: &TreeCache<T>) -> bool {
        true
    }
}

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
    #[test]
    fn flat_layout_scores_like_the_trees() {
        let trees = vec![small_tree(), Tree::leaf(0.25, 1.0), small_tree()];
        let flat = FlatTrees::new(&trees);
        let mut r = churn_core::rng::Rng::new(9);
        for nan in [false, true] {
            for n in [1, 8, 13, 40] {
                let rows: Vec<f64> =
                    (0..n * 2).map(|k| if nan && k == 3 { f64::NAN } else { r.next_f64() * 1.2 - 0.1 }).collect();
                let mut out = vec![0.5; n];
                flat.add_rows(&trees, &rows, 2, &mut out);
                for (i, o) in out.iter().enumerate() {
                    let row = &rows[i * 2..i * 2 + 2];
                    let want = trees.iter().fold(0.5, |a, t| a + t.predict_row(row));
                    assert_eq!(o.to_bits(), want.to_bits(), "row {i} of {n}, nan {nan}");
                }
            }
        }
    }

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
