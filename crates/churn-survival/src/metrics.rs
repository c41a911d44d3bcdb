//! Survival metrics, as scikit-survival 0.28 defines them.
//!
//! `risk` arguments are scores where larger means earlier churn (e.g. the churn probability at
//! a horizon, or a Cox linear predictor); `surv` arguments are predicted survival probabilities
//! `S(t | x)`. `train_*` is the data the censoring curve `G` is estimated on (scikit-survival's
//! `survival_train`).

use crate::km::KaplanMeier;
use crate::{check, SurvivalError};

/// Risk scores closer than this count as tied (scikit-survival's `tied_tol`).
pub const TIED_TOL: f64 = 1e-8;

fn check_scores(time: &[f64], event: &[bool], scores: &[f64]) -> Result<(), SurvivalError> {
    check(time, event)?;
    if scores.len() != time.len() {
        return Err(SurvivalError::Shape { times: time.len(), events: scores.len() });
    }
    if scores.iter().any(|s| !s.is_finite()) {
        return Err(SurvivalError::Invalid { what: "scores", reason: "not all finite".into() });
    }
    Ok(())
}

/// A Fenwick tree counting inserted values by rank.
struct Fenwick(Vec<usize>);

impl Fenwick {
    fn add(&mut self, mut i: usize) {
        i += 1;
        while i < self.0.len() {
            self.0[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    /// Inserted values with rank < `i`.
    fn prefix(&self, mut i: usize) -> usize {
        let mut s = 0;
        while i > 0 {
            s += self.0[i];
            i -= i & i.wrapping_neg();
        }
        s
    }
}

/// Weighted concordance: every churn at `t_i` is compared with every row observed longer
/// (`t_j > t_i`) and with rows censored at `t_i`; a pair counts 1 when the churned row has the
/// higher risk, 1/2 when the risks tie (within [`TIED_TOL`]), times the churned row's weight.
/// `O(n log n)`.
fn concordance(time: &[f64], event: &[bool], risk: &[f64], weight: &[f64]) -> Result<f64, SurvivalError> {
    let n = time.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let mut sorted: Vec<f64> = risk.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut tree = Fenwick(vec![0; n + 1]);
    let rank = |v: f64| sorted.partition_point(|&s| s < v);
    let (mut num, mut den, mut pairs) = (0.0, 0.0, 0usize);
    // Walk the distinct times from the longest down; the tree holds rows with later times.
    let mut end = n;
    while end > 0 {
        let t = time[order[end - 1]];
        let mut start = end - 1;
        while start > 0 && time[order[start - 1]] == t {
            start -= 1;
        }
        let group = &order[start..end];
        // Rows censored at the same time are comparable with this time's churns.
        let censored: Vec<f64> = group.iter().filter(|&&i| !event[i]).map(|&i| risk[i]).collect();
        let later = tree.prefix(n);
        for &i in group.iter().filter(|&&i| event[i]) {
            let r = risk[i];
            let (lo, hi) = (r - TIED_TOL, r + TIED_TOL);
            // Later rows strictly below lo are concordant; within [lo, hi] are ties.
            let below = tree.prefix(sorted.partition_point(|&s| s < lo));
            let upto = tree.prefix(sorted.partition_point(|&s| s <= hi));
            let mut con = below as f64;
            let mut ties = (upto - below) as f64;
            for &c in &censored {
                if (c - r).abs() <= TIED_TOL {
                    ties += 1.0;
                } else if c < r {
                    con += 1.0;
                }
            }
            let m = later + censored.len();
            num += weight[i] * (con + 0.5 * ties);
            den += weight[i] * m as f64;
            pairs += m;
        }
        for &i in group {
            tree.add(rank(risk[i]));
        }
        end = start;
    }
    if pairs == 0 || den == 0.0 {
        return Err(SurvivalError::NoComparablePairs);
    }
    Ok(num / den)
}

/// Harrell's concordance index (`concordance_index_censored`).
pub fn harrell_c(time: &[f64], event: &[bool], risk: &[f64]) -> Result<f64, SurvivalError> {
    check_scores(time, event, risk)?;
    concordance(time, event, risk, &vec![1.0; time.len()])
}

/// The censoring curve's value at every churned row's time (`1 / G(t_i)` weights need it).
fn ipcw(g: &KaplanMeier, time: &[f64], event: &[bool]) -> Result<Vec<f64>, SurvivalError> {
    time.iter()
        .zip(event)
        .map(|(&t, &e)| {
            if !e {
                return Ok(0.0);
            }
            let v = g.at(t)?;
            if v == 0.0 {
                return Err(SurvivalError::Censoring { time: t, reason: "the censoring curve is zero there" });
            }
            Ok(1.0 / v)
        })
        .collect()
}

/// Uno's concordance index truncated at `tau` (`concordance_index_ipcw`): Harrell's pairs
/// weighted by `1 / G(t_i)²`, only churns before `tau` counting. `tau = None`: no truncation.
pub fn uno_c(
    train_time: &[f64],
    train_event: &[bool],
    time: &[f64],
    event: &[bool],
    risk: &[f64],
    tau: Option<f64>,
) -> Result<f64, SurvivalError> {
    check(train_time, train_event)?;
    check_scores(time, event, risk)?;
    let g = KaplanMeier::fit_censoring(train_time, train_event)?;
    let mut w = vec![0.0; time.len()];
    let keep: Vec<usize> = (0..time.len()).filter(|&i| tau.is_none_or(|tau| time[i] < tau)).collect();
    let kept_t: Vec<f64> = keep.iter().map(|&i| time[i]).collect();
    let kept_e: Vec<bool> = keep.iter().map(|&i| event[i]).collect();
    for (&i, v) in keep.iter().zip(ipcw(&g, &kept_t, &kept_e)?) {
        w[i] = v * v;
    }
    concordance(time, event, risk, &w)
}

/// Cumulative/dynamic AUC at each of `times` (`cumulative_dynamic_auc`): cases churned by `t`
/// weighted by `1 / G(t_i)`, controls still observed after `t`; `risk[k]` holds the scores at
/// `times[k]`. Returns the AUC per time and their mean weighted by the Kaplan-Meier drop of the
/// evaluation data (the single AUC when there is one time).
pub fn cumulative_dynamic_auc(
    train_time: &[f64],
    train_event: &[bool],
    time: &[f64],
    event: &[bool],
    risk: &[Vec<f64>],
    times: &[f64],
) -> Result<(Vec<f64>, f64), SurvivalError> {
    let g = censoring_curve((train_time, train_event), (time, event), risk.len() == times.len(), "scores", "score ")?;
    // Weights only of the churns a time counts as cases: a churn after the last time needs none
    // (the censoring curve may be zero there, at the end of the training follow-up).
    let last = times.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let cases: Vec<bool> = time.iter().zip(event).map(|(&t, &e)| e && t <= last).collect();
    let w = ipcw(&g, time, &cases)?;
    let mut aucs = Vec::with_capacity(times.len());
    for (scores, &t) in risk.iter().zip(times) {
        check_scores(time, event, scores)?;
        let mut order: Vec<usize> = (0..time.len()).collect();
        // Descending risk; a stable sort keeps input order within ties, as numpy's argsort.
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        let n_controls = time.iter().filter(|&&ti| ti > t).count() as f64;
        let total_tp: f64 = (0..time.len()).filter(|&i| event[i] && time[i] <= t).map(|i| w[i]).sum();
        let (mut tp, mut fp) = (0.0, 0.0);
        let (mut prev_tp, mut prev_fp) = (0.0, 0.0);
        let mut area = 0.0;
        for (k, &i) in order.iter().enumerate() {
            if event[i] && time[i] <= t {
                tp += w[i];
            }
            if time[i] > t {
                fp += 1.0;
            }
            let last_of_tie = order.get(k + 1).is_none_or(|&j| (scores[j] - scores[i]).abs() > TIED_TOL);
            if last_of_tie {
                let (x, y) = (fp / n_controls, tp / total_tp);
                area += (x - prev_fp) * (y + prev_tp) / 2.0;
                prev_tp = y;
                prev_fp = x;
            }
        }
        aucs.push(area);
    }
    let mean = if aucs.len() == 1 {
        aucs[0]
    } else {
        let km = KaplanMeier::fit(time, event)?;
        let s: Vec<f64> = times.iter().map(|&t| km.at(t)).collect::<Result<_, _>>()?;
        let mut prev = 1.0;
        let (mut integral, mut weight) = (0.0, 0.0);
        for (a, &sk) in aucs.iter().zip(&s) {
            // A time with no churn before it has no AUC (NaN); the others still average.
            if !a.is_nan() {
                integral += a * (prev - sk);
                weight += prev - sk;
            }
            prev = sk;
        }
        if aucs.iter().any(|a| a.is_nan()) {
            integral / weight
        } else {
            integral / (1.0 - s[s.len() - 1])
        }
    };
    Ok((aucs, mean))
}

/// What the IPCW metrics share: both samples checked, `one_per_time` (one `kind` vector per
/// time, else an error on `what`), then the censoring curve `G` of the training sample.
fn censoring_curve(
    (train_time, train_event): (&[f64], &[bool]),
    (time, event): (&[f64], &[bool]),
    one_per_time: bool,
    what: &'static str,
    kind: &str,
) -> Result<KaplanMeier, SurvivalError> {
    check(train_time, train_event)?;
    check(time, event)?;
    if !one_per_time {
        return Err(SurvivalError::Invalid { what, reason: format!("one {kind}vector per time is needed") });
    }
    KaplanMeier::fit_censoring(train_time, train_event)
}

/// IPCW (Graf) Brier score at each of `times` (`brier_score`): `surv[k]` holds the predicted
/// `S(times[k] | x)` of every row.
pub fn brier(
    train_time: &[f64],
    train_event: &[bool],
    time: &[f64],
    event: &[bool],
    surv: &[Vec<f64>],
    times: &[f64],
) -> Result<Vec<f64>, SurvivalError> {
    let rows = brier_rows(train_time, train_event, time, event, surv, times)?;
    Ok(rows.iter().map(|r| r.iter().sum::<f64>() / r.len() as f64).collect())
}

/// Each row's term of the IPCW Brier score at each of `times` (`out[k][i]`); their mean is
/// [`brier`]. Paired per-row differences of two models give the noise of a comparison.
pub fn brier_rows(
    train_time: &[f64],
    train_event: &[bool],
    time: &[f64],
    event: &[bool],
    surv: &[Vec<f64>],
    times: &[f64],
) -> Result<Vec<Vec<f64>>, SurvivalError> {
    let g = censoring_curve((train_time, train_event), (time, event), surv.len() == times.len(), "survival", "")?;
    let inv = |v: f64| if v == 0.0 { 0.0 } else { 1.0 / v };
    let g_y: Vec<f64> = time.iter().map(|&t| g.at(t).map(inv)).collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(times.len());
    for (s, &t) in surv.iter().zip(times) {
        check_scores(time, event, s)?;
        let g_t = inv(g.at(t)?);
        let terms = (0..time.len())
            .map(|i| {
                if event[i] && time[i] <= t {
                    s[i] * s[i] * g_y[i]
                } else if time[i] > t {
                    (1.0 - s[i]) * (1.0 - s[i]) * g_t
                } else {
                    0.0
                }
            })
            .collect();
        out.push(terms);
    }
    Ok(out)
}

/// The trapezoid integral of per-time values over `times`, divided by the span: the integrated
/// Brier score of per-time Brier scores, or a row's share of it.
pub fn integrate(values: &[f64], times: &[f64]) -> f64 {
    if times.len() < 2 {
        return values.first().copied().unwrap_or(f64::NAN);
    }
    let area: f64 = values.windows(2).zip(times.windows(2)).map(|(b, t)| (b[0] + b[1]) / 2.0 * (t[1] - t[0])).sum();
    area / (times[times.len() - 1] - times[0])
}

/// Integrated Brier score over `times` (trapezoid rule, divided by the span), as
/// `integrated_brier_score`.
pub fn integrated_brier(
    train_time: &[f64],
    train_event: &[bool],
    time: &[f64],
    event: &[bool],
    surv: &[Vec<f64>],
    times: &[f64],
) -> Result<f64, SurvivalError> {
    if times.len() < 2 {
        return Err(SurvivalError::Invalid { what: "times", reason: "at least two are needed".into() });
    }
    let b = brier(train_time, train_event, time, event, surv, times)?;
    Ok(integrate(&b, times))
}
