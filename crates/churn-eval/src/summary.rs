//! The one-call [`Metrics`] summary used by the CLI's `evaluate` and stored in the model file.

use crate::calibration;
use crate::check;
use crate::error::Result;
use crate::lift::lift_at_groups;
use crate::ranking::{ap_from_counts, auc_from_counts, ks_from_groups, Groups};

/// Headline metrics of probability scores against outcomes. Serialises to JSON with every
/// number finite: metrics that are undefined for the data are `None` (`null`), never NaN.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Metrics {
    /// Rows evaluated.
    pub n: usize,
    /// Rows that churned.
    pub n_positive: usize,
    /// `n_positive / n`.
    pub base_rate: f64,
    /// ROC AUC; `None` when all rows have the same label.
    pub auc: Option<f64>,
    /// Average precision; `None` when nobody churned.
    pub pr_auc: Option<f64>,
    /// Brier score.
    pub brier: f64,
    /// Log loss (clipped at [`crate::LOG_LOSS_EPS`], so always finite).
    pub log_loss: f64,
    /// Expected calibration error, 10 equal-width bins.
    pub ece: f64,
    /// KS separation `max |TPR − FPR|`; `None` when all rows have the same label.
    pub ks: Option<f64>,
    /// Lift in the top 10% of scores; `None` when nobody churned.
    pub lift_at_10: Option<f64>,
}

/// Compute [`Metrics`] in one pass over sorted scores (one `O(n log n)` sort shared by AUC,
/// average precision, KS and lift).
///
/// `scores` must be probabilities in `[0, 1]` ([`crate::EvalError::NotProbability`]).
/// Single-class data is not an error here: the ranking metrics become `None` while the
/// probability metrics are still reported.
///
/// ```
/// let m = churn_eval::summarize(&[0.2, 0.2, 0.7], &[false, false, false])?;
/// assert_eq!((m.auc, m.pr_auc, m.n_positive), (None, None, 0));
/// assert!((m.brier - 0.19).abs() < 1e-12);
/// # Ok::<(), churn_eval::EvalError>(())
/// ```
pub fn summarize(scores: &[f64], labels: &[bool]) -> Result<Metrics> {
    check::probabilities(scores, labels)?;
    let g = Groups::new(scores, labels);
    let n = scores.len();
    let n_positive = g.n_pos as usize;
    let both = g.n_pos > 0 && g.n_neg > 0;
    Ok(Metrics {
        n,
        n_positive,
        base_rate: n_positive as f64 / n as f64,
        auc: auc_from_counts(&g.pos, &g.neg),
        pr_auc: ap_from_counts(&g.pos, &g.neg),
        brier: calibration::brier(scores, labels)?,
        log_loss: calibration::log_loss(scores, labels)?,
        ece: calibration::ece(scores, labels)?,
        ks: both.then(|| ks_from_groups(&g)),
        lift_at_10: (g.n_pos > 0).then(|| lift_at_groups(&g, 0.1)),
    })
}
