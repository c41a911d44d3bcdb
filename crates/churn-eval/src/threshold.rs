//! Decisions at a threshold: the confusion matrix, and three ways of choosing the threshold
//! (best F1, minimum expected cost, alert capacity).
//!
//! Throughout, an account is flagged (predicted to churn) when `score >= threshold`.

use crate::check;
use crate::error::{EvalError, Result};
use crate::ranking::Groups;

/// Confusion matrix counts of a binary decision.
///
/// The rate methods never divide by zero: when their denominator is zero they return `0.0`
/// (scikit-learn's `zero_division=0`), e.g. precision with no alerts, recall without churners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Confusion {
    /// Flagged and churned.
    pub tp: u64,
    /// Flagged but retained (an unneeded intervention).
    pub fp: u64,
    /// Not flagged and retained.
    pub tn: u64,
    /// Not flagged but churned (a missed churn, "surprise churn").
    #[serde(rename = "fn")]
    pub fn_: u64,
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

impl Confusion {
    /// `tp / (tp + fp)`; `0` when nothing is flagged.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    /// `tp / (tp + fn)` (true-positive rate); `0` when nobody churned.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    /// `2 tp / (2 tp + fp + fn)`, the harmonic mean of precision and recall; `0` when
    /// `tp + fp + fn == 0`.
    pub fn f1(&self) -> f64 {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }
    /// `tn / (tn + fp)` (true-negative rate); `0` when nobody was retained.
    pub fn specificity(&self) -> f64 {
        ratio(self.tn, self.tn + self.fp)
    }
    /// `fp / (fp + tn)` (false-positive rate); `0` when nobody was retained.
    pub fn fpr(&self) -> f64 {
        ratio(self.fp, self.fp + self.tn)
    }
    /// `(tp + tn) / n`; `0` for an empty matrix.
    pub fn accuracy(&self) -> f64 {
        ratio(self.tp + self.tn, self.total())
    }
    /// Number of flagged accounts, `tp + fp`.
    pub fn alerts(&self) -> u64 {
        self.tp + self.fp
    }
    /// Number of rows.
    pub fn total(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }
}

/// Confusion matrix when flagging `score >= threshold`. `O(n)`, no sorting.
///
/// `threshold` may be any non-NaN value, including `±∞`.
///
/// ```
/// let c = churn_eval::confusion_at(&[0.9, 0.5, 0.4, 0.1], &[true, false, true, false], 0.5)?;
/// assert_eq!((c.tp, c.fp, c.tn, c.fn_), (1, 1, 1, 1));
/// assert_eq!(c.f1(), 0.5);
/// # Ok::<(), churn_eval::EvalError>(())
/// ```
pub fn confusion_at(scores: &[f64], labels: &[bool], threshold: f64) -> Result<Confusion> {
    check::scores_labels(scores, labels)?;
    if threshold.is_nan() {
        return Err(EvalError::param("threshold", threshold, "must not be NaN"));
    }
    let mut c = Confusion::default();
    for (&s, &y) in scores.iter().zip(labels) {
        match (s >= threshold, y) {
            (true, true) => c.tp += 1,
            (true, false) => c.fp += 1,
            (false, false) => c.tn += 1,
            (false, true) => c.fn_ += 1,
        }
    }
    Ok(c)
}

/// A chosen operating point.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ThresholdChoice {
    /// Flag accounts with `score >= threshold`. "Flag nobody" is expressed as the smallest
    /// float above the highest score (finite unless that score is `f64::MAX`), so the value
    /// serialises to JSON.
    pub threshold: f64,
    /// Accounts flagged, `tp + fp`.
    pub alerts: u64,
    /// Precision at this threshold (`0` with no alerts).
    pub precision: f64,
    /// Recall at this threshold (`0` without churners).
    pub recall: f64,
    /// The full confusion matrix.
    pub confusion: Confusion,
}

