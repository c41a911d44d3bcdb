//! Every metric against a slow, obviously-correct reference on seeded random data with ties,
//! constant scores and one-class labels.

use churn_core::rng::Rng;
use churn_eval::*;

/// A random data set; the generator is chosen to produce many kinds of ties.
fn dataset(rng: &mut Rng) -> (Vec<f64>, Vec<bool>) {
    let n = 1 + rng.below(60) as usize;
    let kind = rng.below(6);
    let rate = match rng.below(5) {
        0 => 0.0, // single class: all retained
        1 => 1.0, // single class: all churned
        _ => rng.next_f64(),
    };
    let labels: Vec<bool> = (0..n).map(|_| rng.next_f64() < rate).collect();
    let scores = labels
        .iter()
        .map(|&y| {
            let shift = if y { 0.8 } else { 0.0 };
            let p = 1.0 / (1.0 + (-(rng.normal() + shift - 0.5)).exp());
            match kind {
                0 => p,                                      // continuous, distinct
                1 => (p * 10.0).round() / 10.0,              // heavy ties
                2 => 0.25,                                   // constant
                3 => [0.0, 0.5, 1.0][rng.below(3) as usize], // three values incl. 0 and 1
                4 => (p * 100.0).round() / 100.0,            // light ties
                _ => -0.0 + 0.0 * p,                         // constant, signed zero
            }
        })
        .collect();
    (scores, labels)
}

fn cases(seed: u64, trials: usize) -> Vec<(Vec<f64>, Vec<bool>)> {
    let mut rng = Rng::new(seed);
    (0..trials).map(|_| dataset(&mut rng)).collect()
}

fn counts(labels: &[bool]) -> (usize, usize) {
    let p = labels.iter().filter(|&&y| y).count();
    (p, labels.len() - p)
}

#[track_caller]
fn close(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() <= 1e-12, "{what}: got {got}, want {want}");
}

/// Distinct scores, descending.
fn thresholds(scores: &[f64]) -> Vec<f64> {
    let mut t = scores.to_vec();
    t.sort_by(|a, b| b.total_cmp(a));
    t.dedup_by(|a, b| a == b);
    t
}

fn naive_confusion(s: &[f64], y: &[bool], t: f64) -> Confusion {
    let mut c = Confusion::default();
    for (&s, &y) in s.iter().zip(y) {
        match (s >= t, y) {
            (true, true) => c.tp += 1,
            (true, false) => c.fp += 1,
            (false, false) => c.tn += 1,
            (false, true) => c.fn_ += 1,
        }
    }
    c
}

#[test]
fn roc_auc_equals_pairwise_count() {
    for (s, y) in cases(1, 600) {
        let (p, n) = counts(&y);
        let got = roc_auc(&s, &y);
        if p == 0 || n == 0 {
            assert!(matches!(got, Err(EvalError::SingleClass { .. })), "{got:?}");
            continue;
        }
        let mut wins = 0.0;
        for i in (0..s.len()).filter(|&i| y[i]) {
            for j in (0..s.len()).filter(|&j| !y[j]) {
                wins += if s[i] > s[j] {
                    1.0
                } else if s[i] == s[j] {
                    0.5
                } else {
                    0.0
                };
            }
        }
        close(got.unwrap(), wins / (p * n) as f64, "auc");
    }
}

