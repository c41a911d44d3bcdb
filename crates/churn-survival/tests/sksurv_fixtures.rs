//! Metrics, Kaplan-Meier and the Cox fit against scikit-survival 0.28 on fixtures its code
//! generated (`fixtures/generate.py`), to 1e-6.

use churn_learn::{Matrix, ParamGuard};
use churn_survival::discrete::PeriodGrid;
use churn_survival::{metrics, CoxModel, CoxParams, CoxValidParams, KaplanMeier, SurvivalError};
use serde_json::Value;

fn cases() -> Vec<Value> {
    let text = include_str!("fixtures/cases.json");
    let v: Value = serde_json::from_str(text).expect("fixture JSON");
    v["cases"].as_array().expect("cases").clone()
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}

fn bools(v: &Value) -> Vec<bool> {
    v.as_array().expect("array").iter().map(|x| x.as_bool().expect("bool")).collect()
}

fn rows(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().expect("array").iter().map(f64s).collect()
}

fn close(name: &str, a: f64, b: f64) {
    assert!((a - b).abs() <= 1e-6, "{name}: churn {a} vs scikit-survival {b}");
}

struct Case {
    tt: Vec<f64>,
    te: Vec<bool>,
    t: Vec<f64>,
    e: Vec<bool>,
    c: Value,
}

fn load() -> Vec<Case> {
    cases()
        .into_iter()
        .map(|c| Case {
            tt: f64s(&c["train_time"]),
            te: bools(&c["train_event"]),
            t: f64s(&c["test_time"]),
            e: bools(&c["test_event"]),
            c,
        })
        .collect()
}

#[test]
fn kaplan_meier_and_censoring_curve() {
    for k in load() {
        let km = KaplanMeier::fit(&k.tt, &k.te).unwrap();
        for (t, s) in f64s(&k.c["km_times"]).iter().zip(f64s(&k.c["km_surv"])) {
            close("KM", km.at(*t).unwrap(), s);
        }
        let g = KaplanMeier::fit_censoring(&k.tt, &k.te).unwrap();
        for (t, v) in f64s(&k.c["censoring_probe"]).iter().zip(f64s(&k.c["censoring_g"])) {
            close("G", g.at(*t).unwrap(), v);
        }
    }
}

#[test]
fn concordance_indices() {
    for k in load() {
        let risk = f64s(&k.c["risk"]);
        close("Harrell", metrics::harrell_c(&k.t, &k.e, &risk).unwrap(), k.c["harrell_c"].as_f64().unwrap());
        close("Uno", metrics::uno_c(&k.tt, &k.te, &k.t, &k.e, &risk, None).unwrap(), k.c["uno_c"].as_f64().unwrap());
        let tau = k.c["uno_c_tau"].as_f64().unwrap();
        close(
            "Uno at tau",
            metrics::uno_c(&k.tt, &k.te, &k.t, &k.e, &risk, Some(tau)).unwrap(),
            k.c["uno_c_at_tau"].as_f64().unwrap(),
        );
    }
}

#[test]
fn time_dependent_auc_and_brier() {
    for k in load() {
        let times = f64s(&k.c["times"]);
        let surv = rows(&k.c["surv"]);
        let risk: Vec<Vec<f64>> = surv.iter().map(|s| s.iter().map(|v| 1.0 - v).collect()).collect();
        let (auc, mean) = metrics::cumulative_dynamic_auc(&k.tt, &k.te, &k.t, &k.e, &risk, &times).unwrap();
        for (a, b) in auc.iter().zip(f64s(&k.c["td_auc"])) {
            close("td-AUC", *a, b);
        }
        close("mean td-AUC", mean, k.c["td_auc_mean"].as_f64().unwrap());
        let b = metrics::brier(&k.tt, &k.te, &k.t, &k.e, &surv, &times).unwrap();
        for (a, r) in b.iter().zip(f64s(&k.c["brier"])) {
            close("Brier", *a, r);
        }
        close(
            "IBS",
            metrics::integrated_brier(&k.tt, &k.te, &k.t, &k.e, &surv, &times).unwrap(),
            k.c["integrated_brier"].as_f64().unwrap(),
        );
    }
}

#[test]
fn cox_matches_scikit_survival() {
    for k in load() {
        let x = Matrix::from_rows(&rows(&k.c["train_x"])).unwrap();
        let params =
            CoxParams::default().alpha(k.c["cox_alpha"].as_f64().unwrap()).max_iter(100).tol(1e-14).check().unwrap();
        let m = CoxModel::fit(&x, &k.tt, &k.te, &params).unwrap();
        for (a, b) in m.coef.iter().zip(f64s(&k.c["cox_coef"])) {
            close("Cox coefficient", *a, b);
        }
        for (t, h) in f64s(&k.c["cox_times"]).iter().zip(f64s(&k.c["cox_cumulative_hazard"])) {
            close("Breslow H0", m.baseline_at(*t), h);
        }
    }
}

/// Harrell's C by its definition, every pair looked at.
fn brute_harrell(t: &[f64], e: &[bool], r: &[f64]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..t.len() {
        if !e[i] {
            continue;
        }
        for j in 0..t.len() {
            let comparable = t[j] > t[i] || (t[j] == t[i] && !e[j]);
            if i == j || !comparable {
                continue;
            }
            den += 1.0;
            if (r[i] - r[j]).abs() <= metrics::TIED_TOL {
                num += 0.5;
            } else if r[i] > r[j] {
                num += 1.0;
            }
        }
    }
    num / den
}

