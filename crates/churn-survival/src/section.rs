//! The survival section of a model file, and probabilities conditioned on the time so far.

use serde::{Deserialize, Serialize};

use crate::discrete::PeriodGrid;

/// How survival curves are built from the model's learner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Baseline {
    /// Cox proportional hazards: the learner's raw score is the linear predictor `x·β` and
    /// `S(t | x) = exp(−H0(t) e^{x·β})` with the Breslow baseline below.
    Cox {
        /// Distinct training churn times, ascending.
        times: Vec<f64>,
        /// Baseline cumulative hazard at each time.
        cumulative_hazard: Vec<f64>,
    },
    /// Discrete-time hazards: the learner's raw score on (inputs, period features) is the
    /// log-odds of churn in that period.
    Discrete(PeriodGrid),
}

/// The survival side of a model: which column holds the time so far and which horizons it
/// answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurvivalSection {
    /// The time column (time to churn, or to now when still a customer).
    pub time: String,
    /// Its unit, as the user named it (informational).
    pub unit: String,
    /// Horizons, ascending, in the time column's unit.
    pub horizons: Vec<f64>,
    /// The horizon of `churn_probability`, risk tiers, health and actions.
    pub main_horizon: f64,
    /// The longest time observed in training: curves are held flat beyond it.
    pub follow_up: f64,
    /// The curve construction.
    pub baseline: Baseline,
}

impl SurvivalSection {
    /// Learner inputs beyond the preprocessed features (the period features).
    pub fn extra_inputs(&self) -> usize {
        match &self.baseline {
            Baseline::Cox { .. } => 0,
            Baseline::Discrete(g) => g.n_features(),
        }
    }

    /// The survival curve of one account as a function of time: `raw` gives the learner's
    /// raw score of its preprocessed row followed by `extra` period features.
    pub fn curve<'a>(&'a self, row: &[f64], raw: &dyn Fn(&[f64]) -> f64) -> Curve<'a> {
        match &self.baseline {
            Baseline::Cox { times, cumulative_hazard } => Curve::Cox { times, cumulative_hazard, risk: raw(row).exp() },
            Baseline::Discrete(g) => {
                let p = row.len();
                let mut buf = row.to_vec();
                buf.resize(p + g.n_features(), 0.0);
                let hazards = (1..=g.n_periods())
                    .map(|k| {
                        g.features(k, &mut buf[p..]);
                        churn_learn::sigmoid(raw(&buf))
                    })
                    .collect();
                Curve::Discrete { grid: g, hazards }
            }
        }
    }
}

/// One account's survival curve.
#[derive(Debug, Clone)]
pub enum Curve<'a> {
    /// Cox.
    Cox {
        /// Baseline times.
        times: &'a [f64],
        /// Baseline cumulative hazard.
        cumulative_hazard: &'a [f64],
        /// `exp(x·β)`.
        risk: f64,
    },
    /// Discrete-time.
    Discrete {
        /// The grid.
        grid: &'a PeriodGrid,
        /// Hazard per period.
        hazards: Vec<f64>,
    },
}

impl Curve<'_> {
    /// `S(t)`.
    pub fn survival(&self, t: f64) -> f64 {
        match self {
            Curve::Cox { times, cumulative_hazard, risk } => {
                (-crate::cox::baseline_at(times, cumulative_hazard, t) * risk).exp()
            }
            Curve::Discrete { grid, hazards } => grid.survival_at(hazards, t),
        }
    }

    /// `P(churn within h | still a customer at a) = 1 − S(a + h) / S(a)`; 1 when `S(a) = 0`.
    pub fn conditional_churn(&self, a: f64, h: f64) -> f64 {
        let sa = self.survival(a);
        if sa <= 0.0 {
            return 1.0;
        }
        (1.0 - self.survival(a + h) / sa).clamp(0.0, 1.0)
    }

    /// Restricted mean remaining time up to `a + h`, given survival to `a`:
    /// `∫_a^{a+h} S(t) dt / S(a)`, integrated exactly for step curves and by the trapezoid rule
    /// on 200 steps otherwise.
    pub fn expected_remaining(&self, a: f64, h: f64) -> f64 {
        let sa = self.survival(a);
        if sa <= 0.0 {
            return 0.0;
        }
        let n = 200;
        let dt = h / n as f64;
        let mut area = 0.0;
        let mut prev = sa;
        for k in 1..=n {
            let s = self.survival(a + dt * k as f64);
            area += (prev + s) / 2.0 * dt;
            prev = s;
        }
        area / sa
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A constant hazard `h` per unit period: `S(t) = (1 − h)^t`.
    fn constant(h: f64, periods: usize) -> (PeriodGrid, Vec<f64>) {
        let grid = PeriodGrid { edges: (0..=periods).map(|k| k as f64).collect(), knots: Vec::new() };
        (grid, vec![h; periods])
    }

    #[test]
    fn conditional_probability_and_restricted_mean_of_a_geometric_curve() {
        let (grid, hazards) = constant(0.05, 100);
        let c = Curve::Discrete { grid: &grid, hazards };
        let q: f64 = 0.95;
        for (a, h) in [(0.0, 3.0), (12.0, 6.0), (7.5, 24.0)] {
            // Memoryless: P(h | a) = 1 − q^h whatever a.
            assert!((c.conditional_churn(a, h) - (1.0 - q.powf(h))).abs() < 1e-12);
            let exact = (1.0 - q.powf(h)) / -q.ln();
            assert!((c.expected_remaining(a, h) - exact).abs() < 1e-4 * exact, "a {a} h {h}");
        }
        // Cox: S(t) = exp(−H0(t) e^{lp}); conditioning divides by S(a).
        let times = [1.0, 2.0, 3.0];
        let cum = [0.1, 0.3, 0.6];
        let c = Curve::Cox { times: &times, cumulative_hazard: &cum, risk: 2.0 };
        let expected = 1.0 - (-0.6f64 * 2.0).exp() / (-0.1f64 * 2.0).exp();
        assert!((c.conditional_churn(1.0, 2.0) - expected).abs() < 1e-12);
        assert_eq!(c.survival(0.5), 1.0);
    }
}