#[test]
fn curves_ap_and_ks_equal_threshold_by_threshold_recount() {
    for (s, y) in cases(2, 600) {
        let (p, n) = counts(&y);
        let ts = thresholds(&s);
        if p > 0 {
            let pr = pr_curve(&s, &y).unwrap();
            assert_eq!(pr.thresholds, ts);
            let mut ap = 0.0;
            let mut prev_recall = 0.0;
            for (k, &t) in ts.iter().enumerate() {
                let c = naive_confusion(&s, &y, t);
                close(pr.precision[k], c.tp as f64 / (c.tp + c.fp) as f64, "precision");
                close(pr.recall[k], c.tp as f64 / p as f64, "recall");
                ap += (pr.recall[k] - prev_recall) * pr.precision[k];
                prev_recall = pr.recall[k];
            }
            close(pr_auc(&s, &y).unwrap(), ap, "average precision");
            if n == 0 {
                assert_eq!(pr_auc(&s, &y).unwrap(), 1.0);
            }
        } else {
            assert!(matches!(pr_auc(&s, &y), Err(EvalError::SingleClass { .. })));
        }
        if p == 0 || n == 0 {
            assert!(roc_curve(&s, &y).is_err() && ks_statistic(&s, &y).is_err());
            continue;
        }
        let roc = roc_curve(&s, &y).unwrap();
        assert_eq!((roc.fpr[0], roc.tpr[0], roc.thresholds[0]), (0.0, 0.0, f64::INFINITY));
        assert_eq!(roc.thresholds[1..], ts[..]);
        let mut ks: f64 = 0.0;
        for (k, &t) in ts.iter().enumerate() {
            let c = naive_confusion(&s, &y, t);
            close(roc.tpr[k + 1], c.recall(), "tpr");
            close(roc.fpr[k + 1], c.fpr(), "fpr");
            ks = ks.max((c.recall() - c.fpr()).abs());
        }
        assert_eq!(*roc.fpr.last().unwrap(), 1.0);
        close(ks_statistic(&s, &y).unwrap(), ks, "ks");
        // KS separation is the two-sample KS statistic of the two classes.
        let pos: Vec<f64> = s.iter().zip(&y).filter(|p| *p.1).map(|p| *p.0).collect();
        let neg: Vec<f64> = s.iter().zip(&y).filter(|p| !*p.1).map(|p| *p.0).collect();
        close(ks_2samp(&pos, &neg).unwrap().statistic, ks, "ks_2samp");
        // AUC is also the trapezoid area under the ROC curve.
        let area: f64 =
            (1..roc.len()).map(|i| (roc.fpr[i] - roc.fpr[i - 1]) * (roc.tpr[i] + roc.tpr[i - 1]) / 2.0).sum();
        close(roc_auc(&s, &y).unwrap(), area, "trapezoid");
    }
}

#[test]
fn thinning_keeps_ends_bounds_size_and_preserves_area() {
    let mut rng = Rng::new(3);
    for trial in 0..50 {
        let n = 200 + rng.below(3000) as usize;
        let y: Vec<bool> = (0..n).map(|i| i % 3 == 0 || rng.next_f64() < 0.1).collect();
        let s: Vec<f64> =
            y.iter().map(|&y| ((rng.normal() + if y { 1.0 } else { 0.0 }) * 1000.0).round() / 1000.0).collect();
        let roc = roc_curve(&s, &y).unwrap();
        let lossless = roc.thin(usize::MAX).unwrap();
        let area = |c: &RocCurve| -> f64 {
            (1..c.len()).map(|i| (c.fpr[i] - c.fpr[i - 1]) * (c.tpr[i] + c.tpr[i - 1]) / 2.0).sum()
        };
        assert!((area(&lossless) - area(&roc)).abs() < 1e-12, "trial {trial}");
        for max in [2usize, 3, 10, 50, 200] {
            let t = roc.thin(max).unwrap();
            assert!(t.len() <= max && t.len() >= 2, "{} > {max}", t.len());
            assert_eq!((t.fpr[0], t.tpr[0]), (0.0, 0.0));
            assert_eq!((*t.fpr.last().unwrap(), *t.tpr.last().unwrap()), (1.0, 1.0));
            assert!(t.thresholds.windows(2).all(|w| w[0] > w[1]));
            // Area error is bounded by the step length.
            let step = 2.0 / (max - 1) as f64;
            assert!((area(&t) - area(&roc)).abs() <= step, "max {max}");
        }
        let pr = pr_curve(&s, &y).unwrap().thin(20).unwrap();
        assert!(pr.len() <= 20);
        assert_eq!(*pr.recall.last().unwrap(), 1.0);
    }
    assert!(roc_curve(&[0.1, 0.9], &[false, true]).unwrap().thin(1).is_err());
}

