//! Probability quality: log loss, Brier score, reliability (calibration) table and expected
//! calibration error.
//!
//! These need `scores` to be probabilities in `[0, 1]` ([`EvalError::NotProbability`]
//! otherwise) and are defined for single-class data.

use crate::check;
use crate::error::{EvalError, Result};

/// Probabilities are clipped to `[LOG_LOSS_EPS, 1 − LOG_LOSS_EPS]` before taking logarithms,
/// so that a confident wrong prediction costs `−ln(1e-15) ≈ 34.5` instead of infinity.
/// (This is scikit-learn's long-standing `eps=1e-15`; scikit-learn ≥ 1.5 clips at the machine
/// epsilon instead, which only differs for predictions within `1e-15` of 0 or 1.)
pub const LOG_LOSS_EPS: f64 = 1e-15;

#[inline]
pub(crate) fn log_loss_term(p: f64, y: bool) -> f64 {
    let p = p.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
    if y {
        -p.ln()
    } else {
        -(1.0 - p).ln()
    }
}

#[inline]
pub(crate) fn brier_term(p: f64, y: bool) -> f64 {
    let d = p - if y { 1.0 } else { 0.0 };
    d * d
}

/// Mean binary cross-entropy (natural log): `−mean(y ln p + (1 − y) ln(1 − p))`, with `p`
/// clipped by [`LOG_LOSS_EPS`]. Lower is better; `ln 2 ≈ 0.693` is a coin flip.
///
/// ```
/// let ll = churn_eval::log_loss(&[0.9, 0.2], &[true, false])?;
/// assert!((ll - (-(0.9f64.ln()) - 0.8f64.ln()) / 2.0).abs() < 1e-15);
/// # Ok::<(), churn_eval::EvalError>(())
/// ```
pub fn log_loss(scores: &[f64], labels: &[bool]) -> Result<f64> {
    check::probabilities(scores, labels)?;
    let s: f64 = scores.iter().zip(labels).map(|(&p, &y)| log_loss_term(p, y)).sum();
    Ok(s / scores.len() as f64)
}

/// Brier score: mean squared difference between the predicted probability and the outcome
/// (`0` perfect, `0.25` for always predicting 0.5).
///
/// ```
/// assert_eq!(churn_eval::brier(&[1.0, 0.5], &[true, false])?, 0.125);
/// # Ok::<(), churn_eval::EvalError>(())
/// ```
pub fn brier(scores: &[f64], labels: &[bool]) -> Result<f64> {
    check::probabilities(scores, labels)?;
    let s: f64 = scores.iter().zip(labels).map(|(&p, &y)| brier_term(p, y)).sum();
    Ok(s / scores.len() as f64)
}

const MAX_BINS: usize = 100_000;

/// How [`reliability_table`] places its bin edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Binning {
    /// `bins` equal-width bins over `[0, 1]` (scikit-learn's `strategy="uniform"`).
    EqualWidth,
    /// Edges at the `i / bins` quantiles of the scores (linear interpolation, numpy's default;
    /// scikit-learn's `strategy="quantile"`), so bins hold about equally many rows. Heavily tied
    /// scores give repeated edges and therefore empty (omitted) bins.
    Quantile,
}

/// One score band of a [`reliability_table`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReliabilityRow {
    /// Zero-based bin number (empty bins are omitted, so numbers may skip).
    pub bin: usize,
    /// Lower edge of the band.
    pub lo: f64,
    /// Upper edge of the band.
    pub hi: f64,
    /// Rows in the band (at least 1).
    pub count: usize,
    /// Mean predicted probability of those rows.
    pub mean_predicted: f64,
    /// Fraction of those rows that churned.
    pub observed_rate: f64,
}

/// Bin edges (`bins + 1` values) for the given strategy, exactly as scikit-learn computes them.
fn edges(scores: &[f64], bins: usize, binning: Binning) -> Vec<f64> {
    // numpy.linspace(0, 1, bins + 1): i * step, last value forced to 1.
    let step = 1.0 / bins as f64;
    let grid = (0..=bins).map(|i| if i == bins { 1.0 } else { i as f64 * step });
    match binning {
        Binning::EqualWidth => grid.collect(),
        Binning::Quantile => {
            let mut sorted = scores.to_vec();
            sorted.sort_unstable_by(f64::total_cmp);
            // scikit-learn calls np.percentile(p, q * 100), which divides by 100 again.
            grid.map(|q| check::quantile_sorted(&sorted, q * 100.0 / 100.0)).collect()
        }
    }
}

/// Calibration table: predicted versus observed churn per score band.
///
/// Row `i` holds the scores `p` with `edges[i] < p <= edges[i + 1]` (the first bin also takes
/// `p == edges[0]`), which is scikit-learn's `calibration_curve` assignment
/// (`searchsorted(edges[1:-1], p)`); `observed_rate` and `mean_predicted` equal its `prob_true`
/// and `prob_pred`. Empty bins are omitted so every number in the table is finite.
///
/// Errors: `bins` not in `1..=100_000` ([`EvalError::InvalidParameter`]), scores outside `[0, 1]`, plus the usual
/// input validation.
///
/// ```
/// use churn_eval::{reliability_table, Binning};
/// let rows = reliability_table(&[0.1, 0.2, 0.8, 0.9], &[false, true, true, true], 2, Binning::EqualWidth)?;
/// assert_eq!(rows.len(), 2);
/// assert_eq!((rows[0].count, rows[0].observed_rate), (2, 0.5));
/// # Ok::<(), churn_eval::EvalError>(())
/// ```
pub fn reliability_table(
    scores: &[f64],
    labels: &[bool],
    bins: usize,
    binning: Binning,
) -> Result<Vec<ReliabilityRow>> {
    check::probabilities(scores, labels)?;
    if bins == 0 || bins > MAX_BINS {
        return Err(EvalError::param("bins", bins, "must be between 1 and 100000"));
    }
    let e = edges(scores, bins, binning);
    let interior = &e[1..bins];
    let mut count = vec![0usize; bins];
    let mut sum_p = vec![0.0f64; bins];
    let mut sum_y = vec![0usize; bins];
    for (&p, &y) in scores.iter().zip(labels) {
        let b = interior.partition_point(|&edge| edge < p);
        count[b] += 1;
        sum_p[b] += p;
        sum_y[b] += usize::from(y);
    }
    Ok((0..bins)
        .filter(|&b| count[b] > 0)
        .map(|b| ReliabilityRow {
            bin: b,
            lo: e[b],
            hi: e[b + 1],
            count: count[b],
            mean_predicted: sum_p[b] / count[b] as f64,
            observed_rate: sum_y[b] as f64 / count[b] as f64,
        })
        .collect())
}

/// Expected calibration error with 10 equal-width bins: see [`ece_with`].
pub fn ece(scores: &[f64], labels: &[bool]) -> Result<f64> {
    ece_with(scores, labels, 10, Binning::EqualWidth)
}

/// Expected calibration error: `Σ_bins (count / n) · |observed_rate − mean_predicted|` over the
/// rows of [`reliability_table`]. `0` is perfectly calibrated; the field's target is `< 0.05`.
pub fn ece_with(scores: &[f64], labels: &[bool], bins: usize, binning: Binning) -> Result<f64> {
    let rows = reliability_table(scores, labels, bins, binning)?;
    let n = scores.len() as f64;
    Ok(rows.iter().map(|r| r.count as f64 / n * (r.observed_rate - r.mean_predicted).abs()).sum())
}
