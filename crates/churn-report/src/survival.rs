//! Reports of survival models (`churn train --time`): the figures of
//! [`churn_survival::evaluation`] on labelled rows, rendered as `report.md`, `report.html` and
//! `report.json`. `churn evaluate` prints the same [`evaluate_model`] figures.

use std::fmt::Write as _;
use std::path::Path;

use churn_core::Table;
use churn_eval::BootstrapOptions;
use churn_model::ModelFile;
use churn_survival::evaluation::{evaluate, read_times, Evaluation, Inputs};
use serde::{Deserialize, Serialize};

use crate::error::{ReportError, Result};
use crate::render::escape;
use crate::{write_files, Rendered};

/// The model reported on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalModelInfo {
    /// Content hash of the model file.
    pub id: String,
    /// Model name.
    pub name: String,
    /// Model version label.
    pub version: String,
    /// Learner family.
    pub learner: String,
    /// Time column.
    pub time: String,
    /// Its unit.
    pub unit: String,
    /// Horizon of `churn_probability` and the risk tiers.
    pub main_horizon: f64,
}

/// A survival model report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalReport {
    /// Always `churn-report`.
    pub format: String,
    /// Report format version.
    pub format_version: u64,
    /// Always `survival`.
    pub kind: String,
    /// Version of the toolkit that wrote the report.
    pub toolkit_version: String,
    /// The model.
    pub model: SurvivalModelInfo,
    /// Data file.
    pub source: String,
    /// Rows evaluated.
    pub rows: usize,
    /// Rows that churned.
    pub churned: usize,
    /// Bootstrap replicates (0: no intervals) and seed.
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// Every survival figure.
    pub evaluation: Evaluation,
    /// The rows evaluated (outcome and predicted survival), so that `churn compare` can pair
    /// two reports on the same rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observations: Option<SurvivalRows>,
}

/// Per-row outcomes and predictions of a survival report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalRows {
    /// Outcome time per row.
    pub time: Vec<f64>,
    /// Churned (true) or censored per row.
    pub event: Vec<bool>,
    /// `surv[k][i]`: predicted `S(horizons[k])` of row `i`, from the start.
    pub surv: Vec<Vec<f64>>,
    /// The model's risk tier names.
    #[serde(default)]
    pub tier_names: Vec<String>,
    /// Tier index per row (of the main horizon's probability).
    #[serde(default)]
    pub tier: Vec<usize>,
}

/// Evaluates a survival model on labelled rows: the table's time column is each account's
/// outcome time and probabilities are from the start. Returns the figures, the row count and
/// the churned count. `bootstrap`: replicates and seed of the intervals (`None`: none).
pub fn evaluate_model(
    model: &ModelFile,
    table: &Table,
    label: Option<&str>,
    bootstrap: Option<&BootstrapOptions>,
) -> Result<(Evaluation, usize, usize)> {
    let rows = observe(model, table, label, None)?;
    let e = evaluate_rows(model, &rows, bootstrap)?;
    let churned = rows.event.iter().filter(|&&e| e).count();
    Ok((e, rows.time.len(), churned))
}

/// The outcomes of `table` (time column, label) and the model's survival from the start, on
/// `rows` of it (`None`: every row).
fn observe(model: &ModelFile, table: &Table, label: Option<&str>, rows: Option<&[usize]>) -> Result<SurvivalRows> {
    let sec = model
        .survival
        .as_ref()
        .ok_or_else(|| ReportError::InvalidOption { option: "--model", reason: "not a survival model".into() })?;
    let mut spec = model.schema.label.clone();
    if let Some(l) = label {
        spec.column = l.to_string();
    }
    let event = spec.read(table)?;
    let time = read_times(table, &sec.time)?;
    let surv = survival_matrix(model, sec, table)?;
    let (time, event, surv) = match rows {
        None => (time, event, surv),
        Some(r) => (
            r.iter().map(|&i| time[i]).collect(),
            r.iter().map(|&i| event[i]).collect(),
            surv.iter().map(|s| r.iter().map(|&i| s[i]).collect()).collect(),
        ),
    };
    let main = sec.horizons.iter().position(|&h| h == sec.main_horizon).unwrap_or(sec.horizons.len() - 1);
    let tier_names: Vec<String> = model.tiers.bands().iter().map(|b| b.name.clone()).collect();
    let tier: Vec<usize> = surv[main].iter().map(|s| model.tiers.index_of(1.0 - s)).collect();
    Ok(SurvivalRows { time, event, surv, tier_names, tier })
}

