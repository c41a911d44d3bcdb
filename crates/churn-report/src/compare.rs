//! `churn compare`: reports side by side, differences against the first report, and their
//! significance: DeLong's test for AUC and a paired bootstrap for the other metrics when the
//! reports were computed on the same rows; an approximate unpaired test (from the reports'
//! own intervals) with a warning otherwise.

use std::collections::HashMap;
use std::fmt::Write;

use churn_eval::{delong_test, normal_sf, paired_bootstrap, paired_bootstrap_fn, BootstrapOptions, Metric};
use serde::{Deserialize, Serialize};

use crate::error::{ReportError, Result};
use crate::render::{f4, markdown_table, TableData};
use crate::report::{Interval, Report};

/// Comparison settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CompareOptions {
    /// Paired bootstrap replicates.
    pub bootstrap: usize,
    /// Bootstrap seed.
    pub seed: u64,
    /// Significance level.
    pub alpha: f64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions { bootstrap: 1000, seed: 0, alpha: 0.05 }
    }
}

/// How the rows of a report line up with the first report's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowMatch {
    /// Same rows and labels in the same order (same fingerprint).
    Same,
    /// Same accounts and labels in another order, aligned by id.
    AlignedById,
    /// Not the same rows: differences are not paired.
    Different {
        /// Why.
        reason: String,
    },
}

/// One model's value of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Value {
    /// Point estimate.
    pub estimate: f64,
    /// Its interval from the report.
    pub ci: Interval,
}

/// A difference `report − first report` and its test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// `value(report) − value(first)`.
    pub diff: f64,
    /// Interval of the difference (paired bootstrap; `null` for DeLong and unpaired tests).
    pub ci: Option<Interval>,
    /// Two-sided p-value of "no difference".
    pub p_value: f64,
    /// The test: `DeLong`, `paired bootstrap` or `unpaired (approximate)`.
    pub test: String,
    /// `p_value < alpha`.
    pub significant: bool,
    /// Whether the report is better than the first on this metric.
    pub better: bool,
}

/// One metric across reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricRow {
    /// Metric key as in `report.json` (`auc`, `brier`, ...).
    pub metric: String,
    /// Whether larger values are better.
    pub higher_is_better: bool,
    /// Value per report.
    pub values: Vec<Value>,
    /// Difference against the first report, per report (`null` for the first).
    pub differences: Vec<Option<Difference>>,
}

/// Identity of a compared report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Label used in tables: `name vVERSION (learner)`.
    pub label: String,
    /// Model id.
    pub model_id: String,
    /// Data source.
    pub source: String,
    /// Rows.
    pub rows: usize,
    /// How its rows match the first report's (`same` for the first).
    pub rows_match: RowMatch,
}

/// The result of comparing reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The reports, first = reference.
    pub reports: Vec<Entry>,
    /// Metric rows.
    pub metrics: Vec<MetricRow>,
    /// Index of the better model (highest AUC).
    pub better: usize,
    /// One-sentence verdict naming the better model and the test behind it.
    pub verdict: String,
    /// Warnings (rows differ, ...).
    pub warnings: Vec<String>,
    /// Options used.
    pub options: CompareOptions,
}

fn label(r: &Report) -> String {
    format!("{} v{} ({})", r.model.name, r.model.version, r.model.learner)
}