impl ThresholdChoice {
    fn new(threshold: f64, c: Confusion) -> Self {
        ThresholdChoice { threshold, alerts: c.alerts(), precision: c.precision(), recall: c.recall(), confusion: c }
    }
}

/// Candidate operating points: "flag nobody" followed by one per distinct score, descending.
fn candidates(g: &Groups) -> impl Iterator<Item = (f64, Confusion)> + '_ {
    let none = Confusion { tp: 0, fp: 0, tn: g.n_neg, fn_: g.n_pos };
    let nobody = check::next_up(g.scores[0]);
    std::iter::once((nobody, none)).chain((0..g.len()).scan(none, move |c, k| {
        c.tp += g.pos[k];
        c.fn_ -= g.pos[k];
        c.fp += g.neg[k];
        c.tn -= g.neg[k];
        Some((g.scores[k], *c))
    }))
}

/// The threshold (one of the scores) with the highest F1. Ties go to the higher threshold,
/// i.e. fewer alerts. `O(n log n)`.
///
/// Errors with [`EvalError::SingleClass`] when nobody churned (F1 would be 0 everywhere).
pub fn best_f1_threshold(scores: &[f64], labels: &[bool]) -> Result<ThresholdChoice> {
    check::scores_labels(scores, labels)?;
    let g = Groups::new(scores, labels);
    check::some_positive("best_f1_threshold", g.n_pos as usize, scores.len())?;
    let mut best: Option<(f64, f64, Confusion)> = None;
    for (t, c) in candidates(&g).skip(1) {
        let f = c.f1();
        if best.is_none_or(|(bf, _, _)| f > bf) {
            best = Some((f, t, c));
        }
    }
    let (_, t, c) = best.expect("at least one distinct score");
    Ok(ThresholdChoice::new(t, c))
}

/// The threshold minimising the total cost `cost_fp · fp + cost_fn · fn` (an unneeded
/// intervention versus a missed churn). Candidates are every distinct score plus "flag nobody";
/// ties go to the higher threshold (fewer alerts). `O(n log n)`.
///
/// Both costs must be finite and non-negative ([`EvalError::InvalidParameter`]).
pub fn min_cost_threshold(scores: &[f64], labels: &[bool], cost_fp: f64, cost_fn: f64) -> Result<ThresholdChoice> {
    check::scores_labels(scores, labels)?;
    for (name, v) in [("cost_fp", cost_fp), ("cost_fn", cost_fn)] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(EvalError::param(name, v, "must be finite and non-negative"));
        }
    }
    let g = Groups::new(scores, labels);
    let mut best: Option<(f64, f64, Confusion)> = None;
    for (t, c) in candidates(&g) {
        let cost = cost_fp * c.fp as f64 + cost_fn * c.fn_ as f64;
        if best.is_none_or(|(bc, _, _)| cost < bc) {
            best = Some((cost, t, c));
        }
    }
    let (_, t, c) = best.expect("flag-nobody candidate");
    Ok(ThresholdChoice::new(t, c))
}

/// The lowest threshold that flags at most `n_alerts` accounts (e.g. how many accounts the CS
/// team can call this week). A block of tied scores is never split, so the result may flag fewer
/// than `n_alerts`; with `n_alerts == 0` (or a top tie block larger than the capacity) nobody is
/// flagged and the threshold lies just above the highest score. `O(n log n)`.
pub fn capacity_threshold(scores: &[f64], labels: &[bool], n_alerts: usize) -> Result<ThresholdChoice> {
    check::scores_labels(scores, labels)?;
    let g = Groups::new(scores, labels);
    let mut chosen = None;
    for (t, c) in candidates(&g) {
        if c.alerts() > n_alerts as u64 {
            break;
        }
        chosen = Some((t, c));
    }
    let (t, c) = chosen.expect("flag-nobody candidate always fits");
    Ok(ThresholdChoice::new(t, c))
}
