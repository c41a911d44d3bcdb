//! Property test of tree validation: for arbitrary node arrays (children anywhere in range
//! or out of it, features in or out of range), `Tree::validate` accepts exactly the trees a
//! brute-force walk accepts, and a tree it accepts predicts every row without looping.

use churn_learn::{Node, Tree, MAX_TREE_DEPTH};
use proptest::prelude::*;

/// Brute force: recursion with an explicit set of visited nodes and leaves; `None` when
/// the structure is not a tree whose nodes and leaves are each reached exactly once.
fn brute(t: &Tree, n_features: usize) -> Option<usize> {
    fn rec(t: &Tree, c: i32, seen: &mut Vec<bool>, leaves: &mut Vec<bool>, nf: usize) -> Option<usize> {
        if c < 0 {
            let l = (-(c as i64) - 1) as usize;
            if l >= leaves.len() || leaves[l] {
                return None;
            }
            leaves[l] = true;
            return Some(0);
        }
        let i = c as usize;
        if i >= t.nodes.len() || seen[i] || t.nodes[i].feature as usize >= nf {
            return None;
        }
        seen[i] = true;
        let n = t.nodes[i];
        let d = 1 + rec(t, n.left, seen, leaves, nf)?.max(rec(t, n.right, seen, leaves, nf)?);
        Some(d)
    }
    if t.leaf_value.len() != t.nodes.len() + 1 {
        return None;
    }
    if t.nodes.is_empty() {
        return Some(0);
    }
    let mut seen = vec![false; t.nodes.len()];
    let mut leaves = vec![false; t.leaf_value.len()];
    let d = rec(t, 0, &mut seen, &mut leaves, n_features)?;
    (seen.iter().all(|&s| s) && leaves.iter().all(|&s| s) && d <= MAX_TREE_DEPTH).then_some(d)
}

fn tree() -> impl Strategy<Value = Tree> {
    (0usize..7, 0usize..3).prop_flat_map(|(n, extra_leaves)| {
        let child = -(n as i32) - 2..(n as i32) + 1;
        let nodes = proptest::collection::vec((0u32..3, child.clone(), child), n);
        (nodes, Just(n + 1 + extra_leaves % 2))
            .prop_map(|(nodes, leaves)| Tree {
                nodes: nodes
                    .into_iter()
                    .map(|(feature, left, right)| Node { threshold: 0.0, feature, left, right, default_left: true })
                    .collect::<Vec<_>>(),
                node_gain: Vec::new(),
                node_cover: Vec::new(),
                leaf_value: (0..leaves).map(|i| i as f64).collect(),
                leaf_cover: vec![1.0; leaves],
            })
            .prop_map(|mut t| {
                t.node_gain = vec![1.0; t.nodes.len()];
                t.node_cover = vec![2.0; t.nodes.len()];
                t
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn validation_agrees_with_brute_force(t in tree(), row in proptest::collection::vec(-1.0f64..1.0, 2)) {
        let n_features = 2;
        let got = t.validate(n_features).ok();
        prop_assert_eq!(got, brute(&t, n_features), "{:?}", t);
        if got.is_some() {
            // Terminates, and lands on a leaf that exists.
            let v = t.predict_row(&row);
            prop_assert!(t.leaf_value.contains(&v));
        }
    }
}
