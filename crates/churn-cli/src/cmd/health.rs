//! `churn health`: the rule-based customer health score of a project file's `[health]` table.

use std::path::PathBuf;

use anyhow::Context;
use churn_core::Table;
use churn_health::{validate, HealthConfig};

/// `churn health` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum HealthCommand {
    /// Validate the health score against observed churn, like a model: AUC, churn by health
    /// state, surprise churns, per-component AUC and data-driven weights.
    #[command(after_help = crate::help::HEALTH)]
    Validate(ValidateArgs),
}

/// `churn health validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Project file with the `[health]` table (e.g. churn.toml).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Data (CSV or CSV.gz) with the component columns and the label.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The churn label column.
    #[arg(long, value_name = "COL")]
    pub label: String,
    /// The label value meaning churned (default: the true / 1 value of a two-valued column).
    #[arg(long, value_name = "VALUE")]
    pub positive: Option<String>,
    /// Also write the validation as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// Runs a `churn health` subcommand.
pub fn run(cmd: &HealthCommand) -> anyhow::Result<()> {
    match cmd {
        HealthCommand::Validate(a) => run_validate(a),
    }
}

fn run_validate(a: &ValidateArgs) -> anyhow::Result<()> {
    let config = HealthConfig::load(&a.config)?;
    let table = Table::read(&a.data)?;
    let labels = churn_core::schema::resolve_label(&table, &a.label, a.positive.as_deref(), None)?
        .read(&table)
        .with_context(|| format!("reading the label column `{}`", a.label))?;
    let v = validate(&config, &table, &labels)?;
    print!("{}", v.render());
    if let Some(p) = &a.json {
        let text = serde_json::to_string_pretty(&v)?;
        churn_core::output::write_atomic(p, text.as_bytes()).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}