/// Aligns `b`'s rows to `a`'s: `Some(perm)` with `b_index = perm[a_index]`.
fn align(a: &Report, b: &Report) -> (RowMatch, Option<Vec<usize>>) {
    let n = a.rows.labels.len();
    if a.rows.fingerprint == b.rows.fingerprint
        && a.rows.fingerprint_basis == b.rows.fingerprint_basis
        && b.rows.labels == a.rows.labels
    {
        return (RowMatch::Same, Some((0..n).collect()));
    }
    if let (Some(ia), Some(ib)) = (&a.rows.ids, &b.rows.ids) {
        if ia.len() == ib.len() {
            let pos: HashMap<&str, usize> = ib.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
            if pos.len() == ib.len() {
                let (la, lb) = (a.rows.labels.as_bytes(), b.rows.labels.as_bytes());
                let perm: Option<Vec<usize>> = ia
                    .iter()
                    .enumerate()
                    .map(|(i, id)| pos.get(id.as_str()).copied().filter(|&j| la[i] == lb[j]))
                    .collect();
                if let Some(perm) = perm {
                    return (RowMatch::AlignedById, Some(perm));
                }
            }
        }
    }
    let reason = if a.rows.labels.len() != b.rows.labels.len() {
        format!("{} rows vs {}", a.rows.labels.len(), b.rows.labels.len())
    } else {
        format!("row fingerprints differ ({} vs {})", a.rows.fingerprint, b.rows.fingerprint)
    };
    (RowMatch::Different { reason }, None)
}

struct MetricDef {
    key: &'static str,
    higher: bool,
    get: fn(&Report) -> Value,
}

fn v(estimate: f64, ci: Interval) -> Value {
    Value { estimate, ci }
}

const METRICS: &[MetricDef] = &[
    MetricDef { key: "auc", higher: true, get: |r| v(r.metrics.auc, r.metrics.auc_ci) },
    MetricDef { key: "pr_auc", higher: true, get: |r| v(r.metrics.pr_auc, r.metrics.pr_auc_ci) },
    MetricDef { key: "brier", higher: false, get: |r| v(r.metrics.brier, r.metrics.brier_ci) },
    MetricDef { key: "log_loss", higher: false, get: |r| v(r.metrics.log_loss, r.metrics.log_loss_ci) },
    MetricDef { key: "ece", higher: false, get: |r| v(r.metrics.ece, r.metrics.ece_ci) },
    MetricDef { key: "ks", higher: true, get: |r| v(r.metrics.ks, r.metrics.ks_ci) },
];

fn finite(x: f64, fallback: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        fallback
    }
}

/// The number of reports and the options of a comparison.
pub(crate) fn check_options(n_reports: usize, opts: &CompareOptions) -> Result<()> {
    if n_reports < 2 {
        return Err(ReportError::TooFewReports { found: n_reports });
    }
    if !(opts.alpha > 0.0 && opts.alpha < 1.0) {
        return Err(ReportError::InvalidOption { option: "--alpha", reason: "must be between 0 and 1".into() });
    }
    if !(2..=100_000).contains(&opts.bootstrap) {
        return Err(ReportError::InvalidOption {
            option: "--bootstrap",
            reason: "must be between 2 and 100000 replicates".into(),
        });
    }
    Ok(())
}

