//! Every survival figure of `churn evaluate` and `churn report` on one set of observations:
//! Harrell's and Uno's C, td-AUC and IPCW Brier per horizon, the integrated Brier score,
//! calibration against Kaplan-Meier by decile and Kaplan-Meier churn by risk tier, with
//! optional seeded bootstrap intervals on Harrell's C and the integrated Brier score.
//!
//! The censoring curve of the IPCW metrics is estimated on the evaluated data itself.

use churn_core::table::{is_missing, parse_number};
use churn_core::{CoreError, Table};
use churn_eval::{bootstrap_ci_fn, BootstrapOptions, EvalError};
use serde::{Deserialize, Serialize};

use crate::km::KaplanMeier;
use crate::{metrics, SurvivalError};

/// Reads a time column: finite non-negative numbers, any other value is an error naming file,
/// line, column and value.
pub fn read_times(table: &Table, column: &str) -> Result<Vec<f64>, CoreError> {
    let j = table.column_index(column)?;
    (0..table.n_rows())
        .map(|i| {
            let v = table.field(i, j);
            match parse_number(v) {
                Some(t) if t.is_finite() && t >= 0.0 && !is_missing(v) => Ok(t),
                _ => Err(CoreError::BadValue {
                    path: table.path().into(),
                    line: table.line(i),
                    column: column.into(),
                    value: v.into(),
                    expected: "a time: a non-negative number",
                }),
            }
        })
        .collect()
}

/// Predicted versus Kaplan-Meier churn within the main horizon, for one decile of prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecileRow {
    /// 1 (lowest predictions) to 10.
    pub decile: usize,
    /// Rows in the decile.
    pub rows: usize,
    /// Mean predicted churn probability within the main horizon.
    pub predicted: f64,
    /// `1 − KM(h)` of the decile's rows (`null` when undefined).
    pub observed: f64,
}

/// Kaplan-Meier churn of the rows of one risk tier, at every horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierKm {
    /// Tier name.
    pub tier: String,
    /// Rows in the tier.
    pub rows: usize,
    /// `1 − KM(h)` per horizon.
    pub km_churn: Vec<f64>,
}

/// A bootstrap percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// Confidence level.
    pub level: f64,
    /// Replicates used.
    pub replicates: usize,
}

/// The survival metrics of a model on labelled observations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Harrell's C of the churn probability within the main horizon.
    pub harrell_c: f64,
    /// Uno's C at `tau`.
    pub uno_c: f64,
    /// The longest horizon.
    pub tau: f64,
    /// Horizons, ascending.
    pub horizons: Vec<f64>,
    /// Cumulative/dynamic AUC per horizon.
    pub td_auc: Vec<f64>,
    /// Its survival-weighted mean (scikit-survival's).
    pub mean_td_auc: f64,
    /// IPCW Brier score per horizon.
    pub brier: Vec<f64>,
    /// Integrated Brier score over the horizons (`null` with a single horizon).
    pub integrated_brier: Option<f64>,
    /// Calibration within the main horizon by decile of prediction.
    pub calibration: Vec<DecileRow>,
    /// Kaplan-Meier churn by risk tier.
    pub km_by_tier: Vec<TierKm>,
    /// Bootstrap interval of Harrell's C (when asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harrell_c_ci: Option<Interval>,
    /// Bootstrap interval of the integrated Brier score (when asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrated_brier_ci: Option<Interval>,
}

/// What to evaluate: observations, predicted survival per horizon and tier assignments.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// Outcome time per row.
    pub time: &'a [f64],
    /// Churned (true) or censored per row.
    pub event: &'a [bool],
    /// `surv[k][i]`: predicted `S(horizons[k])` of row `i`.
    pub surv: &'a [Vec<f64>],
    /// Horizons, ascending.
    pub horizons: &'a [f64],
    /// Index of the main horizon in `horizons`.
    pub main: usize,
    /// Tier names, in the order of `tier_of`'s indices.
    pub tier_names: &'a [String],
    /// Tier index per row.
    pub tier_of: &'a [usize],
}

fn observed_churn(time: &[f64], event: &[bool], rows: &[usize], h: f64) -> Result<f64, SurvivalError> {
    let t: Vec<f64> = rows.iter().map(|&i| time[i]).collect();
    let e: Vec<bool> = rows.iter().map(|&i| event[i]).collect();
    Ok(1.0 - KaplanMeier::fit(&t, &e)?.at_clamped(h))
}

