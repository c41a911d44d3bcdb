//! L2-penalised Cox proportional hazards.
//!
//! Maximises the Breslow partial log-likelihood (tied churn times share one risk set)
//! `Σ_events [x_i·β − log Σ_{t_j ≥ t_i} exp(x_j·β)] − ½ α ‖β‖²` by Newton's method with step
//! halving, then estimates the Breslow baseline cumulative hazard
//! `H0(t) = Σ_{t_i ≤ t} d_i / Σ_{t_j ≥ t_i} exp(x_j·β)`, so `S(t | x) = exp(−H0(t) e^{x·β})`.
//! The penalty is on the unnormalised log-likelihood, as scikit-survival's
//! `CoxPHSurvivalAnalysis(alpha, ties="breslow")`.

use churn_learn::{Matrix, ParamGuard};
use serde::{Deserialize, Serialize};

use crate::{check, SurvivalError};

/// Settings of [`CoxModel`], unchecked, in linfa's shape (as churn-learn's learners): builder
/// setters, then [`ParamGuard::check`] into the [`CoxValidParams`] that [`CoxModel::fit`] takes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CoxParams(CoxValidParams);

/// Checked settings of [`CoxModel::fit`]: `alpha` finite and ≥ 0, `max_iter` ≥ 1, `tol`
/// finite and ≥ 0.
#[derive(Debug, Clone, PartialEq)]
pub struct CoxValidParams {
    alpha: f64,
    max_iter: usize,
    tol: f64,
}

impl Default for CoxValidParams {
    fn default() -> Self {
        CoxValidParams { alpha: 0.1, max_iter: 100, tol: 1e-9 }
    }
}

impl CoxValidParams {
    /// L2 penalty `α` (≥ 0; default 0.1).
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Newton iterations at most (≥ 1; default 100).
    pub fn max_iter(&self) -> usize {
        self.max_iter
    }

    /// Stop when the objective improves by less than this, relatively (≥ 0; default 1e-9).
    pub fn tol(&self) -> f64 {
        self.tol
    }

    fn check_ranges(&self) -> Result<(), SurvivalError> {
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(SurvivalError::Invalid { what: "alpha", reason: format!("{} is not >= 0", self.alpha) });
        }
        if self.max_iter == 0 {
            return Err(SurvivalError::Invalid { what: "max_iter", reason: "0 is not >= 1".into() });
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(SurvivalError::Invalid {
                what: "tol",
                reason: format!("{} is not a finite number >= 0", self.tol),
            });
        }
        Ok(())
    }
}

impl CoxParams {
    /// Sets the L2 penalty `α`.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.alpha = alpha;
        self
    }

    /// Sets the most Newton iterations.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.0.max_iter = max_iter;
        self
    }

    /// Sets the relative tolerance of the objective's improvement.
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }
}

impl ParamGuard for CoxParams {
    type Checked = CoxValidParams;
    type Error = SurvivalError;

    fn check_ref(&self) -> Result<&CoxValidParams, SurvivalError> {
        self.0.check_ranges()?;
        Ok(&self.0)
    }

    fn check(self) -> Result<CoxValidParams, SurvivalError> {
        self.0.check_ranges()?;
        Ok(self.0)
    }
}

/// A fitted Cox model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoxModel {
    /// One coefficient per input (log hazard ratio per unit).
    pub coef: Vec<f64>,
    /// Distinct churn times of the training data, ascending.
    pub times: Vec<f64>,
    /// Breslow baseline cumulative hazard at each of `times`.
    pub cumulative_hazard: Vec<f64>,
}

/// Rows sorted by time, descending, with the start of each group of equal times.
fn descending(time: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..time.len()).collect();
    order.sort_by(|&a, &b| time[b].total_cmp(&time[a]).then(a.cmp(&b)));
    order
}

/// Penalised log-likelihood, gradient and negative Hessian at `beta`.
fn derivatives(
    x: &Matrix,
    time: &[f64],
    event: &[bool],
    order: &[usize],
    beta: &[f64],
    alpha: f64,
    need_hessian: bool,
) -> (f64, Vec<f64>, Vec<f64>) {
    let p = beta.len();
    let n = time.len();
    let mut row = vec![0.0; p];
    let eta: Vec<f64> = (0..n)
        .map(|i| {
            x.row_into(i, &mut row);
            row.iter().zip(beta).map(|(a, b)| a * b).sum()
        })
        .collect();
    // Shift for numerical safety: exp(eta - shift).
    let shift = eta.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut s0 = 0.0;
    let mut s1 = vec![0.0; p];
    let mut s2 = if need_hessian { vec![0.0; p * p] } else { Vec::new() };
    let mut ll = 0.0;
    let mut grad = vec![0.0; p];
    let mut hess = if need_hessian { vec![0.0; p * p] } else { Vec::new() };
    let mut k = 0;
    while k < n {
        let t = time[order[k]];
        let mut end = k;
        let mut d = 0.0;
        let mut xsum = vec![0.0; p];
        while end < n && time[order[end]] == t {
            let i = order[end];
            x.row_into(i, &mut row);
            let r = (eta[i] - shift).exp();
            s0 += r;
            for a in 0..p {
                s1[a] += r * row[a];
            }
            if need_hessian {
                for a in 0..p {
                    let ra = r * row[a];
                    if ra != 0.0 {
                        for b in a..p {
                            s2[a * p + b] += ra * row[b];
                        }
                    }
                }
            }
            if event[i] {
                d += 1.0;
                ll += eta[i];
                for a in 0..p {
                    xsum[a] += row[a];
                }
            }
            end += 1;
        }
        if d > 0.0 {
            ll -= d * (s0.ln() + shift);
            for a in 0..p {
                grad[a] += xsum[a] - d * s1[a] / s0;
            }
            if need_hessian {
                for a in 0..p {
                    let ma = s1[a] / s0;
                    for b in a..p {
                        hess[a * p + b] += d * (s2[a * p + b] / s0 - ma * s1[b] / s0);
                    }
                }
            }
        }
        k = end;
    }
    ll -= 0.5 * alpha * beta.iter().map(|b| b * b).sum::<f64>();
    for a in 0..p {
        grad[a] -= alpha * beta[a];
    }
    if need_hessian {
        for a in 0..p {
            hess[a * p + a] += alpha;
            for b in 0..a {
                hess[a * p + b] = hess[b * p + a];
            }
        }
    }
    (ll, grad, hess)
}

