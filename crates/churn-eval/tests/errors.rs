//! Invalid input returns typed errors with exact, helpful messages; nothing panics.

use churn_eval::*;

fn msg<T: std::fmt::Debug>(r: Result<T>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn input_validation_messages() {
    let y = [true, false];
    assert_eq!(msg(roc_auc(&[0.1], &y)), "length mismatch: 1 scores but 2 labels");
    assert_eq!(msg(roc_auc(&[], &[])), "no rows to evaluate");
    assert_eq!(msg(brier(&[0.1, f64::NAN], &y)), "non-finite value NaN at index 1");
    assert_eq!(msg(pr_auc(&[f64::INFINITY, 0.0], &y)), "non-finite value inf at index 0");
    assert_eq!(msg(log_loss(&[0.5, 1.5], &y)), "score 1.5 at index 1 is not a probability in [0, 1]");
    assert_eq!(msg(summarize(&[-0.1, 0.5], &y)), "score -0.1 at index 0 is not a probability in [0, 1]");
    assert_eq!(
        msg(roc_auc(&[0.1, 0.2], &[false, false])),
        "roc_auc needs both churned and retained rows, got 0 churned and 2 retained"
    );
    assert_eq!(
        msg(ks_statistic(&[0.1, 0.2], &[true, true])),
        "ks_statistic needs both churned and retained rows, got 2 churned and 0 retained"
    );
    assert_eq!(
        msg(lift_at(&[0.1, 0.2], &[false, false], 0.1)),
        "lift_at needs both churned and retained rows, got 0 churned and 2 retained"
    );
    assert_eq!(
        msg(delong_test(&[0.1, 0.2, 0.3], &[0.1, 0.2, 0.3], &[true, false, false])),
        "delong_test needs at least 2 churned and 2 retained rows, got 1 and 2"
    );
    assert_eq!(msg(delong_test(&[0.1, 0.2], &[0.1], &y)), "length mismatch: 1 scores but 2 labels");
}

#[test]
fn parameter_messages() {
    let (s, y) = ([0.1, 0.9, 0.4], [false, true, false]);
    assert_eq!(
        msg(reliability_table(&s, &y, 0, Binning::Quantile)),
        "invalid parameter bins = 0: must be between 1 and 100000"
    );
    assert_eq!(msg(lift_table(&s, &y, 4)), "invalid parameter groups = 4: must be between 1 and the number of rows");
    assert_eq!(msg(lift_at(&s, &y, 0.0)), "invalid parameter fraction = 0: must be in (0, 1]");
    assert_eq!(msg(lift_at(&s, &y, f64::NAN)), "invalid parameter fraction = NaN: must be in (0, 1]");
    assert_eq!(msg(confusion_at(&s, &y, f64::NAN)), "invalid parameter threshold = NaN: must not be NaN");
    assert_eq!(
        msg(min_cost_threshold(&s, &y, -1.0, 1.0)),
        "invalid parameter cost_fp = -1: must be finite and non-negative"
    );
    assert_eq!(msg(roc_curve(&s, &y).unwrap().thin(1)), "invalid parameter max_points = 1: must be at least 2");
}

#[test]
fn distribution_messages() {
    assert_eq!(msg(psi(&[0.5, 0.5], &[1.0])), "bin count mismatch: 2 expected bins but 1 actual bins");
    assert_eq!(msg(psi(&[0.5, 0.6], &[0.5, 0.5])), "invalid distribution: expected fractions sum to 1.1, not 1");
    assert_eq!(
        msg(psi(&[1.5, -0.5], &[0.5, 0.5])),
        "invalid frequency -0.5 at index 1: must be finite and non-negative"
    );
    assert_eq!(msg(psi(&[], &[])), "no rows to evaluate");
    assert_eq!(msg(psi_from_counts(&[0, 0], &[1, 2])), "invalid distribution: all counts are zero");
    assert_eq!(msg(js_distance(&[0.0, 0.0], &[1.0, 2.0])), "invalid distribution: all frequencies are zero");
    assert_eq!(msg(chi2_homogeneity(&[[1u64, 2]])), "invalid parameter samples.len() = 1: need at least two samples");
    assert_eq!(
        msg(chi2_homogeneity(&[vec![1u64, 2], vec![3]])),
        "bin count mismatch: 2 expected bins but 1 actual bins"
    );
    assert_eq!(msg(chi2_homogeneity(&[[1u64, 2], [0, 0]])), "invalid distribution: sample 1 has no observations");
    assert_eq!(msg(ks_2samp(&[], &[1.0])), "no rows to evaluate");
    assert_eq!(msg(wasserstein_distance(&[1.0], &[f64::NAN])), "non-finite value NaN at index 0");
}

#[test]
fn errors_are_matchable_by_field() {
    match roc_auc(&[0.3, 0.3], &[true, true]) {
        Err(EvalError::SingleClass { metric, positives, negatives }) => {
            assert_eq!((metric, positives, negatives), ("roc_auc", 2, 0))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(brier(&[0.2, 2.0], &[true, false]), Err(EvalError::NotProbability { index: 1, value: 2.0 }));
}

#[test]
fn single_class_is_fine_where_defined() {
    let s = [0.2, 0.6, 0.6];
    for y in [[true; 3], [false; 3]] {
        brier(&s, &y).unwrap();
        log_loss(&s, &y).unwrap();
        ece(&s, &y).unwrap();
        confusion_at(&s, &y, 0.5).unwrap();
        min_cost_threshold(&s, &y, 1.0, 3.0).unwrap();
        capacity_threshold(&s, &y, 1).unwrap();
        let m = summarize(&s, &y).unwrap();
        assert_eq!((m.auc, m.ks), (None, None));
    }
    assert_eq!(pr_auc(&s, &[true; 3]).unwrap(), 1.0);
    assert_eq!(lift_at(&s, &[true; 3], 0.5).unwrap(), 1.0);
}
