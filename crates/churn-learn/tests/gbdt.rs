//! Behaviour of the histogram gradient-boosted trees.

mod common;

use churn_learn::{GbdtModel, GbdtParams, GbdtValidParams, LearnError, Matrix, ParamGuard};
use common::*;

fn fit(x: &Matrix, y: &[bool], w: &[f64], p: &GbdtParams) -> GbdtModel {
    GbdtModel::fit(x, y, w, &p.clone().check().unwrap(), 7, None).unwrap()
}

#[test]
fn learns_xor_interaction_a_linear_model_cannot() {
    let (x, y) = xor_data(4000, 6, 0.1, 1);
    let (xt, yt) = xor_data(4000, 6, 0.1, 2);
    let m = fit(&x, &y, &ones(4000), &GbdtParams::default());
    let a = auc(&m.predict_raw(&xt), &yt);
    assert!(a > 0.9, "test AUC {a}");
    // Any linear score is near chance on this data: x0 + x1 as a representative.
    let lin: Vec<f64> = common::rows(&xt).iter().map(|r| r[0] + r[1]).collect();
    let l = auc(&lin, &yt);
    assert!((l - 0.5).abs() < 0.05, "linear AUC {l}");
    // Gain importance concentrates on the two interacting features.
    let imp = m.feature_importance_gain(6);
    let top = imp[0] + imp[1];
    assert!(top > 0.8 * imp.iter().sum::<f64>(), "{imp:?}");
}

#[test]
fn init_score_is_weighted_log_odds_of_base_rate() {
    let (x, y) = churn_like(500, 4, 3);
    let w: Vec<f64> = y.iter().map(|&l| if l { 3.0 } else { 1.0 }).collect();
    let m = fit(&x, &y, &w, &GbdtParams::default().n_trees(1));
    let pos: f64 = y.iter().zip(&w).filter(|(l, _)| **l).map(|(_, w)| w).sum();
    let tot: f64 = w.iter().sum();
    let p = pos / tot;
    assert!((m.init_score - (p / (1.0 - p)).ln()).abs() < 1e-12);
}

#[test]
fn upweighting_positives_raises_mean_probability() {
    let (x, y) = churn_like(3000, 5, 4);
    let w1 = ones(3000);
    let w2: Vec<f64> = y.iter().map(|&l| if l { 2.0 } else { 1.0 }).collect();
    let p = GbdtParams::default().n_trees(50);
    let m1 = fit(&x, &y, &w1, &p);
    let m2 = fit(&x, &y, &w2, &p);
    let (a, b) = (mean_prob(&m1.predict_raw(&x)), mean_prob(&m2.predict_raw(&x)));
    assert!(b > a + 0.03, "mean prob {a} -> {b}");
}

#[test]
fn zero_weight_rows_are_ignored() {
    let (x, y) = churn_like(2000, 5, 5);
    let keep: Vec<usize> = (0..2000).filter(|i| i % 3 != 0).collect();
    let mut w = ones(2000);
    for i in (0..2000).step_by(3) {
        w[i] = 0.0;
    }
    let p = GbdtParams::default().n_trees(30).bagging_fraction(0.7).feature_fraction(0.8);
    let with_zero = fit(&x, &y, &w, &p);
    let xs = x.select_rows(&keep);
    let ys: Vec<bool> = keep.iter().map(|&i| y[i]).collect();
    let without = fit(&xs, &ys, &ones(keep.len()), &p);
    assert_eq!(with_zero, without);
}

fn fit_json(k: usize, x: &Matrix, y: &[bool], valid: Option<churn_learn::EvalSet<'_>>) -> String {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(k).build().unwrap();
    let p =
        GbdtParams::default().n_trees(40).bagging_fraction(0.8).feature_fraction(0.7).lambda_l2(1.0).check().unwrap();
    let m = pool.install(|| GbdtModel::fit(x, y, &ones(x.n_rows()), &p, 11, valid).unwrap());
    serde_json::to_string(&m).unwrap()
}

#[test]
fn same_seed_same_bytes_for_any_thread_count() {
    let (x, y) = churn_like(30_000, 12, 6);
    let (vx, vy) = churn_like(3000, 12, 16);
    let vw = ones(3000);
    let v = Some((&vx, &vy[..], &vw[..]));
    let a = fit_json(1, &x, &y, v);
    let b = fit_json(2, &x, &y, v);
    let c = fit_json(3, &x, &y, v);
    assert_eq!(a, b);
    assert_eq!(a, c);
    // And a different seed gives a different model (bagging is live).
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let p =
        GbdtParams::default().n_trees(40).bagging_fraction(0.8).feature_fraction(0.7).lambda_l2(1.0).check().unwrap();
    let m = pool.install(|| GbdtModel::fit(&x, &y, &ones(30_000), &p, 12, v).unwrap());
    assert_ne!(serde_json::to_string(&m).unwrap(), a);
}

