//! `churn report`: a model report on labeled data.

use std::path::PathBuf;

use anyhow::Context;
use churn_core::Table;
use churn_model::ModelFile;
use churn_report::{build_from_table, ReportOptions};

/// `churn report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The model file.
    #[arg(long, value_name = "MODEL")]
    pub model: PathBuf,
    /// Labeled data (CSV or CSV.gz) with the model's columns and the label.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Output folder: report.html, report.md, report.json and PNG charts.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The label column, if not the one the model was trained with.
    #[arg(long, value_name = "COL")]
    pub label: Option<String>,
    /// Break the key metrics down by these columns.
    #[arg(long, value_name = "COL,COL", value_delimiter = ',')]
    pub segment_by: Vec<String>,
    /// Cost of an unneeded intervention (false alarm), for the minimum-cost threshold.
    #[arg(long, default_value_t = 1.0, value_name = "X")]
    pub cost_fp: f64,
    /// Cost of a missed churn, for the minimum-cost threshold.
    #[arg(long, default_value_t = 5.0, value_name = "Y")]
    pub cost_fn: f64,
    /// Accounts the team can contact (default: 10% of the rows).
    #[arg(long, value_name = "N")]
    pub capacity: Option<usize>,
    /// Bootstrap replicates of the 95% intervals.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub bootstrap: usize,
    /// Seed of the bootstrap and of permutation importance.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Bins of the reliability tables.
    #[arg(long, default_value_t = 10)]
    pub bins: usize,
    /// Surprise churns listed (all are counted).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub max_surprises: usize,
    /// Permutation-importance repeats (0: off).
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub permutation_repeats: usize,
    /// No summary on stdout.
    #[arg(long, short)]
    pub quiet: bool,
}

impl ReportArgs {
    /// The validated report options.
    pub fn options(&self) -> anyhow::Result<ReportOptions> {
        let o = ReportOptions {
            bootstrap: self.bootstrap,
            seed: self.seed,
            cost_fp: self.cost_fp,
            cost_fn: self.cost_fn,
            capacity: self.capacity,
            bins: self.bins,
            segment_by: self.segment_by.clone(),
            label: self.label.clone(),
            max_surprises: self.max_surprises,
            permutation_repeats: self.permutation_repeats,
            ..ReportOptions::default()
        };
        o.validate()?;
        Ok(o)
    }
}

/// Prints the headline numbers of a written report.
pub fn print_summary(r: &churn_report::Report, out: &std::path::Path) {
    let m = &r.metrics;
    println!(
        "report of {} ({}) on {}: {} rows, {} churned",
        r.model.name, r.model.learner, r.data.source, m.n, m.n_positive
    );
    for (name, v, ci) in [
        ("AUC", m.auc, m.auc_ci),
        ("PR-AUC", m.pr_auc, m.pr_auc_ci),
        ("Brier", m.brier, m.brier_ci),
        ("log loss", m.log_loss, m.log_loss_ci),
        ("ECE", m.ece, m.ece_ci),
    ] {
        println!("  {name:<9} {v:.4}  [{:.4}, {:.4}]", ci.lo, ci.hi);
    }
    let t = &r.thresholds;
    println!(
        "  max F1 at p >= {:.4}: {} alerts, precision {:.3}, recall {:.3}",
        t.max_f1.threshold, t.max_f1.alerts, t.max_f1.precision, t.max_f1.recall
    );
    println!(
        "  surprise churns: {} of {} churners ({:.1}%)",
        r.surprise_churns.count,
        r.surprise_churns.churned,
        100.0 * r.surprise_churns.rate
    );
    println!("written to {}", out.display());
}

pub fn run(a: &ReportArgs) -> anyhow::Result<()> {
    let opts = a.options()?;
    let model = ModelFile::load(&a.model)?;
    let table = Table::read(&a.data)?;
    if model.survival.is_some() {
        return crate::cmd::survival::report(a, &model, &table);
    }
    let report = build_from_table(&model, &table, None, &opts)?;
    report.write_dir(&a.out).with_context(|| format!("writing the report to {}", a.out.display()))?;
    if !a.quiet {
        print_summary(&report, &a.out);
    }
    for w in &report.warnings {
        eprintln!("{w}");
    }
    Ok(())
}