#[test]
fn probability_metrics_equal_direct_formulas() {
    for (s, y) in cases(4, 400) {
        let ll: f64 = s
            .iter()
            .zip(&y)
            .map(|(&p, &y)| {
                let p = p.clamp(1e-15, 1.0 - 1e-15);
                if y {
                    -p.ln()
                } else {
                    -(1.0 - p).ln()
                }
            })
            .sum::<f64>()
            / s.len() as f64;
        close(log_loss(&s, &y).unwrap(), ll, "log_loss");
        let b: f64 =
            s.iter().zip(&y).map(|(&p, &y)| (p - f64::from(u8::from(y))).powi(2)).sum::<f64>() / s.len() as f64;
        close(brier(&s, &y).unwrap(), b, "brier");
    }
    // Clipping: a confident miss costs -ln(1e-15), not infinity.
    close(log_loss(&[0.0], &[true]).unwrap(), -(1e-15f64).ln(), "clip low");
    // 1 - 1e-15 rounds to 1 - 1.11e-15, as in scikit-learn.
    close(log_loss(&[1.0], &[false]).unwrap(), -(1.0 - (1.0 - 1e-15f64)).ln(), "clip high");
}

#[test]
fn reliability_table_equals_bin_by_bin_scan() {
    for (s, y) in cases(5, 300) {
        for bins in [1usize, 3, 10] {
            let rows = reliability_table(&s, &y, bins, Binning::EqualWidth).unwrap();
            let mut total = 0;
            let mut ece_ref = 0.0;
            for b in 0..bins {
                let (lo, hi) = (b as f64 / bins as f64, (b + 1) as f64 / bins as f64);
                let members: Vec<usize> =
                    (0..s.len()).filter(|&i| (s[i] > lo || (b == 0 && s[i] >= lo)) && s[i] <= hi).collect();
                let row = rows.iter().find(|r| r.bin == b);
                if members.is_empty() {
                    assert!(row.is_none());
                    continue;
                }
                let row = row.unwrap();
                assert_eq!(row.count, members.len(), "bins {bins} bin {b}");
                let mp = members.iter().map(|&i| s[i]).sum::<f64>() / members.len() as f64;
                let ob = members.iter().filter(|&&i| y[i]).count() as f64 / members.len() as f64;
                close(row.mean_predicted, mp, "mean_predicted");
                close(row.observed_rate, ob, "observed_rate");
                total += members.len();
                ece_ref += members.len() as f64 / s.len() as f64 * (ob - mp).abs();
            }
            assert_eq!(total, s.len());
            close(ece_with(&s, &y, bins, Binning::EqualWidth).unwrap(), ece_ref, "ece");
            let q = reliability_table(&s, &y, bins, Binning::Quantile).unwrap();
            assert_eq!(q.iter().map(|r| r.count).sum::<usize>(), s.len());
            // (the mean of equal values may be off by rounding)
            assert!(q.iter().all(|r| r.lo - 1e-12 <= r.mean_predicted && r.mean_predicted <= r.hi + 1e-12));
        }
        close(ece(&s, &y).unwrap(), ece_with(&s, &y, 10, Binning::EqualWidth).unwrap(), "ece default");
    }
}

#[test]
fn confusion_rates_and_zero_cases() {
    for (s, y) in cases(6, 200) {
        for t in [f64::NEG_INFINITY, 0.0, 0.25, 0.5, 1.0, f64::INFINITY] {
            let c = confusion_at(&s, &y, t).unwrap();
            assert_eq!(c, naive_confusion(&s, &y, t));
            let div = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
            assert_eq!(c.precision(), div(c.tp, c.tp + c.fp));
            assert_eq!(c.recall(), div(c.tp, c.tp + c.fn_));
            assert_eq!(c.specificity(), div(c.tn, c.tn + c.fp));
            assert_eq!(c.accuracy(), div(c.tp + c.tn, s.len() as u64));
            let f1 = if c.precision() + c.recall() == 0.0 {
                0.0
            } else {
                2.0 * c.precision() * c.recall() / (c.precision() + c.recall())
            };
            close(c.f1(), f1, "f1");
        }
    }
    let none = Confusion::default();
    assert_eq!(
        (none.precision(), none.recall(), none.f1(), none.specificity(), none.accuracy()),
        (0.0, 0.0, 0.0, 0.0, 0.0)
    );
}