/// Compares reports against the first one.
pub fn compare(reports: &[Report], opts: &CompareOptions) -> Result<Comparison> {
    check_options(reports.len(), opts)?;
    let first = &reports[0];
    let y = first.rows.label_vec();
    let pa = &first.rows.probabilities;
    let bo = BootstrapOptions { n_boot: opts.bootstrap, seed: opts.seed, level: 0.95, stratified: true };
    let mut warnings = Vec::new();
    let mut entries = Vec::new();
    let mut aligned: Vec<Option<Vec<f64>>> = Vec::new();
    for (k, r) in reports.iter().enumerate() {
        let (m, perm) = if k == 0 { (RowMatch::Same, None) } else { align(first, r) };
        if let RowMatch::Different { reason } = &m {
            warnings.push(format!(
                "{} and {} were not computed on the same rows ({reason}): differences are not paired and their tests are approximate",
                label(first),
                label(r)
            ));
        }
        if m == RowMatch::AlignedById {
            warnings.push(format!(
                "{}: rows are in another order than in {}; aligned by account id",
                label(r),
                label(first)
            ));
        }
        aligned.push(perm.map(|p| p.iter().map(|&j| r.rows.probabilities[j]).collect()));
        entries.push(Entry {
            label: label(r),
            model_id: r.model.id.clone(),
            source: r.data.source.clone(),
            rows: r.data.rows,
            rows_match: m,
        });
    }
    let level_z = 1.959_963_984_540_054;
    let mut metrics = Vec::new();
    for def in METRICS {
        let values: Vec<Value> = reports.iter().map(def.get).collect();
        let mut differences = vec![None];
        for k in 1..reports.len() {
            let diff = values[k].estimate - values[0].estimate;
            let better = if def.higher { diff > 0.0 } else { diff < 0.0 };
            let d = match &aligned[k] {
                Some(pb) => {
                    let (p_value, ci, test) = if def.key == "auc" {
                        let t = delong_test(pb, pa, &y)?;
                        (finite(t.p_value, 1.0), None, "DeLong")
                    } else {
                        let pd = match def.key {
                            "pr_auc" => paired_bootstrap(pb, pa, &y, Metric::PrAuc, &bo)?,
                            "brier" => paired_bootstrap(pb, pa, &y, Metric::Brier, &bo)?,
                            "log_loss" => paired_bootstrap(pb, pa, &y, Metric::LogLoss, &bo)?,
                            "ece" => paired_bootstrap_fn(pb, pa, &y, churn_eval::ece, &bo)?,
                            _ => paired_bootstrap_fn(pb, pa, &y, churn_eval::ks_statistic, &bo)?,
                        };
                        (pd.p_value, Some(Interval { lo: pd.lo, hi: pd.hi }), "paired bootstrap")
                    };
                    Difference { diff, ci, p_value, test: test.into(), significant: p_value < opts.alpha, better }
                }
                None => {
                    let se = |x: &Value| (x.ci.hi - x.ci.lo) / (2.0 * level_z);
                    let s = (se(&values[0]).powi(2) + se(&values[k]).powi(2)).sqrt();
                    let p_value = if s > 0.0 {
                        (2.0 * normal_sf((diff / s).abs())).min(1.0)
                    } else if diff == 0.0 {
                        1.0
                    } else {
                        0.0
                    };
                    Difference {
                        diff,
                        ci: None,
                        p_value,
                        test: "unpaired (approximate)".into(),
                        significant: p_value < opts.alpha,
                        better,
                    }
                }
            };
            differences.push(Some(d));
        }
        metrics.push(MetricRow { metric: def.key.into(), higher_is_better: def.higher, values, differences });
    }
    let auc = &metrics[0];
    let better = (0..reports.len())
        .max_by(|&a, &b| auc.values[a].estimate.total_cmp(&auc.values[b].estimate).then(b.cmp(&a)))
        .unwrap_or(0);
    let verdict = verdict(reports, &metrics, better, opts, &aligned)?;
    Ok(Comparison { reports: entries, metrics, better, verdict, warnings, options: *opts })
}

/// The sentence naming the better model by AUC, with the test of the difference against the
/// runner-up (DeLong on the same rows, approximate otherwise).
fn verdict(
    reports: &[Report],
    metrics: &[MetricRow],
    best: usize,
    opts: &CompareOptions,
    aligned: &[Option<Vec<f64>>],
) -> Result<String> {
    let auc = &metrics[0];
    let runner = (0..reports.len())
        .filter(|&k| k != best)
        .max_by(|&a, &b| auc.values[a].estimate.total_cmp(&auc.values[b].estimate))
        .expect("two reports");
    let (a, b) = (auc.values[best].estimate, auc.values[runner].estimate);
    // Paired test between best and runner-up when both line up with the first report's rows.
    let scores = |k: usize| if k == 0 { Some(reports[0].rows.probabilities.clone()) } else { aligned[k].clone() };
    let (p, test) = match (scores(best), scores(runner)) {
        (Some(sb), Some(sr)) => {
            let y = reports[0].rows.label_vec();
            let t = delong_test(&sb, &sr, &y)?;
            (finite(t.p_value, 1.0), "DeLong test on the same rows")
        }
        _ => {
            let s = |k: usize| (auc.values[k].ci.hi - auc.values[k].ci.lo) / (2.0 * 1.959_963_984_540_054);
            let se = (s(best).powi(2) + s(runner).powi(2)).sqrt();
            let p = if se > 0.0 { (2.0 * normal_sf(((a - b) / se).abs())).min(1.0) } else { 1.0 };
            (p, "approximate unpaired test: the reports are not on the same rows")
        }
    };
    let who = label(&reports[best]);
    let other = label(&reports[runner]);
    Ok(if p < opts.alpha {
        format!(
            "{who} is better: AUC {} vs {} for {other} (difference {:+.4}, {test}, p = {}; significant at {})",
            f4(a),
            f4(b),
            a - b,
            fmt_p(p),
            opts.alpha
        )
    } else {
        format!(
            "{who} has the higher AUC ({} vs {} for {other}, difference {:+.4}) but the difference is not significant ({test}, p = {} >= {})",
            f4(a),
            f4(b),
            a - b,
            fmt_p(p),
            opts.alpha
        )
    })
}

