//! `churn compare` of survival reports (`"kind": "survival"`): Harrell's C, Uno's C, mean
//! td-AUC, integrated Brier and per-horizon Brier/td-AUC side by side, differences against the
//! first report, and, when the reports carry the same rows (same outcome times and events, in
//! the same order), a paired bootstrap of Harrell's C, the integrated Brier score and the
//! per-horizon Brier scores (each replicate resamples the rows once and evaluates both models on
//! them; the censoring curve is re-estimated on every resample, as `churn report` does).
//! The result is a [`Comparison`], so the promotion gate ([`crate::gate`]) and the renderers
//! are those of classification reports.

use churn_eval::{paired_bootstrap_fn, BootstrapOptions, EvalError};
use churn_survival::metrics;

use crate::compare::{check_options, CompareOptions, Comparison, Difference, Entry, MetricRow, RowMatch, Value};
use crate::error::{ReportError, Result};
use crate::report::Interval;
use crate::survival::{SurvivalReport, SurvivalRows};

/// A metric's value in a report.
type ValueOf = Box<dyn Fn(&SurvivalReport) -> Option<Value>>;

/// What a metric reads from a report, and how to recompute it on resampled rows.
struct Def {
    key: String,
    higher: bool,
    value: ValueOf,
    /// `f(rows, resampled row indices, horizons, main)`, for the paired bootstrap.
    resample: Option<Resample>,
}

fn val(estimate: f64, ci: Option<churn_survival::evaluation::Interval>) -> Value {
    let ci = match ci {
        Some(c) => Interval { lo: c.lo, hi: c.hi },
        None => Interval { lo: f64::NAN, hi: f64::NAN },
    };
    Value { estimate, ci }
}

fn pick(r: &SurvivalRows, rows: &[usize]) -> (Vec<f64>, Vec<bool>) {
    (rows.iter().map(|&i| r.time[i]).collect(), rows.iter().map(|&i| r.event[i]).collect())
}

fn pick_surv(r: &SurvivalRows, rows: &[usize]) -> Vec<Vec<f64>> {
    r.surv.iter().map(|s| rows.iter().map(|&i| s[i]).collect()).collect()
}

fn main_of(r: &SurvivalReport) -> usize {
    let h = &r.evaluation.horizons;
    h.iter().position(|&v| v == r.model.main_horizon).unwrap_or(h.len().saturating_sub(1))
}

fn defs(horizons: &[f64]) -> Vec<Def> {
    let mut d = vec![
        Def {
            key: "harrell_c".into(),
            higher: true,
            value: Box::new(|r| Some(val(r.evaluation.harrell_c, r.evaluation.harrell_c_ci))),
            resample: Some(Box::new(|o, rows, _, main| {
                let (t, e) = pick(o, rows);
                let risk: Vec<f64> = rows.iter().map(|&i| 1.0 - o.surv[main][i]).collect();
                metrics::harrell_c(&t, &e, &risk).ok()
            })),
        },
        Def {
            key: "uno_c".into(),
            higher: true,
            value: Box::new(|r| Some(val(r.evaluation.uno_c, None))),
            resample: None,
        },
        Def {
            key: "mean_td_auc".into(),
            higher: true,
            value: Box::new(|r| Some(val(r.evaluation.mean_td_auc, None))),
            resample: None,
        },
    ];
    if horizons.len() >= 2 {
        d.push(Def {
            key: "integrated_brier".into(),
            higher: false,
            value: Box::new(|r| r.evaluation.integrated_brier.map(|b| val(b, r.evaluation.integrated_brier_ci))),
            resample: Some(Box::new(|o, rows, h, _| {
                let (t, e) = pick(o, rows);
                metrics::integrated_brier(&t, &e, &t, &e, &pick_surv(o, rows), h).ok()
            })),
        });
    }
    for (k, &h) in horizons.iter().enumerate() {
        d.push(Def {
            key: format!("brier_{h}"),
            higher: false,
            value: Box::new(move |r| r.evaluation.brier.get(k).map(|&b| val(b, None))),
            resample: Some(Box::new(move |o, rows, hs, _| {
                let (t, e) = pick(o, rows);
                metrics::brier(&t, &e, &t, &e, &pick_surv(o, rows), hs).ok().map(|b| b[k])
            })),
        });
        d.push(Def {
            key: format!("td_auc_{h}"),
            higher: true,
            value: Box::new(move |r| r.evaluation.td_auc.get(k).map(|&a| val(a, None))),
            resample: None,
        });
    }
    d
}

fn label(r: &SurvivalReport) -> String {
    format!("{} v{} ({}, survival)", r.model.name, r.model.version, r.model.learner)
}

/// Whether `b` holds the same rows as `a` (same outcome times and events in the same order).
fn same_rows(a: &SurvivalReport, b: &SurvivalReport) -> RowMatch {
    match (&a.observations, &b.observations) {
        (Some(x), Some(y)) if x.time == y.time && x.event == y.event => RowMatch::Same,
        (Some(x), Some(y)) => RowMatch::Different {
            reason: if x.time.len() != y.time.len() {
                format!("{} rows vs {}", x.time.len(), y.time.len())
            } else {
                "outcome times or events differ".into()
            },
        },
        _ => RowMatch::Different { reason: "a report carries no rows (written by an older version)".into() },
    }
}