/// Every figure of [`evaluate`] on observed rows, with the model's horizons and tiers.
fn evaluate_rows(model: &ModelFile, rows: &SurvivalRows, bootstrap: Option<&BootstrapOptions>) -> Result<Evaluation> {
    let sec = model
        .survival
        .as_ref()
        .ok_or_else(|| ReportError::InvalidOption { option: "--model", reason: "not a survival model".into() })?;
    let main = sec.horizons.iter().position(|&h| h == sec.main_horizon).unwrap_or(sec.horizons.len() - 1);
    let inputs = Inputs {
        time: &rows.time,
        event: &rows.event,
        surv: &rows.surv,
        horizons: &sec.horizons,
        main,
        tier_names: &rows.tier_names,
        tier_of: &rows.tier,
    };
    Ok(evaluate(&inputs, bootstrap)?)
}

/// `surv[k][i]`: the model's `S(horizons[k])` for row `i` of `table`, from the start (the
/// table's time column is not read).
pub fn survival_matrix(
    model: &ModelFile,
    sec: &churn_survival::SurvivalSection,
    table: &Table,
) -> Result<Vec<Vec<f64>>> {
    let x = model.design_matrix(table)?;
    let raw = |r: &[f64]| model.learner.predict_raw_row(r);
    let mut row = vec![0.0; x.n_cols()];
    let mut surv = vec![vec![0.0; x.n_rows()]; sec.horizons.len()];
    for i in 0..x.n_rows() {
        x.row_into(i, &mut row);
        let c = sec.curve(&row, &raw);
        for (s, &h) in surv.iter_mut().zip(&sec.horizons) {
            s[i] = c.survival(h);
        }
    }
    Ok(surv)
}

/// Builds the report of a survival model on labelled rows, with `bootstrap` replicates (0: no
/// intervals) seeded by `seed`.
pub fn build_survival(
    model: &ModelFile,
    table: &Table,
    label: Option<&str>,
    bootstrap: usize,
    seed: u64,
) -> Result<SurvivalReport> {
    build_survival_on(model, table, label, None, bootstrap, seed)
}

/// [`build_survival`] on some rows of `table` (`None`: every row), e.g. the test split of
/// `churn train --time --report`.
pub fn build_survival_on(
    model: &ModelFile,
    table: &Table,
    label: Option<&str>,
    rows: Option<&[usize]>,
    bootstrap: usize,
    seed: u64,
) -> Result<SurvivalReport> {
    let opts = BootstrapOptions { n_boot: bootstrap, seed, ..BootstrapOptions::default() };
    let observations = observe(model, table, label, rows)?;
    let evaluation = evaluate_rows(model, &observations, (bootstrap > 0).then_some(&opts))?;
    let (rows, churned) = (observations.time.len(), observations.event.iter().filter(|&&e| e).count());
    let sec = model.survival.as_ref().expect("checked by observe");
    Ok(SurvivalReport {
        format: crate::FORMAT_NAME.into(),
        format_version: crate::FORMAT_VERSION,
        kind: "survival".into(),
        toolkit_version: churn_core::TOOLKIT_VERSION.into(),
        model: SurvivalModelInfo {
            id: model.model_id.clone(),
            name: model.name.clone(),
            version: model.version.clone(),
            learner: model.learner.name().to_string(),
            time: sec.time.clone(),
            unit: sec.unit.clone(),
            main_horizon: sec.main_horizon,
        },
        source: table.path().display().to_string(),
        rows,
        churned,
        bootstrap,
        seed,
        evaluation,
        observations: Some(observations),
    })
}

fn ci(c: &Option<churn_survival::evaluation::Interval>) -> String {
    c.map(|c| format!(" [{:.4}, {:.4}]", c.lo, c.hi)).unwrap_or_default()
}

