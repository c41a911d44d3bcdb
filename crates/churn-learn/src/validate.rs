//! Validation of fitted learners read from untrusted files.
//!
//! A model file is input like any other: before a learner read from one predicts anything,
//! every index must be in range, every tree a tree (each node and leaf reached exactly once
//! from the root, so no cycle), no deeper than [`MAX_TREE_DEPTH`], its arrays of matching
//! lengths and its numbers finite. The checks walk trees with an explicit stack, so a
//! 200,000-node chain is rejected without recursion. Once validated, prediction, TreeSHAP and
//! the recursive helpers of [`Tree`] terminate within the depth bound.

use crate::{DecisionTreeModel, GbdtModel, LearnError, LogisticRegression, Platt, RandomForestModel, Tree};

/// Deepest tree a model file may hold. Trees fitted by this toolkit are far shallower (depth is
/// bounded by `log2` of the rows for balanced splits, by `max_depth` when set); the bound keeps
/// TreeSHAP's path tables (quadratic in the depth) and recursion small.
pub const MAX_TREE_DEPTH: usize = 1024;

fn invalid(reason: String) -> LearnError {
    LearnError::InvalidModel { reason }
}

fn check_finite(what: &str, values: &[f64]) -> Result<(), LearnError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(invalid(format!("{what}[{i}] is {} (must be finite)", values[i]))),
        None => Ok(()),
    }
}

impl Tree {
    /// Checks that this tree is well formed for `n_features` inputs (see the module docs).
    /// Returns its depth.
    pub fn validate(&self, n_features: usize) -> Result<usize, LearnError> {
        let n = self.nodes.len();
        let leaves = self.leaf_value.len();
        if self.node_gain.len() != n || self.node_cover.len() != n {
            return Err(invalid(format!(
                "{n} nodes but {} node_gain and {} node_cover values",
                self.node_gain.len(),
                self.node_cover.len()
            )));
        }
        if self.leaf_cover.len() != leaves {
            return Err(invalid(format!("{leaves} leaf_value but {} leaf_cover values", self.leaf_cover.len())));
        }
        if leaves != n + 1 {
            return Err(invalid(format!("{n} internal nodes need {} leaves, found {leaves}", n + 1)));
        }
        if n >= i32::MAX as usize {
            return Err(invalid(format!("{n} nodes is more than a tree can index")));
        }
        check_finite("leaf_value", &self.leaf_value)?;
        check_finite("leaf_cover", &self.leaf_cover)?;
        check_finite("node_gain", &self.node_gain)?;
        check_finite("node_cover", &self.node_cover)?;
        if let Some(i) = self.leaf_cover.iter().chain(&self.node_cover).position(|c| *c < 0.0) {
            return Err(invalid(format!("cover {i} is negative")));
        }
        for (i, node) in self.nodes.iter().enumerate() {
            if node.feature as usize >= n_features {
                return Err(invalid(format!(
                    "node {i} splits on feature {} but the model has {n_features} inputs",
                    node.feature
                )));
            }
            if node.threshold.is_nan() {
                return Err(invalid(format!("node {i} has a NaN threshold")));
            }
        }
        if n == 0 {
            return Ok(0);
        }
        // Every node and leaf must be the child of exactly one node, and the root of none;
        // then a walk from the root that reaches all of them proves the graph is a tree.
        let mut node_seen = vec![false; n];
        let mut leaf_seen = vec![false; leaves];
        node_seen[0] = true;
        let mut stack: Vec<(usize, usize)> = vec![(0, 1)];
        let mut reached = 1usize;
        let mut depth = 0usize;
        while let Some((i, d)) = stack.pop() {
            depth = depth.max(d);
            if d > MAX_TREE_DEPTH {
                return Err(invalid(format!("the tree is deeper than {MAX_TREE_DEPTH} levels")));
            }
            let node = self.nodes[i];
            for (side, c) in [("left", node.left), ("right", node.right)] {
                if c >= 0 {
                    let c = c as usize;
                    if c >= n {
                        return Err(invalid(format!("node {i}'s {side} child {c} is not a node (there are {n})")));
                    }
                    if node_seen[c] {
                        return Err(invalid(format!(
                            "node {i}'s {side} child {c} is reached twice (a cycle or a shared node)"
                        )));
                    }
                    node_seen[c] = true;
                    reached += 1;
                    stack.push((c, d + 1));
                } else {
                    let l = !c as usize;
                    if l >= leaves {
                        return Err(invalid(format!("node {i}'s {side} leaf {l} does not exist (there are {leaves})")));
                    }
                    if leaf_seen[l] {
                        return Err(invalid(format!("leaf {l} is reached twice")));
                    }
                    leaf_seen[l] = true;
                }
            }
        }
        if reached != n {
            return Err(invalid(format!("{} of {n} nodes cannot be reached from the root", n - reached)));
        }
        Ok(depth)
    }
}

fn check_trees(trees: &[Tree], n_features: usize) -> Result<(), LearnError> {
    if trees.is_empty() {
        return Err(invalid("the model has no trees".into()));
    }
    for (k, t) in trees.iter().enumerate() {
        t.validate(n_features).map_err(|e| invalid(format!("tree {k}: {e}")))?;
    }
    Ok(())
}

fn check_inputs(n_features: usize) -> Result<(), LearnError> {
    if n_features == 0 {
        return Err(invalid("the model has no inputs".into()));
    }
    Ok(())
}

impl GbdtModel {
    /// Checks a model read from a file: at least one tree, every tree valid, finite numbers.
    pub fn validate(&self) -> Result<(), LearnError> {
        check_inputs(self.n_features)?;
        check_finite("init_score", &[self.init_score])?;
        check_trees(&self.trees, self.n_features)
    }
}

