//! Lift and cumulative gains: how much more churn the top of the ranking holds than average.
//!
//! Rows are ranked by descending score. A block of tied scores that straddles a group boundary
//! cannot be ordered meaningfully, so its churners are shared **pro rata** between the groups it
//! spans (a group holding 3 of a 10-row tie block that contains 4 churners gets 1.2 of them).
//! This makes the result deterministic and independent of row order; with distinct scores every
//! count is a whole number. A model with constant scores therefore has lift exactly 1 everywhere.

use crate::check;
use crate::error::{EvalError, Result};
use crate::ranking::Groups;

/// One group (decile for `groups = 10`) of a [`lift_table`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LiftRow {
    /// 1-based group number; group 1 has the highest scores.
    pub decile: usize,
    /// Rows in the group (sizes differ by at most one, larger groups last).
    pub count: usize,
    /// Highest score in the group.
    pub max_score: f64,
    /// Lowest score in the group.
    pub min_score: f64,
    /// Churners in the group (fractional only when a tie block straddles a boundary).
    pub positives: f64,
    /// Churn rate in the group, `positives / count`.
    pub rate: f64,
    /// `rate / base_rate`.
    pub lift: f64,
    /// Share of all churners captured by groups `1..=decile`.
    pub cumulative_gain: f64,
    /// Churn rate of groups `1..=decile` divided by the base rate.
    pub cumulative_lift: f64,
}

/// Churners among ranked rows `[start, end)`, tie blocks shared pro rata. `cursor` walks the
/// groups so that consecutive calls with increasing ranges cost `O(groups)` in total.
struct Sweep<'a> {
    g: &'a Groups,
    k: usize,
    /// First ranked row of group `k`.
    k_start: u64,
}

impl<'a> Sweep<'a> {
    fn new(g: &'a Groups) -> Self {
        Sweep { g, k: 0, k_start: 0 }
    }

    /// Positives and (max, min) score in rows `[start, end)`; `start` must not decrease between
    /// calls and `start < end`.
    fn take(&mut self, start: u64, end: u64) -> (f64, f64, f64) {
        let g = self.g;
        let size = |k: usize| g.pos[k] + g.neg[k];
        while self.k_start + size(self.k) <= start {
            self.k_start += size(self.k);
            self.k += 1;
        }
        let (mut k, mut k_start) = (self.k, self.k_start);
        let max_score = g.scores[k];
        let mut positives = 0.0;
        let mut min_score = max_score;
        while k < g.len() && k_start < end {
            let k_end = k_start + size(k);
            let overlap = k_end.min(end) - k_start.max(start);
            positives +=
                if overlap == size(k) { g.pos[k] as f64 } else { g.pos[k] as f64 * overlap as f64 / size(k) as f64 };
            min_score = g.scores[k];
            k_start = k_end;
            k += 1;
        }
        (positives, max_score, min_score)
    }
}

/// Lift / gains table with `groups` equally sized groups of the ranking (10 for deciles).
///
/// Group `d` (0-based) holds ranked rows `[⌊d·n/groups⌋, ⌊(d+1)·n/groups⌋)`.
///
/// Errors: `groups == 0` or `groups > n` ([`EvalError::InvalidParameter`]); no churners
/// ([`EvalError::SingleClass`], lift is undefined at a zero base rate).
///
/// ```
/// let scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0];
/// let labels = [true, true, false, false, false, false, false, false, false, false];
/// let rows = churn_eval::lift_table(&scores, &labels, 5)?;
/// assert_eq!(rows[0].lift, 5.0);
/// assert_eq!(rows[0].cumulative_gain, 1.0);
/// # Ok::<(), churn_eval::EvalError>(())
/// ```
pub fn lift_table(scores: &[f64], labels: &[bool], groups: usize) -> Result<Vec<LiftRow>> {
    check::scores_labels(scores, labels)?;
    let n = scores.len();
    if groups == 0 || groups > n {
        return Err(EvalError::param("groups", groups, "must be between 1 and the number of rows"));
    }
    let g = Groups::new(scores, labels);
    check::some_positive("lift_table", g.n_pos as usize, n)?;
    let total_pos = g.n_pos as f64;
    let base = total_pos / n as f64;
    let mut sweep = Sweep::new(&g);
    let mut rows = Vec::with_capacity(groups);
    let (mut cum_pos, mut cum_n) = (0.0, 0u64);
    let bound = |d: usize| (d as u128 * n as u128 / groups as u128) as u64;
    for d in 0..groups {
        let (start, end) = (bound(d), bound(d + 1));
        let count = end - start;
        let (positives, max_score, min_score) = sweep.take(start, end);
        cum_pos += positives;
        cum_n += count;
        let rate = positives / count as f64;
        rows.push(LiftRow {
            decile: d + 1,
            count: count as usize,
            max_score,
            min_score,
            positives,
            rate,
            lift: rate / base,
            cumulative_gain: (cum_pos / total_pos).min(1.0),
            cumulative_lift: cum_pos / cum_n as f64 / base,
        });
    }
    Ok(rows)
}

/// Lift in the top `fraction` of the ranking: churn rate among the `k = round(fraction · n)`
/// highest-scored rows (at least 1) divided by the overall churn rate. `lift_at(s, y, 0.1)` is
/// the "top-decile lift" (field target: > 3).
///
/// Errors: `fraction` not in `(0, 1]` ([`EvalError::InvalidParameter`]); no churners
/// ([`EvalError::SingleClass`]).
pub fn lift_at(scores: &[f64], labels: &[bool], fraction: f64) -> Result<f64> {
    check::scores_labels(scores, labels)?;
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(EvalError::param("fraction", fraction, "must be in (0, 1]"));
    }
    let g = Groups::new(scores, labels);
    check::some_positive("lift_at", g.n_pos as usize, scores.len())?;
    Ok(lift_at_groups(&g, fraction))
}

pub(crate) fn lift_at_groups(g: &Groups, fraction: f64) -> f64 {
    let n = g.n_pos + g.n_neg;
    let k = ((fraction * n as f64).round() as u64).clamp(1, n);
    let (positives, _, _) = Sweep::new(g).take(0, k);
    (positives / k as f64) / (g.n_pos as f64 / n as f64)
}