#[test]
fn threshold_choices_equal_exhaustive_search() {
    for (s, y) in cases(7, 500) {
        let (p, _) = counts(&y);
        let max = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        // Candidates: every distinct score, and "nobody" just above the maximum.
        let mut cands = thresholds(&s);
        // Best F1 (ties -> higher threshold).
        if p == 0 {
            assert!(best_f1_threshold(&s, &y).is_err());
        } else {
            let best = best_f1_threshold(&s, &y).unwrap();
            let want = cands.iter().map(|&t| (t, naive_confusion(&s, &y, t).f1())).fold((f64::NAN, -1.0), |acc, x| {
                if x.1 > acc.1 {
                    x
                } else {
                    acc
                }
            });
            assert_eq!(best.threshold, want.0);
            assert_eq!(best.confusion, naive_confusion(&s, &y, best.threshold));
            assert_eq!((best.precision, best.recall), (best.confusion.precision(), best.confusion.recall()));
        }
        cands.insert(0, f64::INFINITY);
        for (cfp, cfn) in [(1.0, 1.0), (1.0, 5.0), (10.0, 1.0), (0.0, 1.0), (1.0, 0.0)] {
            let got = min_cost_threshold(&s, &y, cfp, cfn).unwrap();
            let cost = |c: Confusion| cfp * c.fp as f64 + cfn * c.fn_ as f64;
            let want = cands.iter().map(|&t| cost(naive_confusion(&s, &y, t))).fold(f64::INFINITY, f64::min);
            assert_eq!(cost(got.confusion), want);
            assert_eq!(got.confusion, naive_confusion(&s, &y, got.threshold));
            assert!(got.threshold.is_finite());
        }
        for cap in [0usize, 1, 2, 5, s.len() / 2, s.len(), s.len() + 3] {
            let got = capacity_threshold(&s, &y, cap).unwrap();
            assert_eq!(got.confusion, naive_confusion(&s, &y, got.threshold));
            assert!(got.alerts as usize <= cap);
            // Lowest threshold that fits: lowering to the next distinct score would not fit.
            let lower = thresholds(&s).into_iter().filter(|&t| t < got.threshold).max_by(f64::total_cmp);
            if let Some(t) = lower {
                assert!(naive_confusion(&s, &y, t).alerts() as usize > cap);
            }
            if got.alerts == 0 {
                assert!(got.threshold > max && got.threshold.is_finite());
            }
        }
    }
}

/// Expected positives per ranked position: each row of a tie block carries the block's rate.
fn prorata_positions(s: &[f64], y: &[bool]) -> Vec<f64> {
    let mut rows: Vec<(f64, bool)> = s.iter().cloned().zip(y.iter().cloned()).collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let j = (i..rows.len()).find(|&j| rows[j].0 != rows[i].0).unwrap_or(rows.len());
        let rate = rows[i..j].iter().filter(|r| r.1).count() as f64 / (j - i) as f64;
        out.extend(std::iter::repeat_n(rate, j - i));
        i = j;
    }
    out
}

#[test]
fn lift_equals_position_by_position_sum() {
    for (s, y) in cases(8, 500) {
        let (p, _) = counts(&y);
        let n = s.len();
        if p == 0 {
            assert!(matches!(lift_table(&s, &y, 1), Err(EvalError::SingleClass { .. })));
            assert!(lift_at(&s, &y, 0.1).is_err());
            continue;
        }
        let pos = prorata_positions(&s, &y);
        let base = p as f64 / n as f64;
        for groups in [1usize, 2, 3, 10] {
            if groups > n {
                assert!(lift_table(&s, &y, groups).is_err());
                continue;
            }
            let rows = lift_table(&s, &y, groups).unwrap();
            let mut cum = 0.0;
            for (d, r) in rows.iter().enumerate() {
                let (a, b) = (d * n / groups, (d + 1) * n / groups);
                let want: f64 = pos[a..b].iter().sum();
                cum += want;
                assert_eq!(r.count, b - a);
                close(r.positives, want, "positives");
                close(r.lift, want / (b - a) as f64 / base, "lift");
                close(r.cumulative_gain, cum / p as f64, "gain");
                close(r.cumulative_lift, cum / b as f64 / base, "cumulative lift");
                assert!(r.max_score >= r.min_score);
            }
            close(rows.last().unwrap().cumulative_gain, 1.0, "total gain");
        }
        for fraction in [0.1, 0.25, 0.5, 1.0] {
            let k = ((fraction * n as f64).round() as usize).clamp(1, n);
            let want = pos[..k].iter().sum::<f64>() / k as f64 / base;
            close(lift_at(&s, &y, fraction).unwrap(), want, "lift_at");
        }
    }
    // Constant scores carry no ranking information: lift 1 everywhere.
    let y: Vec<bool> = (0..100).map(|i| i % 7 == 0).collect();
    for r in lift_table(&[0.3; 100], &y, 10).unwrap() {
        close(r.lift, 1.0, "constant lift");
    }
}

