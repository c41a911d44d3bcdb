//! Kaplan-Meier estimates of the survival curve and of the censoring curve.

use serde::{Deserialize, Serialize};

use crate::{check, SurvivalError};

/// A Kaplan-Meier step function: `S(t) = surv[k]` for the last `times[k] <= t`, 1 before the
/// first time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KaplanMeier {
    /// Distinct observed times, ascending.
    pub times: Vec<f64>,
    /// The curve just after each time.
    pub surv: Vec<f64>,
}

/// Distinct times ascending, with (rows at that time, events at that time).
fn counts(time: &[f64], event: &[bool]) -> Vec<(f64, usize, usize)> {
    let mut order: Vec<usize> = (0..time.len()).collect();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let mut out: Vec<(f64, usize, usize)> = Vec::new();
    for i in order {
        match out.last_mut() {
            Some(last) if last.0 == time[i] => {
                last.1 += 1;
                last.2 += usize::from(event[i]);
            }
            _ => out.push((time[i], 1, usize::from(event[i]))),
        }
    }
    out
}

impl KaplanMeier {
    /// The survival curve of `time` (churn when `event`, else censored).
    pub fn fit(time: &[f64], event: &[bool]) -> Result<KaplanMeier, SurvivalError> {
        Self::fit_inner(time, event, false)
    }

    /// The censoring curve `G(t)` = P(not censored by t), as scikit-survival's
    /// `CensoringDistributionEstimator`: a reverse Kaplan-Meier in which churn at `t` leaves
    /// the risk set before censoring at `t`; `G = 1` everywhere when every row churned.
    pub fn fit_censoring(time: &[f64], event: &[bool]) -> Result<KaplanMeier, SurvivalError> {
        Self::fit_inner(time, event, true)
    }

    fn fit_inner(time: &[f64], event: &[bool], reverse: bool) -> Result<KaplanMeier, SurvivalError> {
        check(time, event)?;
        let c = counts(time, event);
        let all_events = event.iter().all(|&e| e);
        let mut at_risk = time.len();
        let mut s = 1.0;
        let mut times = Vec::with_capacity(c.len());
        let mut surv = Vec::with_capacity(c.len());
        for &(t, n, d) in &c {
            let (events, risk) = if reverse { (n - d, at_risk - d) } else { (d, at_risk) };
            if !(reverse && all_events) && events > 0 {
                s *= 1.0 - events as f64 / risk as f64;
            }
            times.push(t);
            surv.push(s);
            at_risk -= n;
        }
        Ok(KaplanMeier { times, surv })
    }

    /// `S(t)`. Beyond the last time the curve is 0 if it reached 0, else undefined (`Err`), as
    /// in scikit-survival.
    pub fn at(&self, t: f64) -> Result<f64, SurvivalError> {
        let last = *self.times.last().ok_or(SurvivalError::Empty)?;
        let s_last = *self.surv.last().ok_or(SurvivalError::Empty)?;
        if t > last {
            return if s_last > 0.0 {
                Err(SurvivalError::Censoring { time: t, reason: "it lies beyond the last observed time" })
            } else {
                Ok(0.0)
            };
        }
        let k = self.times.partition_point(|&u| u <= t);
        Ok(if k == 0 { 1.0 } else { self.surv[k - 1] })
    }

    /// `S(t)`, held at its last value beyond the last observed time.
    pub fn at_clamped(&self, t: f64) -> f64 {
        let k = self.times.partition_point(|&u| u <= t);
        if k == 0 {
            1.0
        } else {
            self.surv[k - 1]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_example() {
        // Times 1, 2+, 3, 3, 4+, 5: S(1) = 5/6, S(3) = 5/6 * (1 - 2/4) = 5/12, S(5) = 0.
        let t = [1.0, 2.0, 3.0, 3.0, 4.0, 5.0];
        let e = [true, false, true, true, false, true];
        let km = KaplanMeier::fit(&t, &e).unwrap();
        assert_eq!(km.at(0.5).unwrap(), 1.0);
        assert!((km.at(1.0).unwrap() - 5.0 / 6.0).abs() < 1e-15);
        assert!((km.at(3.5).unwrap() - 5.0 / 12.0).abs() < 1e-15);
        assert_eq!(km.at(9.0).unwrap(), 0.0);
        // Censoring: 2+ has 5 at risk, 4+ has 2 at risk.
        let g = KaplanMeier::fit_censoring(&t, &e).unwrap();
        assert!((g.at(2.0).unwrap() - 0.8).abs() < 1e-15);
        assert!((g.at(4.0).unwrap() - 0.8 * 0.5).abs() < 1e-15);
    }
}
