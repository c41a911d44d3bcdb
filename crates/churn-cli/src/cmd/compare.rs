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
    /// Promotion gate: exit 1 when a challenger (every report after the first) is
    /// significantly worse than the first on METRIC (default auc, by DeLong's test; the other
    /// metrics by paired bootstrap): auc, pr_auc, brier, log_loss, ece, ks. Survival reports:
    /// harrell_c (the default), integrated_brier or brier_H (H a horizon, e.g. brier_24), by paired bootstrap.
    #[arg(long, value_name = "METRIC", num_args = 0..=1, default_missing_value = "auc")]
    pub fail_if_worse: Option<String>,
}

pub fn run(a: &CompareArgs) -> anyhow::Result<std::process::ExitCode> {
    let options = CompareOptions { bootstrap: a.bootstrap, seed: a.seed, alpha: a.alpha };
    let (c, metric) = match crate::cmd::survival::compare(&a.reports, &options, a.fail_if_worse.as_deref())? {
        Some(survival) => survival,
        None => {
            let reports = a.reports.iter().map(|p| Report::load(p)).collect::<Result<Vec<_>, _>>()?;
            (compare(&reports, &options)?, a.fail_if_worse.clone().unwrap_or_else(|| "auc".into()))
        }
    };
    let verdict = churn_report::gate::gate(&c, &metric)?;
    let md = c.to_markdown();
    for w in &c.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(p) = &a.out {
        churn_core::output::write_atomic(p, md.as_bytes()).with_context(|| format!("writing {}", p.display()))?;
    }
    if let Some(p) = &a.json {
        // The comparison with the gate's verdict, which states significance.
        let mut json: serde_json::Value = serde_json::from_str(&c.to_json())?;
        json["gate"] = serde_json::to_value(&verdict)?;
        json["gate"]["enforced"] = a.fail_if_worse.is_some().into();
        churn_core::output::write_atomic(p, (serde_json::to_string_pretty(&json)? + "\n").as_bytes())
            .with_context(|| format!("writing {}", p.display()))?;
    }
    print!("{md}");
    if a.fail_if_worse.is_some() {
        println!("gate ({}): {}", verdict.metric, verdict.summary);
        if verdict.fail {
            return Ok(std::process::ExitCode::from(1));
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