impl RandomForestModel {
    /// Checks a model read from a file: at least one tree, every tree valid, finite numbers.
    pub fn validate(&self) -> Result<(), LearnError> {
        check_inputs(self.n_features)?;
        check_trees(&self.trees, self.n_features)
    }
}

impl DecisionTreeModel {
    /// Checks a model read from a file: the tree is valid, its numbers finite.
    pub fn validate(&self) -> Result<(), LearnError> {
        check_inputs(self.n_features)?;
        self.tree.validate(self.n_features).map(|_| ())
    }
}

impl LogisticRegression {
    /// Checks a model read from a file: at least one coefficient, all finite.
    pub fn validate(&self) -> Result<(), LearnError> {
        check_inputs(self.coef.len())?;
        check_finite("intercept", &[self.intercept])?;
        check_finite("coef", &self.coef)
    }
}

impl Platt {
    /// Checks a calibrator read from a file: finite coefficients.
    pub fn validate(&self) -> Result<(), LearnError> {
        check_finite("calibrator", &[self.a, self.b])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Node;

    fn node(feature: u32, left: i32, right: i32) -> Node {
        Node { threshold: 0.5, feature, left, right, default_left: true }
    }

    fn tree(nodes: Vec<Node>) -> Tree {
        let n = nodes.len();
        Tree {
            nodes,
            node_gain: vec![1.0; n],
            node_cover: vec![10.0; n],
            leaf_value: vec![0.1; n + 1],
            leaf_cover: vec![5.0; n + 1],
        }
    }

    /// Brute force: follow every root-to-leaf path with recursion and a path set.
    fn brute_depth(t: &Tree) -> Option<usize> {
        fn rec(t: &Tree, c: i32, path: &mut Vec<usize>) -> Option<usize> {
            if c < 0 {
                return Some(0);
            }
            let c = c as usize;
            if c >= t.nodes.len() || path.contains(&c) {
                return None;
            }
            path.push(c);
            let n = t.nodes[c];
            let d = 1 + rec(t, n.left, path)?.max(rec(t, n.right, path)?);
            path.pop();
            Some(d)
        }
        if t.nodes.is_empty() {
            Some(0)
        } else {
            rec(t, 0, &mut Vec::new())
        }
    }

    #[test]
    fn a_well_formed_tree_passes_with_its_depth() {
        // 0 -> (1, leaf 0); 1 -> (leaf 1, 2); 2 -> (leaf 2, leaf 3)
        let t = tree(vec![node(0, 1, !0), node(1, !1, 2), node(0, !2, !3)]);
        assert_eq!(t.validate(2).unwrap(), 3);
        assert_eq!(brute_depth(&t), Some(3));
        assert_eq!(t.depth(), 3);
        assert_eq!(Tree::leaf(0.2, 1.0).validate(1).unwrap(), 0);
    }

    #[test]
    fn cycles_out_of_range_indices_and_short_arrays_are_rejected() {
        let cyc = tree(vec![node(0, 1, !0), node(0, 0, !1)]);
        assert!(cyc.validate(1).unwrap_err().to_string().contains("reached twice"));
        let self_loop = tree(vec![node(0, 0, !0)]);
        assert!(self_loop.validate(1).is_err());
        let far = tree(vec![node(0, 7, !0)]);
        assert!(far.validate(1).unwrap_err().to_string().contains("not a node"));
        let far_leaf = tree(vec![node(0, !9, !0)]);
        assert!(far_leaf.validate(1).unwrap_err().to_string().contains("leaf 9"));
        let feat = tree(vec![node(3, !1, !0)]);
        assert!(feat.validate(2).unwrap_err().to_string().contains("feature 3"));
        let mut short = tree(vec![node(0, !1, !0)]);
        short.node_cover.clear();
        assert!(short.validate(1).is_err());
        let mut nan = tree(vec![node(0, !1, !0)]);
        nan.leaf_value[1] = f64::NAN;
        assert!(nan.validate(1).unwrap_err().to_string().contains("leaf_value[1]"));
        // A disconnected cycle: 1 <-> 2, unreachable from the root.
        let island = tree(vec![node(0, !0, !1), node(0, 2, !2), node(0, 1, !3)]);
        assert!(island.validate(1).is_err());
    }

    /// A chain of `n` nodes: node `i` goes left to node `i + 1` (the last to leaf `n`) and
    /// right to leaf `i`.
    fn chain(n: usize) -> Tree {
        tree((0..n).map(|i| node(0, if i + 1 < n { i as i32 + 1 } else { !(n as i32) }, !(i as i32))).collect())
    }

    #[test]
    fn a_long_chain_is_rejected_without_recursion() {
        let e = chain(200_000).validate(1).unwrap_err().to_string();
        assert!(e.contains("deeper than"), "{e}");
        // The same shape at the bound's depth is fine, and matches the brute-force depth.
        let ok = chain(MAX_TREE_DEPTH);
        assert_eq!(ok.validate(1).unwrap(), MAX_TREE_DEPTH);
        assert_eq!(brute_depth(&ok), Some(MAX_TREE_DEPTH));
        assert!(chain(MAX_TREE_DEPTH + 1).validate(1).is_err());
    }

    #[test]
    fn ensembles_need_a_tree_and_finite_numbers() {
        let lr = LogisticRegression { intercept: 0.0, coef: vec![f64::INFINITY], iterations: 1 };
        assert!(lr.validate().is_err());
        assert!(Platt { a: f64::NAN, b: 0.0 }.validate().is_err());
    }
}