fn fmt_p(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

impl Comparison {
    /// JSON of the comparison.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("comparison serializes");
        s.push('\n');
        s
    }

    /// Markdown: models, metrics side by side with intervals, differences and tests, verdict.
    pub fn to_markdown(&self) -> String {
        let mut s = String::from("# Model comparison\n\n");
        for w in &self.warnings {
            let _ = writeln!(s, "> **warning:** {w}\n");
        }
        let models = TableData {
            caption: String::new(),
            headers: ["", "model", "id", "data", "rows", "rows vs first"].map(String::from).to_vec(),
            rows: self
                .reports
                .iter()
                .enumerate()
                .map(|(k, e)| {
                    let m = match &e.rows_match {
                        _ if k == 0 => "reference".into(),
                        RowMatch::Same => "same rows".into(),
                        RowMatch::AlignedById => "same accounts, aligned by id".into(),
                        RowMatch::Different { reason } => format!("different ({reason})"),
                    };
                    vec![
                        char::from(b'A' + (k as u8 % 26)).to_string(),
                        e.label.clone(),
                        e.model_id.clone(),
                        e.source.clone(),
                        e.rows.to_string(),
                        m,
                    ]
                })
                .collect(),
        };
        let _ = writeln!(s, "{}", markdown_table(&models));
        let mut headers = vec!["metric".to_string()];
        for k in 0..self.reports.len() {
            headers.push(format!("{} (95% CI)", char::from(b'A' + (k as u8 % 26))));
        }
        for k in 1..self.reports.len() {
            let n = char::from(b'A' + (k as u8 % 26));
            headers.push(format!("{n} - A"));
            headers.push(format!("{n} vs A: test, p"));
        }
        let rows = self
            .metrics
            .iter()
            .map(|m| {
                let mut row = vec![format!(
                    "{} ({})",
                    m.metric,
                    if m.higher_is_better { "higher is better" } else { "lower is better" }
                )];
                row.extend(m.values.iter().map(|v| {
                    if v.ci.lo.is_finite() && v.ci.hi.is_finite() {
                        format!("{} [{}, {}]", f4(v.estimate), f4(v.ci.lo), f4(v.ci.hi))
                    } else {
                        f4(v.estimate)
                    }
                }));
                for d in m.differences.iter().flatten() {
                    row.push(match &d.ci {
                        Some(ci) => format!("{:+.4} [{:+.4}, {:+.4}]", d.diff, ci.lo, ci.hi),
                        None => format!("{:+.4}", d.diff),
                    });
                    if d.p_value.is_nan() {
                        row.push(d.test.clone());
                        continue;
                    }
                    row.push(format!(
                        "{}, p = {}{}",
                        d.test,
                        fmt_p(d.p_value),
                        if d.significant {
                            if d.better {
                                " (significantly better)"
                            } else {
                                " (significantly worse)"
                            }
                        } else {
                            " (n.s.)"
                        }
                    ));
                }
                row
            })
            .collect();
        let _ = writeln!(s, "{}", markdown_table(&TableData { caption: String::new(), headers, rows }));
        let _ = writeln!(s, "**Verdict:** {}", self.verdict);
        s
    }
}