#[test]
fn delong_equals_pairwise_placement_values() {
    let mut rng = Rng::new(9);
    for _ in 0..200 {
        let n = 4 + rng.below(50) as usize;
        let y: Vec<bool> = (0..n).map(|i| i < 2 || (i >= 4 && rng.next_f64() < 0.4)).collect();
        let a: Vec<f64> = y.iter().map(|&y| ((rng.normal() + f64::from(u8::from(y))) * 4.0).round()).collect();
        let b: Vec<f64> = a.iter().map(|&a| if rng.below(3) == 0 { rng.normal().round() } else { a }).collect();
        let t = delong_test(&a, &b, &y).unwrap();
        let (pos, neg): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| y[i]);
        let psi = |x: f64, z: f64| {
            if x > z {
                1.0
            } else if x == z {
                0.5
            } else {
                0.0
            }
        };
        let comps = |s: &[f64]| {
            let v10: Vec<f64> =
                pos.iter().map(|&i| neg.iter().map(|&j| psi(s[i], s[j])).sum::<f64>() / neg.len() as f64).collect();
            let v01: Vec<f64> =
                neg.iter().map(|&j| pos.iter().map(|&i| psi(s[i], s[j])).sum::<f64>() / pos.len() as f64).collect();
            (v10, v01)
        };
        let cov = |u: &[f64], v: &[f64]| {
            let k = u.len() as f64;
            let (mu, mv) = (u.iter().sum::<f64>() / k, v.iter().sum::<f64>() / k);
            u.iter().zip(v).map(|(x, y)| (x - mu) * (y - mv)).sum::<f64>() / (k - 1.0)
        };
        let ((a10, a01), (b10, b01)) = (comps(&a), comps(&b));
        let (m, k) = (pos.len() as f64, neg.len() as f64);
        let var = (cov(&a10, &a10) + cov(&b10, &b10) - 2.0 * cov(&a10, &b10)) / m
            + (cov(&a01, &a01) + cov(&b01, &b01) - 2.0 * cov(&a01, &b01)) / k;
        close(t.auc_a, roc_auc(&a, &y).unwrap(), "auc_a");
        close(t.auc_b, roc_auc(&b, &y).unwrap(), "auc_b");
        close(t.se * t.se, var.max(0.0), "var");
        close(t.se_a * t.se_a, cov(&a10, &a10) / m + cov(&a01, &a01) / k, "var_a");
        if t.se > 0.0 {
            close(t.z, t.diff / t.se, "z");
            close(t.p_value, 2.0 * normal_sf(t.z.abs()), "p");
        }
        assert!((0.0..=1.0).contains(&t.p_value));
    }
}

#[test]
fn summary_equals_individual_metrics() {
    for (s, y) in cases(10, 300) {
        let m = summarize(&s, &y).unwrap();
        let (p, n) = counts(&y);
        assert_eq!((m.n, m.n_positive), (s.len(), p));
        assert_eq!(m.base_rate, p as f64 / s.len() as f64);
        assert_eq!(m.auc, roc_auc(&s, &y).ok());
        assert_eq!(m.pr_auc, pr_auc(&s, &y).ok());
        assert_eq!(m.ks, ks_statistic(&s, &y).ok());
        assert_eq!(m.lift_at_10, lift_at(&s, &y, 0.1).ok());
        assert_eq!(m.brier, brier(&s, &y).unwrap());
        assert_eq!(m.log_loss, log_loss(&s, &y).unwrap());
        assert_eq!(m.ece, ece(&s, &y).unwrap());
        assert_eq!(m.auc.is_none(), p == 0 || n == 0);
        // Always valid JSON, and it round-trips.
        let json = serde_json::to_string(&m).unwrap();
        assert!(!json.contains("NaN") && !json.contains("inf"));
        assert_eq!(serde_json::from_str::<Metrics>(&json).unwrap(), m);
    }
}