/// Every figure; with `bootstrap` (replicates and seed), percentile intervals of Harrell's C
/// and the integrated Brier score from event-stratified resamples (churn_eval's seeded
/// bootstrap: the same seed gives the same interval whatever the thread count).
pub fn evaluate(x: &Inputs<'_>, bootstrap: Option<&BootstrapOptions>) -> Result<Evaluation, SurvivalError> {
    let (time, event, surv, horizons, main) = (x.time, x.event, x.surv, x.horizons, x.main);
    let risk: Vec<Vec<f64>> = surv.iter().map(|s| s.iter().map(|v| 1.0 - v).collect()).collect();
    let longest = horizons[horizons.len() - 1];
    let harrell_c = metrics::harrell_c(time, event, &risk[main])?;
    let uno_c = metrics::uno_c(time, event, time, event, &risk[main], Some(longest))?;
    let (td_auc, mean_td_auc) = metrics::cumulative_dynamic_auc(time, event, time, event, &risk, horizons)?;
    let brier = metrics::brier(time, event, time, event, surv, horizons)?;
    let integrated_brier = if horizons.len() >= 2 { Some(metrics::integrate(&brier, horizons)) } else { None };
    let h = horizons[main];
    let mut order: Vec<usize> = (0..time.len()).collect();
    order.sort_by(|&a, &b| risk[main][a].total_cmp(&risk[main][b]));
    let mut calibration = Vec::new();
    for d in 0..10 {
        let rows = &order[d * order.len() / 10..(d + 1) * order.len() / 10];
        if rows.is_empty() {
            continue;
        }
        let predicted = rows.iter().map(|&i| risk[main][i]).sum::<f64>() / rows.len() as f64;
        let observed = observed_churn(time, event, rows, h).unwrap_or(f64::NAN);
        calibration.push(DecileRow { decile: d + 1, rows: rows.len(), predicted, observed });
    }
    let mut km_by_tier = Vec::new();
    for (k, name) in x.tier_names.iter().enumerate() {
        let rows: Vec<usize> = (0..time.len()).filter(|&i| x.tier_of[i] == k).collect();
        if rows.is_empty() {
            continue;
        }
        let km_churn = horizons.iter().map(|&h| observed_churn(time, event, &rows, h)).collect::<Result<_, _>>()?;
        km_by_tier.push(TierKm { tier: name.clone(), rows: rows.len(), km_churn });
    }
    let (mut harrell_c_ci, mut integrated_brier_ci) = (None, None);
    if let Some(opts) = bootstrap {
        harrell_c_ci = Some(resampled(event, opts, |rows| {
            let t: Vec<f64> = rows.iter().map(|&i| time[i]).collect();
            let e: Vec<bool> = rows.iter().map(|&i| event[i]).collect();
            let r: Vec<f64> = rows.iter().map(|&i| risk[main][i]).collect();
            metrics::harrell_c(&t, &e, &r)
        })?);
        if horizons.len() >= 2 {
            integrated_brier_ci = Some(resampled(event, opts, |rows| {
                let t: Vec<f64> = rows.iter().map(|&i| time[i]).collect();
                let e: Vec<bool> = rows.iter().map(|&i| event[i]).collect();
                let s: Vec<Vec<f64>> = surv.iter().map(|s| rows.iter().map(|&i| s[i]).collect()).collect();
                metrics::integrated_brier(&t, &e, &t, &e, &s, horizons)
            })?);
        }
    }
    Ok(Evaluation {
        harrell_c,
        uno_c,
        tau: longest,
        horizons: horizons.to_vec(),
        td_auc,
        mean_td_auc,
        brier,
        integrated_brier,
        calibration,
        km_by_tier,
        harrell_c_ci,
        integrated_brier_ci,
    })
}

/// A bootstrap interval of `f(rows)`, the rows of each replicate drawn by churn_eval's seeded,
/// event-stratified sampler (the "scores" it resamples are row numbers). Replicates on which the
/// metric is undefined are skipped.
fn resampled<F>(event: &[bool], opts: &BootstrapOptions, f: F) -> Result<Interval, SurvivalError>
where
    F: Fn(&[usize]) -> Result<f64, SurvivalError> + Sync,
{
    let index: Vec<f64> = (0..event.len()).map(|i| i as f64).collect();
    let ci = bootstrap_ci_fn(
        &index,
        event,
        |s, _| {
            let rows: Vec<usize> = s.iter().map(|&v| v as usize).collect();
            f(&rows).map_err(|_| EvalError::SingleClass { metric: "survival metric", positives: 0, negatives: 0 })
        },
        opts,
    )
    .map_err(|e| SurvivalError::Invalid { what: "bootstrap", reason: e.to_string() })?;
    Ok(Interval { lo: ci.lo, hi: ci.hi, level: ci.level, replicates: ci.n_used })
}
