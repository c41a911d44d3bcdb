//! The learner families: every out-of-range hyperparameter is an `Err` naming it from the
//! parameters' `check` (linfa's `ParamGuard`), and `Family::fit` of unchecked parameters
//! returns that error before any data is looked at; fitting through the `Family` trait gives
//! exactly the model of the learner's own entry point on the checked parameters.

mod common;

use churn_learn::{
    DecisionTreeModel, Family, Fitted, ForestParams, GbdtModel, GbdtParams, LearnError, LogisticParams,
    LogisticRegression, MaxFeatures, ParamGuard, RandomForestModel, TreeParams,
};

/// `(parameter name, rendered value)` of an `InvalidParam` error, or a panic.
fn rejected<T: std::fmt::Debug>(r: Result<T, LearnError>) -> (&'static str, String) {
    match r {
        Err(LearnError::InvalidParam { name, value, .. }) => (name, value),
        other => panic!("expected an invalid parameter, got {other:?}"),
    }
}

/// Checks that each `(params, name, value)` is rejected by `check` (and `check_ref`) naming
/// `name` and `value`, and that `F::fit` of the unchecked parameters returns the same error.
fn check_rejections<F: Family + std::fmt::Debug>(cases: Vec<(F::Params, &str, &str)>)
where
    <F::Params as ParamGuard>::Checked: std::fmt::Debug,
{
    let (x, y) = common::churn_like(200, 4, 3);
    let w = vec![1.0; y.len()];
    for (p, name, value) in cases {
        let want = (name, value.to_string());
        assert_eq!(rejected(p.check_ref()), want, "{} {p:?}", F::NAME);
        assert_eq!(rejected(F::fit(&p, &x, &y, &w, None, 1)), want, "{} {p:?}", F::NAME);
        assert_eq!(rejected(p.clone().check()), want, "{} {p:?}", F::NAME);
    }
}

#[test]
fn logistic_rejections_are_named() {
    let d = LogisticParams::default;
    check_rejections::<LogisticRegression>(vec![
        (d().c(0.0), "c", "0"),
        (d().c(-1.0), "c", "-1"),
        (d().c(f64::NAN), "c", "NaN"),
        (d().c(f64::INFINITY), "c", "inf"),
        (d().max_iter(0), "max_iter", "0"),
    ]);
}

#[test]
fn gbdt_rejections_are_named() {
    let d = GbdtParams::default;
    check_rejections::<GbdtModel>(vec![
        (d().n_trees(0), "n_trees", "0"),
        (d().learning_rate(0.0), "learning_rate", "0"),
        (d().learning_rate(1.5), "learning_rate", "1.5"),
        (d().num_leaves(1), "num_leaves", "1"),
        (d().max_depth(Some(0)), "max_depth", "0"),
        (d().min_data_in_leaf(0), "min_data_in_leaf", "0"),
        (d().min_sum_hessian_in_leaf(-1.0), "min_sum_hessian_in_leaf", "-1"),
        (d().lambda_l2(f64::NAN), "lambda_l2", "NaN"),
        (d().min_split_gain(-0.5), "min_split_gain", "-0.5"),
        (d().bagging_fraction(0.0), "bagging_fraction", "0"),
        (d().feature_fraction(2.0), "feature_fraction", "2"),
        (d().max_bins(1), "max_bins", "1"),
        (d().max_bins(256), "max_bins", "256"),
        (d().early_stopping_rounds(Some(0)), "early_stopping_rounds", "0"),
    ]);
}

#[test]
fn forest_rejections_are_named() {
    let d = ForestParams::default;
    check_rejections::<RandomForestModel>(vec![
        (d().n_trees(0), "n_trees", "0"),
        (d().max_features(MaxFeatures::Fraction(0.0)), "max_features", "0"),
        (d().max_features(MaxFeatures::Count(0)), "max_features", "0"),
        (d().max_depth(Some(0)), "max_depth", "0"),
        (d().min_samples_leaf(0), "min_samples_leaf", "0"),
        (d().min_gain(-1.0), "min_gain", "-1"),
        (d().max_bins(300), "max_bins", "300"),
    ]);
}

#[test]
fn tree_rejections_are_named() {
    let d = TreeParams::default;
    check_rejections::<DecisionTreeModel>(vec![
        (d().max_depth(Some(0)), "max_depth", "0"),
        (d().min_samples_leaf(0), "min_samples_leaf", "0"),
        (d().min_gain(f64::INFINITY), "min_gain", "inf"),
        (d().max_bins(0), "max_bins", "0"),
    ]);
}

