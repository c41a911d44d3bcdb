//! `churn drift`: compare a fresh extract with the training profile stored in the model.
//!
//! Exit codes: 0 no drift beyond thresholds, 1 drift, 2 error (returned as `Err`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use churn_core::Table;
use churn_drift::{check_model, load_model, render, Thresholds};

/// `churn drift`.
#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    /// The model file (it carries the training profile).
    #[arg(long, value_name = "MODEL")]
    pub model: PathBuf,
    /// The current data (CSV or CSV.gz) with the model's feature columns.
    #[arg(long, value_name = "CURRENT")]
    pub data: PathBuf,
    /// A label column: also compare AUC, Brier score and calibration with training.
    #[arg(long, value_name = "COL")]
    pub label: Option<String>,
    /// Also write the report as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write the report as Markdown (e.g. a CI job summary).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Also write the report as a self-contained HTML section.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Project file whose `[drift]` table sets thresholds.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

fn write(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    churn_core::output::write_atomic(path, text.as_bytes()).with_context(|| format!("writing {}", path.display()))
}

/// Runs the drift check, prints the console table, writes the requested files.
pub fn run(a: &DriftArgs) -> anyhow::Result<ExitCode> {
    let thresholds = match &a.config {
        Some(p) => super::project::load_config(p)?.drift,
        None => Thresholds::default(),
    };
    let (model, profile) = load_model(&a.model)?;
    let table = Table::read(&a.data)?;
    let labels = match &a.label {
        Some(col) => {
            let mut spec = model.schema.label.clone();
            spec.column = col.clone();
            Some(spec.read(&table).with_context(|| format!("reading the label column `{col}`"))?)
        }
        None => None,
    };
    let report = if model.survival.is_some() {
        crate::cmd::survival::drift(&model, &profile, &table, labels.is_some(), &thresholds)?
    } else {
        check_model(&model, &profile, &table, labels.as_deref(), &thresholds)?
    };
    print!("{}", render::console(&report));
    if let Some(p) = &a.json {
        write(p, &render::json(&report))?;
    }
    if let Some(p) = &a.markdown {
        write(p, &render::markdown(&report))?;
    }
    if let Some(p) = &a.html {
        write(p, &render::html(&report))?;
    }
    Ok(ExitCode::from(report.exit_code()))
}