#[test]
fn early_stopping_stops_and_keeps_the_best_iteration() {
    // Pure noise labels: validation loss bottoms out early, then rises as trees overfit.
    let (x, _) = churn_like(2000, 8, 7);
    let mut r = churn_core::rng::Rng::new(8);
    let y: Vec<bool> = (0..2000).map(|_| r.next_f64() < 0.3).collect();
    let (vx, _) = churn_like(2000, 8, 9);
    let vy: Vec<bool> = (0..2000).map(|_| r.next_f64() < 0.3).collect();
    let vw = ones(2000);
    let p = GbdtParams::default().n_trees(500).min_data_in_leaf(5).early_stopping_rounds(Some(20)).check().unwrap();
    let m = GbdtModel::fit(&x, &y, &ones(2000), &p, 1, Some((&vx, &vy, &vw))).unwrap();
    let best = m.best_iteration.unwrap();
    assert_eq!(m.trees.len(), best);
    assert_eq!(m.valid_loss.len(), best + 20, "stopped exactly 20 rounds after the best");
    assert!(m.valid_loss.len() < 500);
    let min = m.valid_loss.iter().cloned().fold(f64::INFINITY, f64::min);
    assert_eq!(m.valid_loss[best - 1], min);
    // The kept model's validation loss equals the recorded best.
    let raw = m.predict_raw(&vx);
    let ll: f64 = raw
        .iter()
        .zip(&vy)
        .map(|(&s, &l)| {
            let p = 1.0 / (1.0 + (-s).exp());
            -(if l { p.ln() } else { (1.0 - p).ln() })
        })
        .sum::<f64>()
        / 2000.0;
    assert!((ll - min).abs() < 1e-9, "{ll} vs {min}");
}

#[test]
fn missing_values_route_to_the_learned_side() {
    // y depends only on whether x0 is missing; non-missing x0 values carry no signal.
    let mut r = churn_core::rng::Rng::new(3);
    let n = 20_000;
    let mut rows = Vec::new();
    let mut y = Vec::new();
    for _ in 0..n {
        let miss = r.next_f64() < 0.3;
        let x0 = if miss { f64::NAN } else { r.next_f64() };
        rows.push(vec![x0, r.next_f64()]);
        y.push(if miss { r.next_f64() < 0.8 } else { r.next_f64() < 0.1 });
    }
    let x = Matrix::from_rows(&rows).unwrap();
    let p = GbdtParams::default().n_trees(100).num_leaves(4).min_data_in_leaf(200);
    let m = fit(&x, &y, &ones(n), &p);
    let p_miss = churn_learn::sigmoid(m.predict_raw_row(&[f64::NAN, 0.5]));
    let p_low = churn_learn::sigmoid(m.predict_raw_row(&[0.01, 0.5]));
    let p_high = churn_learn::sigmoid(m.predict_raw_row(&[0.99, 0.5]));
    assert!((p_miss - 0.8).abs() < 0.04, "p(missing) {p_miss}");
    assert!((p_low - 0.1).abs() < 0.04 && (p_high - 0.1).abs() < 0.04, "{p_low} {p_high}");
    // The root split is on x0 and sends missing values its own way.
    let root = m.trees[0].nodes[0];
    assert_eq!(root.feature, 0);
    // Block scoring (several rows walked down each tree together) routes missing values the
    // same way as row scoring, for any block length (not only multiples of the interleave).
    for len in [1, 7, 8, 9, 61] {
        let block: Vec<f64> = rows[..len].iter().flatten().copied().collect();
        let mut out = vec![0.0; len];
        m.predict_raw_rows(&block, 2, &mut out);
        for (i, r) in rows[..len].iter().enumerate() {
            assert_eq!(out[i].to_bits(), m.predict_raw_row(r).to_bits(), "row {i} of {len}");
        }
    }
}

#[test]
fn serde_round_trip_predicts_identically() {
    let (x, y) = churn_like(3000, 6, 10);
    let m = fit(&x, &y, &ones(3000), &GbdtParams::default().n_trees(20));
    let json = serde_json::to_string(&m).unwrap();
    let back: GbdtModel = serde_json::from_str(&json).unwrap();
    assert_eq!(back, m);
    let a = m.predict_raw(&x);
    let b = back.predict_raw(&x);
    assert_eq!(a, b);
    // Matrix scoring and row scoring agree bit for bit.
    for (i, r) in common::rows(&x).iter().enumerate().take(200) {
        assert_eq!(m.predict_raw_row(r), a[i]);
    }
}

#[test]
fn shap_matches_brute_force_and_sums_to_the_prediction() {
    let (x, y) = churn_like(1500, 5, 12);
    let p = GbdtParams::default().n_trees(8).num_leaves(12).min_data_in_leaf(5);
    let m = fit(&x, &y, &ones(1500), &p);
    assert!(m.trees.iter().any(|t| t.depth() >= 4));
    let trees: Vec<(&churn_learn::Tree, f64)> = m.trees.iter().map(|t| (t, 1.0)).collect();
    for r in common::rows(&x).iter().take(25) {
        let (base, phi) = m.shap_values(r);
        let bf = brute_force_shap(&trees, r, 5);
        for (a, b) in phi.iter().zip(&bf) {
            assert!((a - b).abs() < 1e-9, "{phi:?} vs {bf:?}");
        }
        let total = base + phi.iter().sum::<f64>();
        assert!((total - m.predict_raw_row(r)).abs() < 1e-9);
    }
}