/// Solves `A x = b` for a symmetric positive definite `A` (Cholesky, with a small ridge
/// added when needed).
fn solve_spd(a: &[f64], b: &[f64]) -> Vec<f64> {
    let p = b.len();
    let mut ridge = 0.0;
    loop {
        let mut l = vec![0.0; p * p];
        let mut ok = true;
        'outer: for i in 0..p {
            for j in 0..=i {
                let mut s = a[i * p + j] + if i == j { ridge } else { 0.0 };
                for k in 0..j {
                    s -= l[i * p + k] * l[j * p + k];
                }
                if i == j {
                    if s <= 0.0 {
                        ok = false;
                        break 'outer;
                    }
                    l[i * p + i] = s.sqrt();
                } else {
                    l[i * p + j] = s / l[j * p + j];
                }
            }
        }
        if ok {
            let mut y = vec![0.0; p];
            for i in 0..p {
                let mut s = b[i];
                for k in 0..i {
                    s -= l[i * p + k] * y[k];
                }
                y[i] = s / l[i * p + i];
            }
            let mut x = vec![0.0; p];
            for i in (0..p).rev() {
                let mut s = y[i];
                for k in i + 1..p {
                    s -= l[k * p + i] * x[k];
                }
                x[i] = s / l[i * p + i];
            }
            return x;
        }
        ridge = if ridge == 0.0 { 1e-10 } else { ridge * 10.0 };
    }
}

impl CoxModel {
    /// Fits on `x` (rows = accounts), times and churn indicators, with checked settings.
    pub fn fit(x: &Matrix, time: &[f64], event: &[bool], params: &CoxValidParams) -> Result<CoxModel, SurvivalError> {
        check(time, event)?;
        if x.n_rows() != time.len() {
            return Err(SurvivalError::Shape { times: time.len(), events: x.n_rows() });
        }
        if x.as_slice().iter().any(|v| !v.is_finite()) {
            return Err(SurvivalError::Invalid { what: "features", reason: "not all finite".into() });
        }
        if !event.iter().any(|&e| e) {
            return Err(SurvivalError::Invalid { what: "events", reason: "no row churned".into() });
        }
        let p = x.n_cols();
        let order = descending(time);
        let mut beta = vec![0.0; p];
        let (mut ll, mut grad, mut hess) = derivatives(x, time, event, &order, &beta, params.alpha, true);
        for _ in 0..params.max_iter {
            let step = solve_spd(&hess, &grad);
            let mut scale = 1.0;
            let mut improved = false;
            for _ in 0..30 {
                let cand: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + scale * s).collect();
                let (ll_new, _, _) = derivatives(x, time, event, &order, &cand, params.alpha, false);
                if ll_new.is_finite() && ll_new >= ll - 1e-12 * ll.abs() {
                    let gain = ll_new - ll;
                    beta = cand;
                    improved = gain > params.tol * (ll.abs() + 1.0);
                    break;
                }
                scale /= 2.0;
            }
            (ll, grad, hess) = derivatives(x, time, event, &order, &beta, params.alpha, true);
            if !improved {
                break;
            }
        }
        let _ = grad;
        // Breslow baseline cumulative hazard.
        let mut row = vec![0.0; p];
        let risk: Vec<f64> = (0..time.len())
            .map(|i| {
                x.row_into(i, &mut row);
                row.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>().exp()
            })
            .collect();
        let mut steps: Vec<(f64, f64)> = Vec::new();
        let mut s0 = 0.0;
        let mut k = 0;
        while k < order.len() {
            let t = time[order[k]];
            let mut d = 0.0;
            while k < order.len() && time[order[k]] == t {
                s0 += risk[order[k]];
                d += f64::from(u8::from(event[order[k]]));
                k += 1;
            }
            if d > 0.0 {
                steps.push((t, d / s0));
            }
        }
        steps.reverse();
        let mut h = 0.0;
        let (times, cumulative_hazard) = steps
            .into_iter()
            .map(|(t, dh)| {
                h += dh;
                (t, h)
            })
            .unzip();
        Ok(CoxModel { coef: beta, times, cumulative_hazard })
    }

    /// Linear predictor `x·β` of one row.
    pub fn linear_predictor(&self, row: &[f64]) -> f64 {
        row.iter().zip(&self.coef).map(|(a, b)| a * b).sum()
    }

    /// Baseline cumulative hazard `H0(t)` (a step function, 0 before the first churn time).
    pub fn baseline_at(&self, t: f64) -> f64 {
        baseline_at(&self.times, &self.cumulative_hazard, t)
    }
}

/// A step function's value at `t`: 0 before `times[0]`, held after the last time.
pub fn baseline_at(times: &[f64], values: &[f64], t: f64) -> f64 {
    let k = times.partition_point(|&u| u <= t);
    if k == 0 {
        0.0
    } else {
        values[k - 1]
    }
}