/// Compares survival reports against the first one (see the module docs).
pub fn compare_survival(reports: &[SurvivalReport], opts: &CompareOptions) -> Result<Comparison> {
    check_options(reports.len(), opts)?;
    let first = &reports[0];
    let horizons = &first.evaluation.horizons;
    for r in &reports[1..] {
        if &r.evaluation.horizons != horizons || r.model.main_horizon != first.model.main_horizon {
            return Err(ReportError::InvalidOption {
                option: "REPORT",
                reason: format!(
                    "{} has horizons {:?} (main {}) but the first report {:?} (main {}): compare reports on the same horizons",
                    label(r),
                    r.evaluation.horizons,
                    r.model.main_horizon,
                    horizons,
                    first.model.main_horizon
                ),
            });
        }
    }
    let matches: Vec<RowMatch> = reports.iter().map(|r| same_rows(first, r)).collect();
    let mut warnings = Vec::new();
    for (r, m) in reports.iter().zip(&matches).skip(1) {
        if let RowMatch::Different { reason } = m {
            warnings
                .push(format!("{} is not on the first report's rows ({reason}): differences are not tested", label(r)));
        }
    }
    let bo = BootstrapOptions { n_boot: opts.bootstrap, seed: opts.seed, level: 0.95, stratified: true };
    let main = main_of(first);
    let mut rows_out = Vec::new();
    for def in defs(horizons) {
        let values: Vec<Option<Value>> = reports.iter().map(|r| (def.value)(r)).collect();
        let Some(values) = values.into_iter().collect::<Option<Vec<Value>>>() else { continue };
        let mut differences = vec![None];
        for (k, r) in reports.iter().enumerate().skip(1) {
            let diff = values[k].estimate - values[0].estimate;
            let paired = match (&matches[k], &def.resample, &first.observations, &r.observations) {
                (RowMatch::Same, Some(f), Some(a), Some(b)) => Some(paired(a, b, f, horizons, main, &bo)?),
                _ => None,
            };
            let d = match paired {
                Some((lo, hi, p)) => Difference {
                    diff,
                    ci: Some(Interval { lo, hi }),
                    p_value: p,
                    test: "paired bootstrap".into(),
                    significant: p < opts.alpha,
                    better: if def.higher { diff > 0.0 } else { diff < 0.0 },
                },
                None => Difference {
                    diff,
                    ci: None,
                    p_value: f64::NAN,
                    test: "not tested".into(),
                    significant: false,
                    better: if def.higher { diff > 0.0 } else { diff < 0.0 },
                },
            };
            differences.push(Some(d));
        }
        rows_out.push(MetricRow { metric: def.key.clone(), higher_is_better: def.higher, values, differences });
    }
    let c: Vec<f64> = reports.iter().map(|r| r.evaluation.harrell_c).collect();
    let better = (0..c.len()).fold(0, |b, k| if c[k] > c[b] { k } else { b });
    let test = rows_out
        .first()
        .and_then(|m| m.differences.get(better).cloned().flatten())
        .map(|d| format!(" ({}, p = {:.4})", d.test, d.p_value))
        .unwrap_or_default();
    let verdict = format!("{} has the highest Harrell's C ({:.4}){test}", label(&reports[better]), c[better]);
    let entries = reports
        .iter()
        .zip(matches)
        .map(|(r, m)| Entry {
            label: label(r),
            model_id: r.model.id.clone(),
            source: r.source.clone(),
            rows: r.rows,
            rows_match: m,
        })
        .collect();
    Ok(Comparison { reports: entries, metrics: rows_out, better, verdict, warnings, options: *opts })
}

type Resample = Box<dyn Fn(&SurvivalRows, &[usize], &[f64], usize) -> Option<f64> + Sync>;

/// Paired bootstrap of `f(b) − f(a)`: churn_eval's seeded, event-stratified sampler draws row
/// numbers (B's encoded as `n + i`, so the metric function knows whose rows it gets) and both
/// models are evaluated on the same resample. Returns the interval and the p-value.
fn paired(
    a: &SurvivalRows,
    b: &SurvivalRows,
    f: &Resample,
    horizons: &[f64],
    main: usize,
    opts: &BootstrapOptions,
) -> Result<(f64, f64, f64)> {
    let n = a.time.len();
    let ia: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let ib: Vec<f64> = (0..n).map(|i| (n + i) as f64).collect();
    let metric = |s: &[f64], _: &[bool]| -> std::result::Result<f64, EvalError> {
        let (rows_of, off) = if s.first().is_some_and(|&v| v as usize >= n) { (b, n) } else { (a, 0) };
        let rows: Vec<usize> = s.iter().map(|&v| v as usize - off).collect();
        f(rows_of, &rows, horizons, main).filter(|v| v.is_finite()).ok_or(EvalError::SingleClass {
            metric: "survival metric",
            positives: 0,
            negatives: 0,
        })
    };
    let d = paired_bootstrap_fn(&ib, &ia, &a.event, metric, opts)?;
    Ok((d.lo, d.hi, d.p_value))
}
