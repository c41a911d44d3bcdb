//! The promotion gate of the quarterly retrain: is a challenger significantly worse than the
//! model in service (the first report) on one metric?
//!
//! AUC differences are tested by DeLong's test, the other metrics by the paired bootstrap of
//! [`crate::compare()`]; "worse" counts only when the difference is significant at the
//! comparison's `alpha`, so a challenger that is worse by noise passes.

use serde::{Deserialize, Serialize};

use crate::compare::Comparison;
use crate::error::{ReportError, Result};

/// One challenger's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChallengerVerdict {
    /// The challenger's label.
    pub label: String,
    /// `challenger − reference` on the metric.
    pub diff: f64,
    /// Two-sided p-value of "no difference".
    pub p_value: f64,
    /// The test behind it.
    pub test: String,
    /// `p_value < alpha`.
    pub significant: bool,
    /// Worse on the metric (whatever the significance).
    pub worse: bool,
    /// Significantly worse: the gate fails.
    pub fails: bool,
}

/// The gate's verdict over every challenger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateVerdict {
    /// The metric judged (`auc`, `brier`, ...).
    pub metric: String,
    /// Significance level.
    pub alpha: f64,
    /// Per challenger (reports 2, 3, ...).
    pub challengers: Vec<ChallengerVerdict>,
    /// Whether any challenger is significantly worse.
    pub fail: bool,
    /// One sentence.
    pub summary: String,
}

/// The metric keys the gate accepts.
pub fn metric_keys(c: &Comparison) -> Vec<&str> {
    c.metrics.iter().map(|m| m.metric.as_str()).collect()
}

/// Judges every challenger of `c` on `metric`.
pub fn gate(c: &Comparison, metric: &str) -> Result<GateVerdict> {
    let row = c.metrics.iter().find(|m| m.metric == metric).ok_or_else(|| ReportError::InvalidOption {
        option: "--fail-if-worse",
        reason: format!("unknown metric `{metric}` (known: {})", metric_keys(c).join(", ")),
    })?;
    let challengers: Vec<ChallengerVerdict> = row
        .differences
        .iter()
        .zip(&c.reports)
        .skip(1)
        .filter_map(|(d, e)| d.as_ref().map(|d| (d, e)))
        .map(|(d, e)| {
            let worse = !d.better && d.diff != 0.0;
            ChallengerVerdict {
                label: e.label.clone(),
                diff: d.diff,
                p_value: d.p_value,
                test: d.test.clone(),
                significant: d.significant,
                worse,
                fails: worse && d.significant,
            }
        })
        .collect();
    let fail = challengers.iter().any(|v| v.fails);
    let summary = challengers
        .iter()
        .map(|v| {
            format!(
                "{}: {} {metric} by {:+.4} ({}, p = {:.4}{})",
                v.label,
                if v.worse { "worse" } else { "not worse" },
                v.diff,
                v.test,
                v.p_value,
                match (v.worse, v.significant) {
                    (true, true) => format!(" < {}: significantly worse, gate fails", c.options.alpha),
                    (true, false) => format!(" >= {}: not significant, gate passes", c.options.alpha),
                    _ => ": gate passes".into(),
                }
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Ok(GateVerdict { metric: metric.into(), alpha: c.options.alpha, challengers, fail, summary })
}
