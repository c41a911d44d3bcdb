//! `churn compare`: reports side by side, with the significance of every difference.

use std::path::PathBuf;

use anyhow::Context;
use churn_report::{compare, CompareOptions, Report};

/// `churn compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Report files (report.json); the first is the reference, e.g. the model in service.
    #[arg(value_name = "REPORT", num_args = 2.., required = true)]
    pub reports: Vec<PathBuf>,
    /// Paired bootstrap replicates for the metrics other than AUC.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub bootstrap: usize,
    /// Bootstrap seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Significance level.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Also write the comparison as Markdown.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also write the comparison as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

pub fn run(a: &CompareArgs) -> anyhow::Result<()> {
    let reports = a.reports.iter().map(|p| Report::load(p)).collect::<Result<Vec<_>, _>>()?;
    let c = compare(&reports, &CompareOptions { bootstrap: a.bootstrap, seed: a.seed, alpha: a.alpha })?;
    let md = c.to_markdown();
    for w in &c.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(p) = &a.out {
        churn_core::output::write_atomic(p, md.as_bytes()).with_context(|| format!("writing {}", p.display()))?;
    }
    if let Some(p) = &a.json {
        churn_core::output::write_atomic(p, c.to_json().as_bytes())
            .with_context(|| format!("writing {}", p.display()))?;
    }
    print!("{md}");
    Ok(())
}
