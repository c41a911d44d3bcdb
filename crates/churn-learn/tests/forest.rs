//! Behaviour of the random forest and the decision tree.

mod common;

use churn_learn::{
    Criterion, DecisionTreeModel, Family, ForestParams, ForestValidParams, LearnError, Matrix, MaxFeatures, ParamGuard,
    RandomForestModel, TreeParams, TreeValidParams,
};
use common::*;

fn small_forest() -> ForestValidParams {
    ForestParams::default().n_trees(60).check().unwrap()
}

#[test]
fn forest_probabilities_are_in_unit_interval_and_raw_is_their_logit() {
    let (x, y) = churn_like(2000, 6, 1);
    let m = RandomForestModel::fit(&x, &y, &ones(2000), &small_forest(), 3).unwrap();
    let raw = m.predict_raw(&x);
    for (i, r) in rows(&x).iter().enumerate() {
        let p = m.predict_proba_row(r);
        assert!((0.0..=1.0).contains(&p), "{p}");
        assert_eq!(m.predict_raw_row(r), raw[i]);
        assert!((raw[i] - churn_learn::logit_clipped(p)).abs() < 1e-12);
        assert!(raw[i].is_finite());
    }
}

#[test]
fn forest_beats_a_single_tree_on_noisy_data() {
    let (x, y) = churn_like(4000, 10, 2);
    let (xt, yt) = churn_like(4000, 10, 3);
    let f = RandomForestModel::fit(&x, &y, &ones(4000), &ForestValidParams::default(), 1).unwrap();
    let t = DecisionTreeModel::fit(&x, &y, &ones(4000), &TreeValidParams::default(), 1).unwrap();
    let (af, at) = (auc(&f.predict_raw(&xt), &yt), auc(&t.predict_raw(&xt), &yt));
    assert!(af > at + 0.03, "forest {af} vs tree {at}");
    assert!(af > 0.75, "forest AUC {af}");
}

#[test]
fn forest_learns_xor() {
    let (x, y) = xor_data(4000, 6, 0.1, 4);
    let (xt, yt) = xor_data(4000, 6, 0.1, 5);
    let f = RandomForestModel::fit(&x, &y, &ones(4000), &small_forest(), 1).unwrap();
    let a = auc(&f.predict_raw(&xt), &yt);
    assert!(a > 0.88, "forest AUC {a}");
}

fn forest_json(k: usize, x: &Matrix, y: &[bool], w: &[f64]) -> String {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(k).build().unwrap();
    let m = pool.install(|| RandomForestModel::fit(x, y, w, &small_forest(), 9).unwrap());
    serde_json::to_string(&m).unwrap()
}

#[test]
fn forest_same_seed_same_bytes_for_any_thread_count() {
    let (x, y) = churn_like(3000, 8, 6);
    let w: Vec<f64> = y.iter().map(|&l| if l { 2.5 } else { 1.0 }).collect();
    let a = forest_json(1, &x, &y, &w);
    assert_eq!(a, forest_json(2, &x, &y, &w));
    assert_eq!(a, forest_json(4, &x, &y, &w));
    let back: RandomForestModel = serde_json::from_str(&a).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), a);
}

