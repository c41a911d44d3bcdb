//! The learners through linfa's `Fit` / `PredictInplace`: the same models as the toolkit's own
//! entry points, weights honoured, errors typed; and linfa-trees as an oracle for the CART tree.

mod common;

use churn_learn::{
    DecisionTreeModel, ForestParams, GbdtModel, GbdtParams, LearnError, LogisticParams, LogisticRegression, Matrix,
    ParamGuard, RandomForestModel, TreeParams,
};
use linfa::prelude::*;
use ndarray::{Array1, Array2, Ix1};

/// A `Matrix` as a row-major ndarray.
fn to_array(x: &Matrix) -> Array2<f64> {
    Array2::from_shape_fn((x.n_rows(), x.n_cols()), |(i, j)| x.get(i, j))
}

/// Seeded data without missing values (linfa-trees cannot take NaN), with a weight per row.
fn data(n: usize, seed: u64) -> (Matrix, Vec<bool>, Vec<f64>) {
    let (x, y) = common::churn_like(n, 5, seed);
    let rows: Vec<Vec<f64>> = (0..x.n_rows())
        .map(|i| (0..x.n_cols()).map(|j| if x.get(i, j).is_nan() { 0.0 } else { x.get(i, j) }).collect())
        .collect();
    let w = (0..n).map(|i| 0.5 + (i % 3) as f64).collect();
    (Matrix::from_rows(&rows).unwrap(), y, w)
}

fn dataset(x: &Matrix, y: &[bool], w: &[f64]) -> Dataset<f64, bool, Ix1> {
    let w32: Array1<f32> = w.iter().map(|&v| v as f32).collect();
    Dataset::new(to_array(x), Array1::from(y.to_vec())).with_weights(w32)
}

#[test]
fn fit_through_linfa_gives_the_toolkits_own_models() {
    let (x, y, w) = data(600, 3);
    // linfa stores weights as f32: compare against the same rounded weights.
    let w: Vec<f64> = w.iter().map(|&v| f64::from(v as f32)).collect();
    let ds = dataset(&x, &y, &w);

    // Unchecked parameters (linfa's blanket `Fit` of a `ParamGuard`, or `Seeded`'s check),
    // checked ones, and the learner's own `fit` of the checked ones: one model.
    let lr: LogisticRegression = LogisticParams::default().fit(&ds).unwrap();
    let lp = LogisticParams::default().check().unwrap();
    assert_eq!(lr, lp.fit(&ds).unwrap());
    assert_eq!(lr, LogisticRegression::fit(&x, &y, &w, &lp).unwrap());

    let tree: DecisionTreeModel = TreeParams::default().seeded(5).fit(&ds).unwrap();
    let tp = TreeParams::default().check().unwrap();
    assert_eq!(tree, tp.clone().seeded(5).fit(&ds).unwrap());
    assert_eq!(tree, DecisionTreeModel::fit(&x, &y, &w, &tp, 5).unwrap());

    let fp = ForestParams::default().n_trees(12);
    let forest: RandomForestModel = fp.clone().seeded(9).fit(&ds).unwrap();
    let fp = fp.check().unwrap();
    assert_eq!(forest, fp.clone().seeded(9).fit(&ds).unwrap());
    assert_eq!(forest, RandomForestModel::fit(&x, &y, &w, &fp, 9).unwrap());

    let gp = GbdtParams::default().n_trees(20);
    let gbdt: GbdtModel = gp.clone().seeded(1).fit(&ds).unwrap();
    let gp = gp.check().unwrap();
    assert_eq!(gbdt, gp.clone().seeded(1).fit(&ds).unwrap());
    assert_eq!(gbdt, GbdtModel::fit(&x, &y, &w, &gp, 1, None).unwrap());

    // Predictions are the learners' probabilities, row by row.
    let arr = to_array(&x);
    let p_lr: Array1<f64> = lr.predict(&arr);
    let p_forest: Array1<f64> = forest.predict(&arr);
    let p_gbdt: Array1<f64> = gbdt.predict(&arr);
    let mut row = vec![0.0; x.n_cols()];
    for i in 0..x.n_rows() {
        x.row_into(i, &mut row);
        assert_eq!(p_lr[i], churn_learn::sigmoid(lr.predict_raw_row(&row)));
        assert_eq!(p_forest[i], forest.predict_proba_row(&row));
        assert_eq!(p_gbdt[i], churn_learn::sigmoid(gbdt.predict_raw_row(&row)));
    }
}

