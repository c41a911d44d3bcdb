//! BG/NBD against the Python `lifetimes` package (0.11.3) on data its own generator made:
//! `tests/fixtures/bgnbd_lifetimes.py` wrote `bgnbd_lifetimes.json`.

use churn_features::{fit_bgnbd, BgNbd, Rfm};

struct Fixture {
    data: Vec<Rfm>,
    v: serde_json::Value,
}

fn fixture() -> Fixture {
    let text = include_str!("fixtures/bgnbd_lifetimes.json");
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let arr = |k: &str| -> Vec<f64> { v[k].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect() };
    let (f, r, t) = (arr("frequency"), arr("recency"), arr("T"));
    let data = (0..f.len()).map(|i| Rfm { x: f[i], t_x: r[i], big_t: t[i] }).collect();
    Fixture { data, v }
}

fn params(v: &serde_json::Value) -> BgNbd {
    let g = |k: &str| v[k].as_f64().unwrap();
    BgNbd { r: g("r"), alpha: g("alpha"), a: g("a"), b: g("b") }
}

fn mean_nll(p: &BgNbd, data: &[Rfm]) -> f64 {
    -data.iter().map(|s| p.log_likelihood(*s)).sum::<f64>() / data.len() as f64
}

fn close(got: f64, want: f64, rel: f64, what: &str) {
    assert!((got - want).abs() <= rel * want.abs().max(1e-12), "{what}: got {got}, want {want}");
}

#[test]
fn log_likelihood_equals_lifetimes_at_fixed_and_fitted_parameters() {
    let fx = fixture();
    let fixed = params(&fx.v["fixed_params"]);
    close(mean_nll(&fixed, &fx.data), fx.v["mean_neg_log_likelihood_at_fixed"].as_f64().unwrap(), 1e-12, "fixed");
    let fitted = params(&fx.v["params"]);
    close(mean_nll(&fitted, &fx.data), fx.v["mean_neg_log_likelihood_at_fit"].as_f64().unwrap(), 1e-12, "fitted");
}

#[test]
fn fitted_parameters_equal_lifetimes() {
    let fx = fixture();
    let want = params(&fx.v["params"]);
    let got = fit_bgnbd(&fx.data).unwrap();
    // Our optimum is at least as good as lifetimes' (its BFGS stops at tol 1e-9).
    assert!(mean_nll(&got, &fx.data) <= mean_nll(&want, &fx.data) + 1e-12);
    close(got.r, want.r, 1e-4, "r");
    close(got.alpha, want.alpha, 1e-4, "alpha");
    close(got.a, want.a, 1e-4, "a");
    close(got.b, want.b, 1e-4, "b");
}

#[test]
fn per_customer_predictions_equal_lifetimes() {
    let fx = fixture();
    let p = params(&fx.v["params"]);
    let fitted = fit_bgnbd(&fx.data).unwrap();
    for (key, weeks) in [("p_alive", None), ("expected_10w", Some(10.0)), ("expected_39w", Some(39.0))] {
        let want: Vec<f64> = fx.v[key].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        assert_eq!(want.len(), fx.data.len());
        for (i, (s, w)) in fx.data.iter().zip(&want).enumerate() {
            let eval = |q: &BgNbd| match weeks {
                None => q.p_alive(*s),
                Some(h) => q.expected(*s, h),
            };
            // At lifetimes' parameters: the formulas agree to rounding.
            close(eval(&p), *w, 1e-10, &format!("{key} of customer {i} ({s:?})"));
            // At our own fit: the same to the optimiser's tolerance.
            close(eval(&fitted), *w, 1e-4, &format!("{key} of customer {i} at our fit"));
        }
    }
}

#[test]
fn no_repeat_activity_cannot_be_fitted() {
    let data = vec![Rfm { x: 0.0, t_x: 0.0, big_t: 10.0 }, Rfm { x: 0.0, t_x: 0.0, big_t: 20.0 }];
    assert!(fit_bgnbd(&data).is_none());
    assert!(fit_bgnbd(&[]).is_none());
}
