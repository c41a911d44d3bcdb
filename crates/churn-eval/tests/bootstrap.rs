//! Bootstrap intervals: the fast count-based path equals the straightforward resample-and-call
//! path bit for bit, results do not depend on the thread count, and the intervals are sensible.

use churn_core::rng::Rng;
use churn_eval::*;

fn data(seed: u64, n: usize, rate: f64, round: f64) -> (Vec<f64>, Vec<f64>, Vec<bool>) {
    let mut rng = Rng::new(seed);
    let y: Vec<bool> = (0..n).map(|_| rng.next_f64() < rate).collect();
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    let mut a = Vec::with_capacity(n);
    let mut b = Vec::with_capacity(n);
    for &y in &y {
        let common = rng.normal();
        let shift = if y { 1.0 } else { 0.0 };
        a.push((sig(common + shift - 1.0) * round).round() / round);
        b.push((sig(common + 0.6 * shift + 0.8 * rng.normal() - 1.0) * round).round() / round);
    }
    (a, b, y)
}

const METRICS: [Metric; 4] = [Metric::RocAuc, Metric::PrAuc, Metric::Brier, Metric::LogLoss];

#[test]
fn fast_path_equals_materialised_resamples() {
    let (a, b, y) = data(1, 300, 0.2, 50.0);
    for stratified in [true, false] {
        let opts = BootstrapOptions { n_boot: 200, seed: 42, level: 0.9, stratified };
        for m in METRICS {
            let fast = bootstrap_ci_with(&a, &y, m, &opts).unwrap();
            let slow = bootstrap_ci_fn(&a, &y, |s: &[f64], l: &[bool]| m.compute(s, l), &opts).unwrap();
            assert_eq!(fast, slow, "{m:?} stratified={stratified}");
            assert_eq!(fast.estimate, m.compute(&a, &y).unwrap());
            assert!(fast.lo <= fast.estimate && fast.estimate <= fast.hi, "{m:?} {fast:?}");
            let pf = paired_bootstrap(&a, &b, &y, m, &opts).unwrap();
            let ps = paired_bootstrap_fn(&a, &b, &y, |s: &[f64], l: &[bool]| m.compute(s, l), &opts).unwrap();
            assert_eq!(pf, ps, "{m:?} paired stratified={stratified}");
        }
    }
}

#[test]
fn identical_for_any_thread_count_and_seeded() {
    let (a, b, y) = data(2, 2000, 0.1, 1e6);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            (
                bootstrap_ci(&a, &y, Metric::RocAuc, 300, 7).unwrap(),
                paired_bootstrap(
                    &a,
                    &b,
                    &y,
                    Metric::PrAuc,
                    &BootstrapOptions { n_boot: 300, seed: 7, ..Default::default() },
                )
                .unwrap(),
            )
        })
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(5));
    assert_ne!(one.0, bootstrap_ci(&a, &y, Metric::RocAuc, 300, 8).unwrap());
}