#[test]
fn unset_weights_count_every_row_once() {
    let (x, y, _) = data(400, 8);
    let ds = Dataset::new(to_array(&x), Array1::from(y.clone()));
    let lr: LogisticRegression = LogisticParams::default().fit(&ds).unwrap();
    let checked = LogisticParams::default().check().unwrap();
    assert_eq!(lr, LogisticRegression::fit(&x, &y, &vec![1.0; x.n_rows()], &checked).unwrap());
}

#[test]
fn bad_data_and_parameters_are_typed_errors() {
    let (x, y, w) = data(100, 2);
    let one_class = Dataset::new(to_array(&x), Array1::from(vec![true; x.n_rows()]));
    let e: Result<LogisticRegression, LearnError> = LogisticParams::default().fit(&one_class);
    assert_eq!(e.unwrap_err(), LearnError::SingleClass { positive: true });

    let short = Dataset::new(to_array(&x), Array1::from(y.clone())).with_weights(Array1::from(vec![1.0f32; 10]));
    let e: Result<LogisticRegression, LearnError> = LogisticParams::default().fit(&short);
    assert_eq!(e.unwrap_err(), LearnError::Shape { rows: 100, labels: 10, what: "weights" });

    let bad = LogisticParams::default().c(-1.0);
    let e: Result<LogisticRegression, LearnError> = bad.fit(&dataset(&x, &y, &w));
    assert!(matches!(e.unwrap_err(), LearnError::InvalidParam { name: "c", .. }));
    let e: Result<GbdtModel, LearnError> = GbdtParams::default().n_trees(0).seeded(1).fit(&dataset(&x, &y, &w));
    assert!(matches!(e.unwrap_err(), LearnError::InvalidParam { name: "n_trees", .. }));
    let e: Result<RandomForestModel, LearnError> =
        ForestParams::default().max_bins(1).seeded(1).fit(&dataset(&x, &y, &w));
    assert!(matches!(e.unwrap_err(), LearnError::InvalidParam { name: "max_bins", .. }));
    let e: Result<DecisionTreeModel, LearnError> =
        TreeParams::default().min_samples_leaf(0).seeded(1).fit(&dataset(&x, &y, &w));
    assert!(matches!(e.unwrap_err(), LearnError::InvalidParam { name: "min_samples_leaf", .. }));
}

#[test]
fn linfa_cross_validation_runs_the_learners() {
    // linfa's own k-fold helper drives the toolkit's learners (class predictions): every
    // candidate's mean fold accuracy beats always answering "retained".
    let (x, y) = linear_data(900, 4);
    let churn_rate = y.iter().filter(|&&v| v).count() as f64 / y.len() as f64;
    let base = churn_rate.max(1.0 - churn_rate);
    let mut ds = Dataset::new(to_array(&x), Array1::from(y.clone()));
    let params = [LogisticParams::default(), LogisticParams::default().c(0.01)];
    let acc = ds
        .cross_validate_single(3, &params, |pred: &Array1<bool>, truth| {
            let hits = pred.iter().zip(truth.iter()).filter(|(a, b)| a == b).count();
            Ok(hits as f64 / pred.len() as f64)
        })
        .map_err(|e: LearnError| e)
        .unwrap();
    assert_eq!(acc.len(), 2);
    for a in acc {
        assert!(a > base + 0.15, "fold accuracy {a} vs majority {base}");
    }
    // The AUC of the probabilities is also far above chance (pair counting).
    let model: LogisticRegression = LogisticParams::default().fit(&ds).unwrap();
    let p: Array1<f64> = model.predict(&to_array(&x));
    assert!(pair_auc(&p.to_vec(), &y) > 0.85);
}