/// Table rows of the report, shared by Markdown and HTML: `(title, header, rows)`.
fn tables(r: &SurvivalReport) -> Vec<(String, Vec<String>, Vec<Vec<String>>)> {
    let e = &r.evaluation;
    let h = |v: f64| format!("{v}");
    let mut headline = vec![
        vec![
            format!("Harrell's C (churn within {})", h(r.model.main_horizon)),
            format!("{:.4}{}", e.harrell_c, ci(&e.harrell_c_ci)),
        ],
        vec![format!("Uno's C (tau {})", h(e.tau)), format!("{:.4}", e.uno_c)],
        vec!["mean td-AUC".into(), format!("{:.4}", e.mean_td_auc)],
    ];
    if let Some(ibs) = e.integrated_brier {
        headline.push(vec!["integrated Brier".into(), format!("{ibs:.4}{}", ci(&e.integrated_brier_ci))]);
    }
    let per_h = e
        .horizons
        .iter()
        .zip(&e.td_auc)
        .zip(&e.brier)
        .map(|((&t, a), b)| {
            vec![h(t), if a.is_nan() { "n/a (no churn yet)".into() } else { format!("{a:.4}") }, format!("{b:.4}")]
        })
        .collect();
    let cal = e
        .calibration
        .iter()
        .map(|d| {
            vec![d.decile.to_string(), d.rows.to_string(), format!("{:.4}", d.predicted), format!("{:.4}", d.observed)]
        })
        .collect();
    let mut tier_header = vec!["tier".to_string(), "rows".to_string()];
    tier_header.extend(e.horizons.iter().map(|&t| format!("KM churn {}", h(t))));
    let tiers = e
        .km_by_tier
        .iter()
        .map(|t| {
            let mut v = vec![t.tier.clone(), t.rows.to_string()];
            v.extend(t.km_churn.iter().map(|c| format!("{c:.3}")));
            v
        })
        .collect();
    let level = e
        .harrell_c_ci
        .map(|c| format!(" ({:.0}% bootstrap intervals, {} replicates, seed {})", 100.0 * c.level, r.bootstrap, r.seed))
        .unwrap_or_default();
    vec![
        (format!("Headline metrics{level}"), vec!["metric".into(), "value".into()], headline),
        (
            "Per horizon (IPCW, censoring curve of these rows)".into(),
            vec!["horizon".into(), "td-AUC".into(), "Brier".into()],
            per_h,
        ),
        (
            format!("Calibration within {} (decile of prediction)", h(r.model.main_horizon)),
            vec!["decile".into(), "rows".into(), "predicted".into(), "Kaplan-Meier".into()],
            cal,
        ),
        (
            format!("Kaplan-Meier churn by risk tier (tier of the {} probability)", h(r.model.main_horizon)),
            tier_header,
            tiers,
        ),
    ]
}

impl SurvivalReport {
    fn title(&self) -> String {
        format!(
            "Survival report: {} ({}) on {}: {} rows, {} churned; time `{}` ({})",
            self.model.name, self.model.learner, self.source, self.rows, self.churned, self.model.time, self.model.unit
        )
    }

    /// `report.md`.
    pub fn to_markdown(&self) -> String {
        let mut s = format!("# {}\n", self.title());
        for (title, header, rows) in tables(self) {
            let _ = write!(s, "\n## {title}\n\n| {} |\n|{}\n", header.join(" | "), "---|".repeat(header.len()));
            for r in rows {
                let _ = writeln!(s, "| {} |", r.join(" | "));
            }
        }
        s
    }

    /// `report.html` (self-contained, no script).
    pub fn to_html(&self) -> String {
        let mut s = format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{0}</title></head><body>\n<h1>{0}</h1>\n",
            escape(&self.title())
        );
        for (title, header, rows) in tables(self) {
            let _ = write!(s, "<h2>{}</h2>\n<table>\n<tr>", escape(&title));
            for h in header {
                let _ = write!(s, "<th>{}</th>", escape(&h));
            }
            s.push_str("</tr>\n");
            for r in rows {
                s.push_str("<tr>");
                for c in r {
                    let _ = write!(s, "<td>{}</td>", escape(&c));
                }
                s.push_str("</tr>\n");
            }
            s.push_str("</table>\n");
        }
        for (_, title, svg) in self.charts().unwrap_or_default() {
            let _ = write!(s, "<h2>{}</h2>\n{svg}\n", escape(&title));
        }
        s.push_str("</body></html>\n");
        s
    }

    /// The charts `(file stem, title, SVG)` of the report's rows (none without rows).
    pub fn charts(&self) -> Result<Vec<(&'static str, String, String)>> {
        crate::survival_charts::all(self.observations.as_ref(), &self.evaluation.horizons, &self.model.unit)
    }

    /// Reads a survival `report.json`.
    pub fn load(path: &Path) -> Result<SurvivalReport> {
        let bytes = std::fs::read(path).map_err(|e| ReportError::io(path, e))?;
        let not_a_report = |reason: String| ReportError::NotAReport { path: path.into(), reason };
        let r: SurvivalReport = serde_json::from_slice(&bytes).map_err(|e| not_a_report(e.to_string()))?;
        if r.format != crate::FORMAT_NAME || r.kind != "survival" {
            return Err(not_a_report("not a churn-report of kind \"survival\"".into()));
        }
        Ok(r)
    }

    /// `report.json`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serialises") + "\n"
    }

    /// `report.html`, `report.md` and `report.json`.
    pub fn render(&self) -> Rendered {
        vec![
            ("report.html".to_string(), self.to_html().into_bytes()),
            ("report.md".to_string(), self.to_markdown().into_bytes()),
            ("report.json".to_string(), self.to_json().into_bytes()),
        ]
    }

    /// Writes the report into `dir` (see [`crate::Report::write_dir`]).
    pub fn write_dir(&self, dir: &Path) -> Result<Vec<std::path::PathBuf>> {
        write_files(dir, &self.render())
    }
}
