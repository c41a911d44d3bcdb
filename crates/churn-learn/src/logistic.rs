//! L2-regularised logistic regression with sample weights, fitted by Newton's method (IRLS).
//!
//! Why not linfa-logistic or smartcore: linfa-logistic 0.8 silently drops sample weights and
//! makes the majority class "positive"; smartcore has neither weights nor probabilities (see
//! the README's design notes). The objective here is scikit-learn's:
//!
//! `sum_i w_i * logloss(y_i, sigmoid(b + x_i . beta)) + ||beta||^2 / (2 C)`
//!
//! with an unpenalised intercept. Newton steps solve the `(p + 1) x (p + 1)` system by
//! Cholesky; each iteration is one pass over the data, parallel over fixed row blocks whose
//! partial sums are merged in a fixed order, so results do not depend on the thread count.

use linfa::ParamGuard;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::LearnError;
use crate::matrix::Matrix;

crate::params::checked_params! {
    /// Hyperparameters of [`LogisticRegression`], unchecked: set them with the builder methods
    /// (`LogisticParams::default().c(0.3)`), then [`linfa::ParamGuard::check`] them into the
    /// [`LogisticValidParams`] that [`LogisticRegression::fit`] takes (linfa's `Fit` and the
    /// `Family` trait check them on the way).
    LogisticParams =>
    /// Checked hyperparameters of [`LogisticRegression`]: `c` finite and positive, `max_iter` at
    /// least 1.
    LogisticValidParams {
        /// Inverse L2 strength, as scikit-learn's `C` (default 1.0).
        c: f64 = 1.0,
        /// Newton iterations at most (default 100).
        max_iter: usize = 100,
        /// Stop when the largest coefficient change is below this (default 1e-10).
        tol: f64 = 1e-10,
    }
}

impl LogisticValidParams {
    /// The ranges ([`linfa::ParamGuard::check`] of [`LogisticParams`]).
    fn check_ranges(&self) -> Result<(), LearnError> {
        if !(self.c.is_finite() && self.c > 0.0) {
            return Err(LearnError::InvalidParam {
                name: "c",
                value: self.c.to_string(),
                reason: "must be a positive number",
            });
        }
        if self.max_iter == 0 {
            return Err(LearnError::InvalidParam { name: "max_iter", value: "0".into(), reason: "must be at least 1" });
        }
        Ok(())
    }
}

/// A fitted logistic regression: `logit P(churn) = intercept + coef . x`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    /// Intercept (log-odds at x = 0).
    pub intercept: f64,
    /// One coefficient per column.
    pub coef: Vec<f64>,
    /// Newton iterations used.
    pub iterations: usize,
}

/// [`crate::util::check_xyw`] (shapes, weights, both classes), and finite features.
pub(crate) fn check_inputs(x: &Matrix, y: &[bool], w: &[f64]) -> Result<(), LearnError> {
    crate::util::check_xyw(x, y, w)?;
    // Trees route NaN; the Newton solver cannot.
    if x.as_slice().iter().any(|v| !v.is_finite()) {
        return Err(LearnError::NonFinite { what: "features" });
    }
    Ok(())
}

pub(crate) use crate::util::sigmoid;

/// `log(1 + exp(z))` without overflow.
#[inline]
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

const BLOCK: usize = 4096;

/// Solves `A x = b` for a symmetric positive-definite `A` (row-major `n x n`) by Cholesky.
fn cholesky_solve(a: &[f64], b: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    let mut z = vec![0.0; n];
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * n + k] * z[k];
        }
        z[i] = s / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let mut s = z[i];
        for k in i + 1..n {
            s -= l[k * n + i] * x[k];
        }
        x[i] = s / l[i * n + i];
    }
    Some(x)
}

