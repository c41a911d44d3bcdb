//! Discrete-time hazard models: person-period expansion.
//!
//! Time is cut into periods `(e_{k-1}, e_k]` of a [`PeriodGrid`]; every account contributes
//! one row per period it was at risk in, labelled churned when it churned in that period. Any
//! weighted binary learner fitted on those rows (account features plus [`PeriodGrid::features`]
//! of the period) estimates the hazard `h_k(x) = P(churn in period k | at risk at its start, x)`,
//! and `S(e_k | x) = Π_{j ≤ k} (1 − h_j(x))`. Because the period is a feature, hazards need not
//! be proportional (trees can split on it; logistic regression gets a spline of log time).
//!
//! With the period edges at the distinct churn times, a row censored at `t` is at risk in every
//! period ending at or before `t` (censored at a churn time counts as at risk then), so with no
//! features the fitted hazards reproduce the Kaplan-Meier curve.

use serde::{Deserialize, Serialize};

use crate::{check, SurvivalError};

/// The period edges and the knots of the period features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodGrid {
    /// `0 = e_0 < e_1 < … < e_K`; period `k` (1-based) is `(e_{k-1}, e_k]`.
    pub edges: Vec<f64>,
    /// Knots (in log time) of the hinge features.
    pub knots: Vec<f64>,
}

/// One person-period row: the account's row index, the period (1-based) and whether it churned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodRow {
    /// Row of the account in the input.
    pub row: usize,
    /// Period, 1-based.
    pub period: usize,
    /// Churned in this period.
    pub churned: bool,
}

impl PeriodGrid {
    /// A grid with an edge at every distinct churn time when there are at most `max_periods`,
    /// else at `max_periods` quantiles of the churn times; 4 hinge knots at quantiles of them.
    pub fn fit(time: &[f64], event: &[bool], max_periods: usize) -> Result<PeriodGrid, SurvivalError> {
        check(time, event)?;
        let mut t: Vec<f64> = time.iter().zip(event).filter(|(_, &e)| e).map(|(&t, _)| t).collect();
        if t.is_empty() {
            return Err(SurvivalError::Invalid { what: "events", reason: "no row churned".into() });
        }
        t.sort_by(f64::total_cmp);
        let q = |p: f64| t[((t.len() - 1) as f64 * p).round() as usize];
        let mut edges: Vec<f64> = vec![0.0];
        let mut distinct = t.clone();
        distinct.dedup();
        if distinct.len() <= max_periods.max(1) {
            edges.extend(distinct);
        } else {
            edges.extend((1..=max_periods).map(|k| q(k as f64 / max_periods as f64)));
        }
        // A churn at time 0 has no period before it; it is left out.
        edges.dedup();
        let mut knots: Vec<f64> = [0.2, 0.4, 0.6, 0.8].iter().map(|&p| q(p).max(f64::MIN_POSITIVE).ln()).collect();
        knots.dedup();
        Ok(PeriodGrid { edges, knots })
    }

    /// Number of periods.
    pub fn n_periods(&self) -> usize {
        self.edges.len() - 1
    }

    /// Number of period features.
    pub fn n_features(&self) -> usize {
        1 + self.knots.len()
    }

    /// Features of period `k` (1-based): log of its end, and hinges of it at the knots.
    pub fn features(&self, k: usize, out: &mut [f64]) {
        let l = self.edges[k].max(f64::MIN_POSITIVE).ln();
        out[0] = l;
        for (o, &kn) in out[1..].iter_mut().zip(&self.knots) {
            *o = (l - kn).max(0.0);
        }
    }

    /// The person-period rows of `rows` (indices into `time`/`event`).
    pub fn expand(&self, time: &[f64], event: &[bool], rows: &[usize]) -> Vec<PeriodRow> {
        let mut out = Vec::new();
        for &i in rows {
            let t = time[i];
            for k in 1..self.edges.len() {
                if self.edges[k - 1] >= t {
                    break;
                }
                let churned = event[i] && t <= self.edges[k];
                if t >= self.edges[k] || churned {
                    out.push(PeriodRow { row: i, period: k, churned });
                }
                if churned {
                    break;
                }
            }
        }
        out
    }

    /// `S(t)` from the hazards of every period: the product over whole periods before `t`,
    /// times the part of the period holding `t` at a constant hazard rate; held after the
    /// last edge.
    pub fn survival_at(&self, hazards: &[f64], t: f64) -> f64 {
        let mut s = 1.0;
        for k in 1..self.edges.len() {
            let (a, b) = (self.edges[k - 1], self.edges[k]);
            if t >= b {
                s *= 1.0 - hazards[k - 1];
            } else {
                if t > a {
                    s *= (1.0 - hazards[k - 1]).powf((t - a) / (b - a));
                }
                break;
            }
        }
        s
    }
}