/// Every family's search space starts with valid parameters, and `Family::fit` of them is the
/// learner's own `fit` (the same numbers, hence the same model file).
#[test]
fn the_family_trait_fits_what_the_learners_fit() {
    // No missing values: logistic regression takes finite inputs only.
    let (x, y) = common::xor_data(400, 5, 0.2, 11);
    let w = vec![1.0; y.len()];
    let seed = 9;
    let p = &LogisticRegression::search_space(seed, 400)[0];
    assert_eq!(
        <LogisticRegression as Family>::fit(p, &x, &y, &w, None, seed).unwrap(),
        LogisticRegression::fit(&x, &y, &w, &p.clone().check().unwrap()).unwrap()
    );
    let p = &GbdtModel::search_space(seed, 400)[0];
    let g = <GbdtModel as Family>::fit(p, &x, &y, &w, None, seed).unwrap();
    assert_eq!(g, GbdtModel::fit(&x, &y, &w, p.check_ref().unwrap(), seed, None).unwrap());
    let p = &RandomForestModel::search_space(seed, 400)[0];
    assert_eq!(
        <RandomForestModel as Family>::fit(p, &x, &y, &w, None, seed).unwrap(),
        RandomForestModel::fit(&x, &y, &w, p.check_ref().unwrap(), seed).unwrap()
    );
    let p = &DecisionTreeModel::search_space(seed, 400)[0];
    let t = <DecisionTreeModel as Family>::fit(p, &x, &y, &w, None, seed).unwrap();
    assert_eq!(t, DecisionTreeModel::fit(&x, &y, &w, p.check_ref().unwrap(), seed).unwrap());
    // The trait's predictions and importances are the learner's own.
    let row: Vec<f64> = (0..5).map(|j| x.col(j)[0]).collect();
    assert_eq!(Fitted::predict_raw_row(&g, &row), g.predict_raw_row(&row));
    assert_eq!(Fitted::predict_raw(&t, &x), t.predict_raw(&x));
    assert_eq!(Fitted::native_importance(&g).1, g.feature_importance_gain(5));
    assert_eq!(Fitted::init_score(&g), g.init_score);
    assert_eq!(Fitted::trees(&t).map(|(trees, averaged)| (trees.len(), averaged)), Some((1, true)));
}

/// Boosting's cross-validated cut keeps the round count with the least summed held-out loss,
/// found here by brute force over the rounds every fold grew.
#[test]
fn boosting_folds_are_cut_at_the_best_common_round() {
    let (x, y) = common::churn_like(600, 4, 5);
    let w = vec![1.0; y.len()];
    let p = GbdtParams::default().n_trees(80).early_stopping_rounds(Some(5));
    let (fit, out): (Vec<usize>, Vec<usize>) = (0..600).partition(|i| i % 3 != 0);
    let sub = |rows: &[usize]| (x.select_rows(rows), rows.iter().map(|&i| y[i]).collect::<Vec<bool>>());
    let (xf, yf) = sub(&fit);
    let (xo, yo) = sub(&out);
    let wo = vec![1.0; yo.len()];
    let folds: Vec<GbdtModel> = [1u64, 2]
        .iter()
        .map(|&s| GbdtModel::fit_fold(&p, &xf, &yf, &w[..yf.len()], (&xo, &yo, &wo), s, 2).unwrap())
        .collect();
    let refs: Vec<&GbdtModel> = folds.iter().collect();
    let (cut, final_params) = GbdtModel::cross_validated(&p, &refs).expect("early stopping is on");
    let len = folds.iter().map(|m| m.valid_loss.len().min(m.trees.len())).min().unwrap();
    let best = (0..len)
        .min_by(|&a, &b| {
            let s = |r: usize| folds.iter().map(|m| m.valid_loss[r]).sum::<f64>();
            s(a).total_cmp(&s(b)).then(a.cmp(&b))
        })
        .unwrap()
        + 1;
    let final_params = final_params.check().unwrap();
    assert_eq!(final_params.n_trees(), best);
    assert_eq!(final_params.early_stopping_rounds(), None);
    assert!(cut.iter().all(|m| m.trees.len() == best));
}