#[test]
fn forest_zero_weight_rows_are_ignored_and_weights_matter() {
    let (x, y) = churn_like(2000, 6, 7);
    let mut w = ones(2000);
    let keep: Vec<usize> = (0..2000).filter(|i| i % 4 != 1).collect();
    for i in (1..2000).step_by(4) {
        w[i] = 0.0;
    }
    let a = RandomForestModel::fit(&x, &y, &w, &small_forest(), 5).unwrap();
    let xs = x.select_rows(&keep);
    let ys: Vec<bool> = keep.iter().map(|&i| y[i]).collect();
    let b = RandomForestModel::fit(&xs, &ys, &ones(keep.len()), &small_forest(), 5).unwrap();
    assert_eq!(a, b);

    // Doubling the positives' weight raises held-out probabilities (leaves are weighted
    // positive fractions: about 0.25 -> 0.4 at the base rate).
    let (xt, _) = churn_like(2000, 6, 70);
    let w2: Vec<f64> = y.iter().map(|&l| if l { 2.0 } else { 1.0 }).collect();
    let p = ForestParams::from(small_forest()).min_samples_leaf(20).check().unwrap();
    let c = RandomForestModel::fit(&x, &y, &ones(2000), &p, 5).unwrap();
    let d = RandomForestModel::fit(&x, &y, &w2, &p, 5).unwrap();
    let (pc, pd) = (mean_prob(&c.predict_raw(&xt)), mean_prob(&d.predict_raw(&xt)));
    assert!(pd > pc + 0.08, "{pc} -> {pd}");
}

#[test]
fn forest_shap_matches_brute_force_rescaled_to_log_odds() {
    let (x, y) = churn_like(600, 4, 8);
    let p = ForestParams::default().n_trees(5).max_depth(Some(5)).check().unwrap();
    let m = RandomForestModel::fit(&x, &y, &ones(600), &p, 2).unwrap();
    let trees: Vec<(&churn_learn::Tree, f64)> = m.trees.iter().map(|t| (t, 0.2)).collect();
    for r in rows(&x).iter().take(20) {
        let (base, phi) = m.shap_values(r);
        let raw = m.predict_raw_row(r);
        assert!((base + phi.iter().sum::<f64>() - raw).abs() < 1e-9);
        // Probability-space brute force, rescaled by the same secant factor.
        let bf = brute_force_shap(&trees, r, 4);
        let s: f64 = bf.iter().sum();
        if s.abs() > 1e-9 {
            let f = (raw - base) / s;
            for (a, b) in phi.iter().zip(&bf) {
                assert!((a - b * f).abs() < 1e-8, "{phi:?} vs {bf:?} x {f}");
            }
        }
    }
}

#[test]
fn tree_shap_sums_to_the_prediction() {
    let (x, y) = churn_like(2000, 6, 9);
    let t = DecisionTreeModel::fit(&x, &y, &ones(2000), &TreeValidParams::default(), 0).unwrap();
    for r in rows(&x).iter().take(50) {
        let (base, phi) = t.shap_values(r);
        assert!((base + phi.iter().sum::<f64>() - t.predict_raw_row(r)).abs() < 1e-9);
    }
}

/// Weighted Gini decrease of splitting at `thr` on column `j` (NaN-free data).
fn gini_gain(x: &Matrix, y: &[bool], w: &[f64], j: usize, thr: f64) -> f64 {
    let (mut gl, mut hl, mut gr, mut hr) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..x.n_rows() {
        let (g, h) = (if y[i] { w[i] } else { 0.0 }, w[i]);
        if x.get(i, j) <= thr {
            gl += g;
            hl += h;
        } else {
            gr += g;
            hr += h;
        }
    }
    let imp = |g: f64, h: f64| if h > 0.0 { 2.0 * g * (h - g) / h } else { 0.0 };
    imp(gl + gr, hl + hr) - imp(gl, hl) - imp(gr, hr)
}

