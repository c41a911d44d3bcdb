//! Platt scaling: a logistic fit of the label on a model's raw score, on held-out data.
//!
//! Class weighting and tree ensembles distort probabilities; `P(churn) = sigmoid(a * s + b)`
//! fitted on the validation split restores them. As in Platt (1999) and Lin, Lin & Weng (2007),
//! the 0/1 targets are smoothed to `(N+ + 1) / (N+ + 2)` and `1 / (N- + 2)` so that a
//! separable validation set does not drive the slope to infinity.

use serde::{Deserialize, Serialize};

use crate::error::LearnError;
use crate::logistic::{newton_fit, sigmoid};
use crate::matrix::Matrix;

/// A fitted Platt calibrator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Platt {
    /// Slope on the raw score.
    pub a: f64,
    /// Intercept.
    pub b: f64,
}

impl Platt {
    /// The identity on log-odds (`a = 1, b = 0`): probabilities are `sigmoid(raw)`.
    pub const IDENTITY: Platt = Platt { a: 1.0, b: 0.0 };

    /// Fits on raw scores and labels (true = churned).
    pub fn fit(raw: &[f64], y: &[bool]) -> Result<Platt, LearnError> {
        if raw.len() != y.len() {
            return Err(LearnError::Shape { rows: raw.len(), labels: y.len(), what: "labels" });
        }
        if raw.iter().any(|v| !v.is_finite()) {
            return Err(LearnError::NonFinite { what: "scores" });
        }
        let n_pos = y.iter().filter(|&&b| b).count();
        let n_neg = y.len() - n_pos;
        if n_pos == 0 || n_neg == 0 {
            return Err(LearnError::SingleClass { positive: n_pos > 0 });
        }
        let hi = (n_pos as f64 + 1.0) / (n_pos as f64 + 2.0);
        let lo = 1.0 / (n_neg as f64 + 2.0);
        let t: Vec<f64> = y.iter().map(|&b| if b { hi } else { lo }).collect();
        let x = Matrix::from_col_major(raw.len(), 1, raw.to_vec()).ok_or(LearnError::Empty { what: "scores" })?;
        let (b, a, _) = newton_fit(&x, &t, &vec![1.0; raw.len()], 0.0, 200, 1e-12)?;
        Ok(Platt { a: a[0], b })
    }

    /// Calibrated probability of churn for a raw score.
    #[inline]
    pub fn probability(&self, raw: f64) -> f64 {
        sigmoid(self.a * raw + self.b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use churn_core::rng::Rng;

    #[test]
    fn recovers_a_known_sigmoid() {
        let mut rng = Rng::new(9);
        let (a, b) = (0.6, -0.8);
        let raw: Vec<f64> = (0..50_000).map(|_| rng.normal() * 3.0).collect();
        let y: Vec<bool> = raw.iter().map(|&s| rng.next_f64() < sigmoid(a * s + b)).collect();
        let p = Platt::fit(&raw, &y).unwrap();
        assert!((p.a - a).abs() < 0.03 && (p.b - b).abs() < 0.04, "{p:?}");
    }

    #[test]
    fn matches_linfa_platt_scaling_reference() {
        // linfa's Platt scaling (Lin, Lin & Weng's algorithm, same smoothed targets) as reference.
        let mut rng = Rng::new(11);
        let raw: Vec<f64> = (0..2_000).map(|_| rng.normal() * 2.0 + 0.5).collect();
        let y: Vec<bool> = raw.iter().map(|&s| rng.next_f64() < sigmoid(1.3 * s - 2.0)).collect();
        let ours = Platt::fit(&raw, &y).unwrap();
        use linfa::ParamGuard;
        let params = linfa::composing::platt_scaling::PlattParams::<f64, ()>::default().check().unwrap();
        let (a, b) = linfa::composing::platt_scaling::platt_newton_method(
            ndarray::ArrayView1::from(&raw[..]),
            ndarray::Array1::from_iter(y.iter().copied()).view(),
            &params,
        )
        .unwrap();
        // linfa models P = 1 / (1 + exp(a s + b)): the signs are opposite. Its targets are
        // computed in f32, hence the 1e-4 tolerance.
        assert!((ours.a + a).abs() < 1e-4 && (ours.b + b).abs() < 1e-4, "ours {ours:?}, linfa a={a} b={b}");
    }

    #[test]
    fn separable_scores_stay_finite() {
        let raw = [-3.0, -2.0, -1.0, 1.0, 2.0, 3.0];
        let y = [false, false, false, true, true, true];
        let p = Platt::fit(&raw, &y).unwrap();
        assert!(p.a.is_finite() && p.a > 0.0);
        assert!(p.probability(3.0) < 1.0 && p.probability(-3.0) > 0.0);
        assert!(matches!(Platt::fit(&raw, &[true; 6]), Err(LearnError::SingleClass { .. })));
    }
}