/// Minimises `sum_i w_i * CE(t_i, sigmoid(b + x_i . beta)) + lambda/2 ||beta||^2` for soft
/// targets `t_i` in [0, 1]. Returns `(intercept, coef, iterations)`.
pub(crate) fn newton_fit(
    x: &Matrix,
    t: &[f64],
    w: &[f64],
    lambda: f64,
    max_iter: usize,
    tol: f64,
) -> Result<(f64, Vec<f64>, usize), LearnError> {
    let n = x.n_rows();
    let p = x.n_cols();
    let d = p + 1; // index 0 = intercept
                   // Start from the weighted base rate so the first step is small.
    let (sw, swt) = w.iter().zip(t).fold((0.0, 0.0), |(a, b), (&wi, &ti)| (a + wi, b + wi * ti));
    let rate = (swt / sw).clamp(1e-6, 1.0 - 1e-6);
    let mut beta = vec![0.0; d];
    beta[0] = (rate / (1.0 - rate)).ln();
    let objective = |beta: &[f64]| -> f64 {
        let blocks: Vec<f64> = (0..n.div_ceil(BLOCK))
            .into_par_iter()
            .map(|b| {
                let (lo, hi) = (b * BLOCK, ((b + 1) * BLOCK).min(n));
                let mut z = vec![beta[0]; hi - lo];
                for j in 0..p {
                    let c = &x.col(j)[lo..hi];
                    let bj = beta[j + 1];
                    for (zi, &v) in z.iter_mut().zip(c) {
                        *zi += bj * v;
                    }
                }
                z.iter().enumerate().map(|(k, &zi)| w[lo + k] * (softplus(zi) - t[lo + k] * zi)).sum()
            })
            .collect();
        blocks.iter().sum::<f64>() + 0.5 * lambda * beta[1..].iter().map(|b| b * b).sum::<f64>()
    };
    let mut f_old = objective(&beta);
    for iter in 1..=max_iter {
        // Gradient and Hessian (upper triangle) by blocks, merged in block order.
        let parts: Vec<(Vec<f64>, Vec<f64>)> = (0..n.div_ceil(BLOCK))
            .into_par_iter()
            .map(|b| {
                let (lo, hi) = (b * BLOCK, ((b + 1) * BLOCK).min(n));
                let m = hi - lo;
                let mut z = vec![beta[0]; m];
                for j in 0..p {
                    let c = &x.col(j)[lo..hi];
                    let bj = beta[j + 1];
                    for (zi, &v) in z.iter_mut().zip(c) {
                        *zi += bj * v;
                    }
                }
                let mut r = vec![0.0; m]; // w (p - t)
                let mut h = vec![0.0; m]; // w p (1 - p)
                for k in 0..m {
                    let pr = sigmoid(z[k]);
                    r[k] = w[lo + k] * (pr - t[lo + k]);
                    h[k] = w[lo + k] * pr * (1.0 - pr);
                }
                let mut g = vec![0.0; d];
                let mut hess = vec![0.0; d * d];
                g[0] = r.iter().sum();
                hess[0] = h.iter().sum();
                let mut hx = vec![0.0; m];
                for j in 0..p {
                    let cj = &x.col(j)[lo..hi];
                    g[j + 1] = r.iter().zip(cj).map(|(a, b)| a * b).sum();
                    for k in 0..m {
                        hx[k] = h[k] * cj[k];
                    }
                    hess[j + 1] = hx.iter().sum(); // row 0, column j+1
                    for l in j..p {
                        let cl = &x.col(l)[lo..hi];
                        hess[(j + 1) * d + l + 1] = hx.iter().zip(cl).map(|(a, b)| a * b).sum();
                    }
                }
                (g, hess)
            })
            .collect();
        let mut g = vec![0.0; d];
        let mut hess = vec![0.0; d * d];
        for (pg, ph) in &parts {
            for (a, b) in g.iter_mut().zip(pg) {
                *a += b;
            }
            for (a, b) in hess.iter_mut().zip(ph) {
                *a += b;
            }
        }
        for j in 1..d {
            g[j] += lambda * beta[j];
            hess[j * d + j] += lambda;
        }
        for i in 0..d {
            for j in 0..i {
                hess[i * d + j] = hess[j * d + i];
            }
        }
        // A tiny ridge keeps the solve defined for separable, unpenalised (Platt) problems.
        for i in 0..d {
            hess[i * d + i] += 1e-12 * (1.0 + hess[i * d + i]);
        }
        let step = cholesky_solve(&hess, &g, d).ok_or(LearnError::NotConverged { iterations: iter })?;
        // Backtracking line search on the objective.
        let mut scale = 1.0;
        let mut accepted = None;
        for _ in 0..30 {
            let cand: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - scale * s).collect();
            let f_new = objective(&cand);
            if f_new.is_finite() && f_new <= f_old + 1e-12 * f_old.abs() {
                accepted = Some((cand, f_new));
                break;
            }
            scale *= 0.5;
        }
        let Some((cand, f_new)) = accepted else {
            // No decrease possible: we are at the optimum to machine precision.
            return Ok((beta[0], beta[1..].to_vec(), iter));
        };
        let change = beta.iter().zip(&cand).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        beta = cand;
        f_old = f_new;
        if change < tol {
            return Ok((beta[0], beta[1..].to_vec(), iter));
        }
    }
    Err(LearnError::NotConverged { iterations: max_iter })
}