/// Balanced data with a linear log-odds `2 x0 - 1.5 x1` and two noise columns.
fn linear_data(n: usize, seed: u64) -> (Matrix, Vec<bool>) {
    let mut rng = churn_core::rng::Rng::new(seed);
    let mut rows = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let r: Vec<f64> = (0..4).map(|_| rng.normal()).collect();
        y.push(rng.next_f64() < churn_learn::sigmoid(2.0 * r[0] - 1.5 * r[1]));
        rows.push(r);
    }
    (Matrix::from_rows(&rows).unwrap(), y)
}

/// Rank AUC by pair counting (independent of churn-eval, which this crate does not depend on).
fn pair_auc(p: &[f64], y: &[bool]) -> f64 {
    let (mut wins, mut pairs) = (0.0, 0.0);
    for (i, &yi) in y.iter().enumerate() {
        for (j, &yj) in y.iter().enumerate() {
            if yi && !yj {
                pairs += 1.0;
                wins += if p[i] > p[j] {
                    1.0
                } else if p[i] == p[j] {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    wins / pairs
}

#[test]
fn cart_tree_agrees_with_linfa_trees_on_unweighted_data() {
    // linfa-trees' Gini tree is an independent CART: on unweighted data with the same depth
    // and leaf size, our tree's class (probability ≥ ½) matches its class on nearly every row.
    // Ties between equally good splits (deep in a tree, cutting one pure row off is equally good
    // on many columns: hence larger leaves there) may be broken differently (half-and-half
    // leaves are left out: their class is a coin toss), and
    // thresholds differ between training values (linfa: midpoints; ours: bin edges), so rows
    // never seen in training agree a little less often. Deeper trees drift further apart (about
    // 90% at depth 8, leaves of 40: linfa sums class weights in f32, so near-ties can resolve
    // the other way, and one different split moves a whole subtree); the roots are identical.
    // Values rounded to one decimal: under 255 distinct values per column, so our histogram
    // bins hold one value each and both trees search the same exact thresholds.
    let round = |m: Matrix| {
        let rows: Vec<Vec<f64>> =
            (0..m.n_rows()).map(|i| (0..m.n_cols()).map(|j| (m.get(i, j) * 10.0).round() / 10.0).collect()).collect();
        Matrix::from_rows(&rows).unwrap()
    };
    let (x, y, _) = data(2000, 11);
    let x = round(x);
    let xt = round(data(1000, 12).0);
    for (depth, leaf) in [(2, 1), (3, 1), (5, 20)] {
        let ours = DecisionTreeModel::fit(
            &x,
            &y,
            &vec![1.0; x.n_rows()],
            &TreeParams::default().max_depth(Some(depth)).min_samples_leaf(leaf).check().unwrap(),
            0,
        )
        .unwrap();
        let ds = Dataset::new(to_array(&x), Array1::from(y.clone()));
        let theirs = linfa_trees::DecisionTree::params()
            .split_quality(linfa_trees::SplitQuality::Gini)
            .max_depth(Some(depth))
            .min_weight_split(2.0 * leaf as f32)
            .min_weight_leaf(leaf as f32)
            .min_impurity_decrease(1e-12)
            .fit(&ds)
            .unwrap();
        for (m, what, at_least) in [(&x, "training", 0.98), (&xt, "new", 0.96)] {
            let arr = to_array(m);
            let classes: Array1<bool> = theirs.predict(&arr);
            let mut row = vec![0.0; m.n_cols()];
            let (mut agree, mut decided) = (0, 0);
            for i in 0..m.n_rows() {
                m.row_into(i, &mut row);
                let p = ours.predict_proba_row(&row);
                if p != 0.5 {
                    decided += 1;
                    agree += usize::from((p > 0.5) == classes[i]);
                }
            }
            let rate = agree as f64 / decided as f64;
            assert!(rate >= at_least, "depth {depth}, leaf {leaf}, {what} rows: agreement {rate}");
        }
    }
}