#[test]
fn stats_helpers_equal_direct_definitions() {
    let mut rng = Rng::new(11);
    for _ in 0..200 {
        let n = 1 + rng.below(40) as usize;
        let m = 1 + rng.below(40) as usize;
        let a: Vec<f64> = (0..n).map(|_| (rng.normal() * 3.0).round()).collect();
        let b: Vec<f64> = (0..m).map(|_| (rng.normal() * 3.0 + 0.5).round()).collect();
        // ECDFs at every data point (and the gaps between them).
        let mut xs: Vec<f64> = a.iter().chain(&b).cloned().collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let ecdf = |v: &[f64], x: f64| v.iter().filter(|&&t| t <= x).count() as f64 / v.len() as f64;
        let d = xs.iter().map(|&x| (ecdf(&a, x) - ecdf(&b, x)).abs()).fold(0.0, f64::max);
        let t = ks_2samp(&a, &b).unwrap();
        close(t.statistic, d, "ks D");
        let en = ((n * m) as f64 / (n + m) as f64).sqrt();
        close(t.p_value, kolmogorov_sf((en + 0.12 + 0.11 / en) * d), "ks p");
        let w: f64 = xs.windows(2).map(|w| (ecdf(&a, w[0]) - ecdf(&b, w[0])).abs() * (w[1] - w[0])).sum();
        close(wasserstein_distance(&a, &b).unwrap(), w, "wasserstein");
        close(wasserstein_distance(&a, &a).unwrap(), 0.0, "wasserstein self");
    }
    // PSI: symmetric, zero on identical input, epsilon for empty bins.
    close(psi(&[0.3, 0.7], &[0.3, 0.7]).unwrap(), 0.0, "psi same");
    let (e, a) = ([0.2, 0.3, 0.5], [0.25, 0.25, 0.5]);
    close(psi(&e, &a).unwrap(), psi(&a, &e).unwrap(), "psi symmetric");
    close(
        psi(&[0.5, 0.5, 0.0], &[0.5, 0.4, 0.1]).unwrap(),
        0.1 * (0.5f64 / 0.4).ln() + (0.1 - 1e-4) * (0.1f64 / 1e-4).ln(),
        "psi eps",
    );
    close(psi_from_counts(&[20, 30, 50], &[25, 25, 50]).unwrap(), psi(&e, &a).unwrap(), "psi counts");
    // JS: 0 for identical, 1 for disjoint, symmetric.
    close(js_distance(&[1.0, 2.0], &[2.0, 4.0]).unwrap(), 0.0, "js same");
    close(js_distance(&[1.0, 0.0], &[0.0, 3.0]).unwrap(), 1.0, "js disjoint");
    // Chi-square: trivially homogeneous with one category.
    let t = chi2_homogeneity(&[[5u64, 0], [9, 0]]).unwrap();
    assert_eq!((t.statistic, t.dof, t.p_value), (0.0, 0, 1.0));
    // Special functions: identities.
    for &x in &[-5.0, -1.0, 0.0, 0.3, 2.0, 7.0] {
        close(normal_cdf(x) + normal_sf(x), 1.0, "cdf + sf");
    }
    close(normal_cdf(0.0), 0.5, "Φ(0)");
    // Known quantiles, and the inverse of the survival function.
    assert!((normal_isf(0.05) - 1.6449).abs() < 1e-3);
    assert!((normal_isf(0.01) - 2.3263).abs() < 1e-3);
    assert!((normal_isf(0.025) - 1.9600).abs() < 1e-3);
    for &p in &[0.5, 0.1, 1e-3, 1e-9] {
        close(normal_sf(normal_isf(p)), p, "sf(isf(p))");
    }
    for &(a, x) in &[(0.5, 0.2), (3.0, 2.0), (3.0, 9.0), (40.0, 35.0)] {
        close(gamma_p(a, x) + gamma_q(a, x), 1.0, "P + Q");
    }
    close(gamma_q(1.0, 2.0), (-2.0f64).exp(), "Q(1, x) = e^-x");
    close(ln_gamma(5.0), 24f64.ln(), "lnΓ(5)");
    close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), "lnΓ(1/2)");
    assert!(gamma_p(-1.0, 1.0).is_nan() && chi2_sf(1.0, 0.0).is_nan());
}