#[test]
fn harrell_c_equals_brute_force_on_random_ties() {
    let mut state = 12345u64;
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as f64 / (1u64 << 31) as f64
    };
    for n in [2, 5, 17, 60, 200] {
        let t: Vec<f64> = (0..n).map(|_| (next() * 6.0).floor()).collect();
        let e: Vec<bool> = (0..n).map(|_| next() < 0.6).collect();
        let r: Vec<f64> = (0..n).map(|_| (next() * 4.0).floor() / 4.0).collect();
        match metrics::harrell_c(&t, &e, &r) {
            Ok(c) => assert!((c - brute_harrell(&t, &e, &r)).abs() < 1e-12, "n = {n}"),
            Err(_) => assert!(brute_harrell(&t, &e, &r).is_nan(), "n = {n}"),
        }
    }
}

#[test]
fn person_period_hazards_reproduce_kaplan_meier() {
    for k in load() {
        let grid = PeriodGrid::fit(&k.tt, &k.te, 1000).unwrap();
        let all: Vec<usize> = (0..k.tt.len()).collect();
        let pp = grid.expand(&k.tt, &k.te, &all);
        // Hazard of each period = churned / at risk among its person-period rows.
        let mut d = vec![0.0; grid.n_periods()];
        let mut n = vec![0.0; grid.n_periods()];
        for r in &pp {
            n[r.period - 1] += 1.0;
            d[r.period - 1] += f64::from(u8::from(r.churned));
        }
        let h: Vec<f64> = d.iter().zip(&n).map(|(d, n)| d / n).collect();
        let km = KaplanMeier::fit(&k.tt, &k.te).unwrap();
        for &t in &grid.edges[1..] {
            close("discrete-time S", grid.survival_at(&h, t), km.at(t).unwrap());
        }
    }
}

#[test]
fn time_dependent_auc_needs_no_weight_for_churns_after_the_last_time() {
    // Training follow-up ends at 10 with censored rows only: the censoring curve is 0 there.
    let tt = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 10.0];
    let te = [true, false, true, false, true, false, true, false, false, false];
    // Evaluation rows, one of them churned at 10, after every evaluated time (2, 5, 8): a
    // control at each of them, whose 1 / G weight is never used.
    let t = [1.0, 2.0, 3.0, 4.0, 6.0, 7.0, 9.0, 10.0, 10.0];
    let risk_at = |k: f64| -> Vec<f64> { t.iter().map(|&x| 1.0 / (x + k)).collect() };
    let times = [2.0, 5.0, 8.0];
    let risk: Vec<Vec<f64>> = times.iter().map(|&k| risk_at(k)).collect();
    let churned = [true, false, true, true, false, true, false, true, false];
    let mut censored = churned;
    censored[7] = false;
    let (a, _) = metrics::cumulative_dynamic_auc(&tt, &te, &t, &churned, &risk, &times).unwrap();
    let (b, _) = metrics::cumulative_dynamic_auc(&tt, &te, &t, &censored, &risk, &times).unwrap();
    assert_eq!(a, b);
    // The risk falls with the time, so every case outranks every control: AUC 1 at each time.
    assert!(a.iter().all(|&x| (x - 1.0).abs() < 1e-12), "{a:?}");
    // A churn at 10 counted as a case (a time of 10) still needs G(10) = 0: an error, named.
    let e = metrics::cumulative_dynamic_auc(&tt, &te, &t, &churned, &[risk_at(10.0)], &[10.0]).unwrap_err();
    assert!(e.to_string().contains("time 10"), "{e}");
}

#[test]
fn a_time_before_any_churn_has_no_auc_and_the_mean_skips_it() {
    // No churn at or before 1: the AUC at 1 is undefined; the mean is that of the other times.
    let tt = [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    let te = [true, false, true, false, true, false, true, false];
    let t = [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
    let e = [true, true, false, true, false, true, false];
    let times = [1.0, 4.0, 6.0];
    let risk: Vec<Vec<f64>> = times.iter().map(|_| t.iter().map(|&x| (x * 7.0) % 5.0).collect()).collect();
    let (all, mean) = metrics::cumulative_dynamic_auc(&tt, &te, &t, &e, &risk, &times).unwrap();
    assert!(all[0].is_nan() && all[1].is_finite() && all[2].is_finite(), "{all:?}");
    let (rest, rest_mean) = metrics::cumulative_dynamic_auc(&tt, &te, &t, &e, &risk[1..], &times[1..]).unwrap();
    assert_eq!(&all[1..], &rest[..]);
    assert!((mean - rest_mean).abs() < 1e-12, "{mean} vs {rest_mean}");
}

/// Every out-of-range Cox setting is an error naming it from `check` (and `check_ref`); the
/// defaults pass and are the checked defaults `churn train` fits with.
#[test]
fn cox_settings_out_of_range_are_named_errors() {
    let d = CoxParams::default;
    let cases = [
        (d().alpha(-0.1), "alpha", "-0.1 is not >= 0"),
        (d().alpha(f64::NAN), "alpha", "NaN is not >= 0"),
        (d().max_iter(0), "max_iter", "0 is not >= 1"),
        (d().tol(-1.0), "tol", "-1 is not a finite number >= 0"),
        (d().tol(f64::INFINITY), "tol", "inf is not a finite number >= 0"),
    ];
    for (p, name, why) in cases {
        let want = SurvivalError::Invalid { what: name, reason: why.into() };
        assert_eq!(p.check_ref().unwrap_err(), want, "{p:?}");
        assert_eq!(p.check().unwrap_err(), want);
    }
    let checked = d().check().unwrap();
    assert_eq!(checked, CoxValidParams::default());
    assert_eq!((checked.alpha(), checked.max_iter(), checked.tol()), (0.1, 100, 1e-9));
}