impl LogisticRegression {
    /// Fits on `x` with labels `y` (true = churned) and sample weights `w`, with checked
    /// hyperparameters (`LogisticParams::default().check()?`).
    pub fn fit(x: &Matrix, y: &[bool], w: &[f64], params: &LogisticValidParams) -> Result<Self, LearnError> {
        check_inputs(x, y, w)?;
        let t: Vec<f64> = y.iter().map(|&b| b as u8 as f64).collect();
        let (intercept, coef, iterations) = newton_fit(x, &t, w, 1.0 / params.c, params.max_iter, params.tol)?;
        Ok(LogisticRegression { intercept, coef, iterations })
    }

    /// Log-odds of churn for one row.
    #[inline]
    pub fn predict_raw_row(&self, row: &[f64]) -> f64 {
        self.intercept + self.coef.iter().zip(row).map(|(c, v)| c * v).sum::<f64>()
    }

    /// The model whose raw score is the mean raw score of `models` (all on the same columns):
    /// mean intercept and coefficients. `None` when `models` is empty or the column counts
    /// differ.
    pub fn average(models: &[LogisticRegression]) -> Option<LogisticRegression> {
        let first = models.first()?;
        if models.iter().any(|m| m.coef.len() != first.coef.len()) {
            return None;
        }
        let k = models.len() as f64;
        Some(LogisticRegression {
            intercept: models.iter().map(|m| m.intercept).sum::<f64>() / k,
            coef: (0..first.coef.len()).map(|j| models.iter().map(|m| m.coef[j]).sum::<f64>() / k).collect(),
            iterations: models.iter().map(|m| m.iterations).max().unwrap_or(0),
        })
    }

    /// Log-odds of churn for every row.
    pub fn predict_raw(&self, x: &Matrix) -> Vec<f64> {
        let mut z = vec![self.intercept; x.n_rows()];
        for (j, c) in self.coef.iter().enumerate() {
            for (zi, v) in z.iter_mut().zip(x.col(j)) {
                *zi += c * v;
            }
        }
        z
    }

    /// Exact contributions of each feature to the log-odds of `row`, relative to a reference
    /// row (usually the training means, which are 0 after standardisation):
    /// `coef_j * (x_j - reference_j)`; they sum, with the base value, to the raw score.
    pub fn contributions(&self, row: &[f64], reference: &[f64]) -> (f64, Vec<f64>) {
        let base = self.predict_raw_row(reference);
        let c = self.coef.iter().zip(row.iter().zip(reference)).map(|(c, (v, r))| c * (v - r)).collect();
        (base, c)
    }
}

impl crate::Family for LogisticRegression {
    const NAME: &'static str = "logistic";
    type Params = LogisticParams;

    fn describe(p: &LogisticParams) -> String {
        format!("C={}", p.0.c)
    }

    /// A small grid of `C`, the most regularised first.
    fn search_space(_seed: u64, _n_rows: usize) -> Vec<LogisticParams> {
        [0.03, 0.3, 1.0, 3.0].into_iter().map(|c| LogisticParams::default().c(c)).collect()
    }

    fn fit(
        p: &LogisticParams,
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        _valid: Option<crate::EvalSet<'_>>,
        _seed: u64,
    ) -> Result<Self, LearnError> {
        LogisticRegression::fit(x, y, w, p.check_ref()?)
    }

    fn average(models: &[Self]) -> Option<Self> {
        LogisticRegression::average(models)
    }
}