#[test]
fn stratified_keeps_both_classes_plain_skips_single_class_resamples() {
    // 2 churners in 40 rows: plain resamples miss both about (38/40)^40 = 13% of the time.
    let y: Vec<bool> = (0..40).map(|i| i == 3 || i == 17).collect();
    let s: Vec<f64> = (0..40).map(|i| (i % 9) as f64 / 10.0).collect();
    let strat = bootstrap_ci(&s, &y, Metric::RocAuc, 500, 1).unwrap();
    assert_eq!((strat.n_used, strat.n_skipped), (500, 0));
    let plain_opts = BootstrapOptions { n_boot: 500, seed: 1, level: 0.95, stratified: false };
    let plain = bootstrap_ci_with(&s, &y, Metric::RocAuc, &plain_opts).unwrap();
    assert_eq!(plain.n_used + plain.n_skipped, 500);
    assert!((30..120).contains(&plain.n_skipped), "{plain:?}");
    // Brier is defined on one class: nothing skipped.
    let brier = bootstrap_ci_with(&s, &y, Metric::Brier, &plain_opts).unwrap();
    assert_eq!(brier.n_skipped, 0);
    // A metric that is "undefined" unless the first row is a churner: true for the full data
    // (row 3 is moved to the front), for only ~2/40 of the plain resamples.
    let (mut s, mut y) = (s, y);
    s.swap(0, 3);
    y.swap(0, 3);
    let picky = |s: &[f64], l: &[bool]| {
        let positives = l.iter().filter(|&&y| y).count();
        if !l[0] {
            return Err(EvalError::SingleClass { metric: "picky", positives, negatives: l.len() - positives });
        }
        roc_auc(s, l)
    };
    let used = match bootstrap_ci_fn(&s, &y, picky, &plain_opts) {
        Err(EvalError::TooFewResamples { used, requested: 500, .. }) => used,
        other => panic!("{other:?}"),
    };
    assert!((5..60).contains(&used), "{used}");
    assert_eq!(
        bootstrap_ci_fn(&s, &y, picky, &plain_opts).unwrap_err().to_string(),
        format!("bootstrap of custom metric: only {used} of 500 resamples had both classes")
    );
}

#[test]
fn interval_width_agrees_with_delong_standard_error() {
    let (a, b, y) = data(3, 4000, 0.25, 1e6);
    let ci = bootstrap_ci(&a, &y, Metric::RocAuc, 1000, 11).unwrap();
    let d = delong_test(&a, &b, &y).unwrap();
    let normal_width = 2.0 * 1.959964 * d.se_a;
    let ratio = (ci.hi - ci.lo) / normal_width;
    assert!((0.85..1.15).contains(&ratio), "bootstrap width / DeLong width = {ratio}");
    // Paired difference: same sign and similar spread as DeLong.
    let pd = paired_bootstrap(&a, &b, &y, Metric::RocAuc, &BootstrapOptions::default()).unwrap();
    assert!((pd.diff - d.diff).abs() < 1e-12);
    let ratio = (pd.hi - pd.lo) / (2.0 * 1.959964 * d.se);
    assert!((0.85..1.15).contains(&ratio), "paired width / DeLong width = {ratio}");
    assert!(pd.lo > 0.0 && d.p_value < 1e-6, "{pd:?} {d:?}");
    assert_eq!(pd.p_value, 0.0);
}

#[test]
fn identical_models_have_zero_difference() {
    let (a, _, y) = data(4, 500, 0.3, 100.0);
    let pd =
        paired_bootstrap(&a, &a, &y, Metric::RocAuc, &BootstrapOptions { n_boot: 100, ..Default::default() }).unwrap();
    assert_eq!((pd.diff, pd.lo, pd.hi, pd.p_value), (0.0, 0.0, 0.0, 1.0));
    let d = delong_test(&a, &a, &y).unwrap();
    assert_eq!((d.diff, d.se, d.z, d.p_value), (0.0, 0.0, 0.0, 1.0));
}

#[test]
fn options_are_validated() {
    let (a, _, y) = data(5, 50, 0.3, 100.0);
    let bad = |opts: BootstrapOptions| bootstrap_ci_with(&a, &y, Metric::RocAuc, &opts).unwrap_err().to_string();
    assert_eq!(
        bad(BootstrapOptions { n_boot: 1, ..Default::default() }),
        "invalid parameter n_boot = 1: must be between 2 and 10000000"
    );
    assert_eq!(
        bad(BootstrapOptions { level: 1.0, ..Default::default() }),
        "invalid parameter level = 1: must be in (0, 1)"
    );
    assert_eq!(
        bootstrap_ci(&a, &[true; 50], Metric::RocAuc, 10, 0).unwrap_err().to_string(),
        "roc_auc needs both churned and retained rows, got 50 churned and 0 retained"
    );
}