#[test]
fn decision_tree_root_split_is_the_brute_force_best_weighted_gini_split() {
    for seed in 0..5 {
        let (x, y) = churn_like(300, 5, 100 + seed);
        // No NaNs for the brute force: replace them with a constant.
        let rows_: Vec<Vec<f64>> =
            rows(&x).into_iter().map(|r| r.into_iter().map(|v| if v.is_nan() { 9.0 } else { v }).collect()).collect();
        let x = Matrix::from_rows(&rows_).unwrap();
        let mut r = churn_core::rng::Rng::new(seed);
        let w: Vec<f64> = (0..300).map(|_| 0.5 + r.next_f64()).collect();
        let p = TreeParams::default().max_depth(Some(1)).min_samples_leaf(1).check().unwrap();
        let m = DecisionTreeModel::fit(&x, &y, &w, &p, 0).unwrap();
        let root = m.tree.nodes[0];
        // Brute force over every feature and every midpoint between distinct values.
        let mut best = (0.0, 0usize, 0.0);
        for j in 0..5 {
            let mut v: Vec<f64> = x.col(j).to_vec();
            v.sort_by(f64::total_cmp);
            v.dedup();
            for k in 0..v.len() - 1 {
                let thr = v[k] + (v[k + 1] - v[k]) / 2.0;
                let g = gini_gain(&x, &y, &w, j, thr);
                if g > best.0 + 1e-12 {
                    best = (g, j, thr);
                }
            }
        }
        assert_eq!(root.feature as usize, best.1, "seed {seed}");
        assert!((root.threshold - best.2).abs() < 1e-12, "{} vs {}", root.threshold, best.2);
        // Our gain is half the weighted Gini decrease.
        assert!((2.0 * m.tree.node_gain[0] - best.0).abs() < 1e-9 * best.0.max(1.0));
        // Leaves hold the weighted positive fraction of their side.
        let (mut gl, mut hl) = (0.0, 0.0);
        for i in 0..300 {
            if x.get(i, best.1) <= best.2 {
                hl += w[i];
                if y[i] {
                    gl += w[i];
                }
            }
        }
        let left_leaf = !m.tree.nodes[0].left as usize;
        assert!((m.tree.leaf_value[left_leaf] - gl / hl).abs() < 1e-12);
    }
}

#[test]
fn decision_tree_depth_leaf_size_and_entropy() {
    let (x, y) = churn_like(3000, 6, 11);
    let p =
        TreeParams::default().max_depth(Some(4)).min_samples_leaf(50).criterion(Criterion::Entropy).check().unwrap();
    let t = DecisionTreeModel::fit(&x, &y, &ones(3000), &p, 0).unwrap();
    assert!(t.tree.depth() <= 4 && t.tree.n_leaves() > 4);
    // Every leaf holds at least 50 rows: count them.
    let mut counts = vec![0usize; t.tree.n_leaves()];
    for r in rows(&x) {
        counts[t.tree.leaf_index(&r)] += 1;
    }
    assert!(counts.iter().all(|&c| c >= 50), "{counts:?}");
}

#[test]
fn forest_params_validation() {
    let (x, y) = churn_like(100, 4, 12);
    let bad = ForestParams::default().max_features(MaxFeatures::Fraction(1.5));
    let e = <RandomForestModel as Family>::fit(&bad, &x, &y, &ones(100), None, 0).unwrap_err();
    assert!(matches!(e, LearnError::InvalidParam { name: "max_features", .. }));
    let bad = ForestParams::default().min_samples_leaf(0);
    assert!(matches!(bad.check(), Err(LearnError::InvalidParam { name: "min_samples_leaf", .. })));
    assert_eq!(MaxFeatures::Sqrt.resolve(40), 6);
    assert_eq!(MaxFeatures::Count(100).resolve(40), 40);
}

#[test]
fn merged_forests_average_their_probabilities() {
    let (x, y) = churn_like(1500, 5, 31);
    let p = ForestParams::default().n_trees(20).check().unwrap();
    let a = RandomForestModel::fit(&x, &y, &ones(1500), &p, 1).unwrap();
    let b = RandomForestModel::fit(&x, &y, &ones(1500), &p, 2).unwrap();
    let m = RandomForestModel::merge(&[a.clone(), b.clone()]).unwrap();
    assert_eq!(m.trees.len(), 40);
    for row in common::rows(&x).iter().take(100) {
        let want = 0.5 * (a.predict_proba_row(row) + b.predict_proba_row(row));
        assert!((m.predict_proba_row(row) - want).abs() < 1e-12);
    }
    assert!(RandomForestModel::merge(&[]).is_none());
}