impl crate::Fitted for LogisticRegression {
    fn n_inputs(&self) -> usize {
        self.coef.len()
    }

    fn predict_raw_row(&self, row: &[f64]) -> f64 {
        LogisticRegression::predict_raw_row(self, row)
    }

    fn predict_raw(&self, x: &Matrix) -> Vec<f64> {
        LogisticRegression::predict_raw(self, x)
    }

    fn contributions(&self, row: &[f64], means: &[f64]) -> (f64, Vec<f64>) {
        LogisticRegression::contributions(self, row, means)
    }

    fn native_importance(&self) -> (&'static str, Vec<f64>) {
        ("absolute standardised coefficient", self.coef.iter().map(|c| c.abs()).collect())
    }

    fn validate(&self) -> Result<(), LearnError> {
        LogisticRegression::validate(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use churn_core::rng::Rng;

    fn synthetic(n: usize, seed: u64) -> (Matrix, Vec<bool>) {
        let mut rng = Rng::new(seed);
        let truth = [1.5, -2.0, 0.5, 0.0];
        let mut rows = Vec::with_capacity(n);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let r: Vec<f64> = (0..4).map(|_| rng.normal()).collect();
            let z = -1.0 + truth.iter().zip(&r).map(|(a, b)| a * b).sum::<f64>();
            y.push(rng.next_f64() < sigmoid(z));
            rows.push(r);
        }
        (Matrix::from_rows(&rows).unwrap(), y)
    }

    /// Gradient of the penalised weighted objective, computed naively row by row.
    fn naive_gradient(m: &LogisticRegression, x: &Matrix, y: &[bool], w: &[f64], c: f64) -> Vec<f64> {
        let mut g = vec![0.0; x.n_cols() + 1];
        let mut row = vec![0.0; x.n_cols()];
        for i in 0..x.n_rows() {
            x.row_into(i, &mut row);
            let r = w[i] * (sigmoid(m.predict_raw_row(&row)) - y[i] as u8 as f64);
            g[0] += r;
            for j in 0..row.len() {
                g[j + 1] += r * row[j];
            }
        }
        for j in 0..x.n_cols() {
            g[j + 1] += m.coef[j] / c;
        }
        g
    }

    #[test]
    fn average_scores_the_mean_raw_score() {
        let (x, y) = synthetic(2000, 41);
        let w = vec![1.0; 2000];
        let fits: Vec<LogisticRegression> = [0.1, 1.0, 10.0]
            .iter()
            .map(|&c| LogisticRegression::fit(&x, &y, &w, &LogisticParams::default().c(c).check().unwrap()).unwrap())
            .collect();
        let mean = LogisticRegression::average(&fits).unwrap();
        let raws: Vec<Vec<f64>> = fits.iter().map(|m| m.predict_raw(&x)).collect();
        for (i, r) in mean.predict_raw(&x).iter().enumerate() {
            let want = raws.iter().map(|v| v[i]).sum::<f64>() / 3.0;
            assert!((r - want).abs() < 1e-9);
        }
        assert!(LogisticRegression::average(&[]).is_none());
    }

    #[test]
    fn recovers_true_coefficients_and_satisfies_optimality() {
        let (x, y) = synthetic(20_000, 1);
        let w = vec![1.0; y.len()];
        let m = LogisticRegression::fit(&x, &y, &w, &LogisticValidParams::default()).unwrap();
        let truth = [1.5, -2.0, 0.5, 0.0];
        for (c, t) in m.coef.iter().zip(truth) {
            assert!((c - t).abs() < 0.08, "{:?}", m.coef);
        }
        assert!((m.intercept + 1.0).abs() < 0.08);
        let g = naive_gradient(&m, &x, &y, &w, 1.0);
        assert!(g.iter().all(|v| v.abs() < 1e-6), "{g:?}");
        assert!(m.iterations < 15);
    }

    #[test]
    fn weights_enter_the_loss() {
        let (x, y) = synthetic(5_000, 2);
        let n_pos = y.iter().filter(|&&b| b).count() as f64;
        let n = y.len() as f64;
        // scikit-learn's "balanced": n / (2 * class count)
        let w: Vec<f64> = y.iter().map(|&b| if b { n / (2.0 * n_pos) } else { n / (2.0 * (n - n_pos)) }).collect();
        let plain = LogisticRegression::fit(&x, &y, &vec![1.0; y.len()], &LogisticValidParams::default()).unwrap();
        let weighted = LogisticRegression::fit(&x, &y, &w, &LogisticValidParams::default()).unwrap();
        assert!(weighted.intercept > plain.intercept + 0.3, "{} vs {}", weighted.intercept, plain.intercept);
        let g = naive_gradient(&weighted, &x, &y, &w, 1.0);
        assert!(g.iter().all(|v| v.abs() < 1e-6), "{g:?}");
        // Zero-weight rows are ignored: fitting without them gives the same model.
        let keep: Vec<usize> = (0..y.len()).filter(|i| i % 3 != 0).collect();
        let w0: Vec<f64> = (0..y.len()).map(|i| if i % 3 != 0 { 1.0 } else { 0.0 }).collect();
        let a = LogisticRegression::fit(&x, &y, &w0, &LogisticValidParams::default()).unwrap();
        let ys: Vec<bool> = keep.iter().map(|&i| y[i]).collect();
        let b = LogisticRegression::fit(
            &x.select_rows(&keep),
            &ys,
            &vec![1.0; keep.len()],
            &LogisticValidParams::default(),
        )
        .unwrap();
        for (p, q) in a.coef.iter().zip(&b.coef) {
            assert!((p - q).abs() < 1e-9);
        }
    }

    #[test]
    fn agrees_with_linfa_logistic_when_unweighted() {
        use linfa::prelude::*;
        let (x, y) = synthetic(3_000, 3);
        let m = LogisticRegression::fit(&x, &y, &vec![1.0; y.len()], &LogisticValidParams::default()).unwrap();
        let arr = ndarray::Array2::from_shape_fn((x.n_rows(), x.n_cols()), |(i, j)| x.get(i, j));
        let targets = ndarray::Array1::from_iter(y.iter().map(|&b| if b { "churn" } else { "stay" }));
        let ds = linfa::Dataset::new(arr, targets);
        // linfa's objective: sum logloss + alpha/2 ||w||^2, i.e. alpha = 1 / C.
        let lm = linfa_logistic::LogisticRegression::default()
            .alpha(1.0)
            .max_iterations(1000)
            .gradient_tolerance(1e-10)
            .fit(&ds)
            .unwrap();
        // linfa makes the majority class "positive" (linfa issue #393): flip if so.
        let sign = if lm.labels().pos.class == "churn" { 1.0 } else { -1.0 };
        for (j, c) in m.coef.iter().enumerate() {
            assert!((c - sign * lm.params()[j]).abs() < 1e-4, "coef {j}: {c} vs {}", sign * lm.params()[j]);
        }
        assert!((m.intercept - sign * lm.intercept()).abs() < 1e-4);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let (x, y) = synthetic(10, 4);
        let p = LogisticValidParams::default();
        assert!(matches!(LogisticRegression::fit(&x, &y[..5], &[1.0; 10], &p), Err(LearnError::Shape { .. })));
        assert!(matches!(
            LogisticRegression::fit(&x, &[true; 10], &[1.0; 10], &p),
            Err(LearnError::SingleClass { positive: true })
        ));
        let mut w = vec![1.0; 10];
        w[3] = -1.0;
        assert!(matches!(LogisticRegression::fit(&x, &y, &w, &p), Err(LearnError::NegativeWeight { row: 3, .. })));
        assert!(matches!(
            LogisticRegression::fit(&x, &y, &[0.0; 10], &p),
            Err(LearnError::Empty { what: "all sample weights are zero" })
        ));
        let mut data = x.as_slice().to_vec();
        data[7] = f64::NAN;
        let nan = Matrix::from_col_major(x.n_rows(), x.n_cols(), data).unwrap();
        assert!(matches!(
            LogisticRegression::fit(&nan, &y, &[1.0; 10], &p),
            Err(LearnError::NonFinite { what: "features" })
        ));
        assert!(matches!(LogisticParams::default().c(0.0).check(), Err(LearnError::InvalidParam { name: "c", .. })));
    }
}