#[test]
fn shap_additivity_on_a_full_size_model() {
    let (x, y) = churn_like(5000, 10, 13);
    let m = fit(&x, &y, &ones(5000), &GbdtParams::default());
    for r in common::rows(&x).iter().take(50) {
        let (base, phi) = m.shap_values(r);
        assert!((base + phi.iter().sum::<f64>() - m.predict_raw_row(r)).abs() < 1e-9);
    }
}

#[test]
fn max_depth_and_num_leaves_are_honoured() {
    let (x, y) = churn_like(5000, 6, 14);
    let m = fit(&x, &y, &ones(5000), &GbdtParams::default().max_depth(Some(3)).n_trees(10));
    assert!(m.trees.iter().all(|t| t.depth() <= 3 && t.n_leaves() <= 8));
    let m = fit(&x, &y, &ones(5000), &GbdtParams::default().num_leaves(5).n_trees(10));
    assert!(m.trees.iter().all(|t| t.n_leaves() <= 5));
    assert!(m.trees.iter().any(|t| t.n_leaves() == 5));
}

#[test]
fn invalid_inputs_are_typed_errors() {
    let (x, y) = churn_like(100, 4, 15);
    let w = ones(100);
    let e = GbdtModel::fit(&x, &y[..99], &w, &GbdtValidParams::default(), 0, None).unwrap_err();
    assert_eq!(e, LearnError::Shape { rows: 100, labels: 99, what: "labels" });
    let e = GbdtModel::fit(&x, &[true; 100], &w, &GbdtValidParams::default(), 0, None).unwrap_err();
    assert_eq!(e, LearnError::SingleClass { positive: true });
    let e = GbdtParams::default().learning_rate(0.0).check().unwrap_err();
    assert_eq!(e.to_string(), "invalid parameter learning_rate = 0: must be in (0, 1]");
    let mut wn = w.clone();
    wn[3] = f64::NAN;
    let e = GbdtModel::fit(&x, &y, &wn, &GbdtValidParams::default(), 0, None).unwrap_err();
    assert_eq!(e, LearnError::NonFinite { what: "sample weights" });
    wn[3] = -1.0;
    let e = GbdtModel::fit(&x, &y, &wn, &GbdtValidParams::default(), 0, None).unwrap_err();
    assert_eq!(e.to_string(), "negative sample weight -1 at row 3");
}

#[test]
fn params_deserialize_with_defaults_and_reject_unknown_fields() {
    let p: GbdtParams = serde_json::from_str(r#"{"num_leaves": 15}"#).unwrap();
    assert_eq!(p, GbdtParams::default().num_leaves(15));
    assert!(serde_json::from_str::<GbdtParams>(r#"{"num_leaf": 15}"#).is_err());
}

#[test]
fn fit_path_keeps_every_round_and_truncation_matches_early_stopping() {
    let (x, y) = churn_like(3000, 6, 21);
    let (vx, vy) = churn_like(1500, 6, 22);
    let (w, vw) = (ones(3000), ones(1500));
    let p = GbdtParams::default().n_trees(400).early_stopping_rounds(Some(15)).lambda_l2(1.0).check().unwrap();
    let stopped = GbdtModel::fit(&x, &y, &w, &p, 3, Some((&vx, &vy, &vw))).unwrap();
    let path = GbdtModel::fit_path(&x, &y, &w, &p, 3, (&vx, &vy, &vw)).unwrap();
    let best = stopped.best_iteration.unwrap();
    assert_eq!(path.best_iteration, Some(best));
    assert_eq!(path.trees.len(), best + 15, "every round grown until early stopping ended");
    assert_eq!(path.valid_loss, stopped.valid_loss);
    assert_eq!(path.truncated(best), stopped, "the first `best` rounds are the early-stopped model");
}

#[test]
fn average_scores_the_mean_of_its_models_with_exact_attributions() {
    let (x, y) = churn_like(2000, 5, 23);
    let p = GbdtParams::default().n_trees(30).feature_fraction(0.8).check().unwrap();
    let models: Vec<GbdtModel> = (0..3).map(|s| GbdtModel::fit(&x, &y, &ones(2000), &p, s, None).unwrap()).collect();
    let mean = GbdtModel::average(&models).unwrap();
    assert_eq!(mean.trees.len(), 90);
    let raws: Vec<Vec<f64>> = models.iter().map(|m| m.predict_raw(&x)).collect();
    let got = mean.predict_raw(&x);
    for (i, &g) in got.iter().enumerate() {
        let want = raws.iter().map(|r| r[i]).sum::<f64>() / 3.0;
        assert!((g - want).abs() < 1e-9, "row {i}: {g} vs {want}");
    }
    for row in common::rows(&x).iter().take(50) {
        let (base, phi) = mean.shap_values(row);
        assert!((base + phi.iter().sum::<f64>() - mean.predict_raw_row(row)).abs() < 1e-9);
    }
    assert!(GbdtModel::average(&[]).is_none());
}
