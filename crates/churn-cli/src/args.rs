//! Command-line arguments. These names and flags are a contract scripts rely on.

use std::path::PathBuf;

use churn_core::tiers::TierScheme;
use churn_score::Format;
use churn_sql::{Dialect, DIALECTS};
use churn_train::{ClassWeight, SelectBy};
use clap::{Args, Parser, Subcommand};

use crate::values::{one_of, CvFolds, ModelChoice, SimKind};

/// Churn prediction for customer-success teams: train, evaluate and score churn models.
#[derive(Debug, Parser)]
#[command(name = "churn", version, about = crate::help::ABOUT, after_help = crate::help::TOP, propagate_version = true)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Rules across the parsed values, checked before any file is read; a broken one is a usage
    /// error (exit 2) as a bad value is.
    pub fn validate(&self) -> Result<(), clap::Error> {
        use clap::CommandFactory;
        if let Command::Train(a) = &self.command {
            if a.models.len() > 1 && a.models.contains(&ModelChoice::Auto) {
                return Err(Cli::command().error(
                    clap::error::ErrorKind::ArgumentConflict,
                    "--models: `auto` (every family) cannot be listed with other families",
                ));
            }
        }
        Ok(())
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run
pub enum Command {
    /// Train a model from a labeled CSV file and write a versioned model file.
    #[command(after_help = crate::help::TRAIN)]
    Train(TrainArgs),
    /// Score every row of a CSV file with a model: churn probability, risk tier, health.
    #[command(after_help = crate::help::SCORE)]
    Score(ScoreArgs),
    /// Evaluate a model on labeled data: AUC, PR-AUC, Brier, log loss, lift.
    #[command(after_help = crate::help::EVALUATE)]
    Evaluate(EvaluateArgs),
    /// Write a deterministic simulated SaaS customer base.
    #[command(after_help = crate::help::SIMULATE)]
    Simulate(SimulateArgs),
    /// Simulate, train, evaluate and score, end to end.
    #[command(after_help = crate::help::DEMO)]
    Demo(DemoArgs),
    /// Build a feature table (one row per account per snapshot) from usage over time.
    #[command(after_help = crate::help::FEATURES)]
    Features(FeaturesArgs),
    /// Compile a model to one SQL query (probability, risk tier, health) for a warehouse.
    ExportSql(crate::cmd::sql::ExportSqlArgs),
    /// Write a model report (HTML, Markdown, JSON, PNG charts) on labeled data.
    #[command(after_help = crate::help::REPORT)]
    Report(crate::cmd::report::ReportArgs),
    /// Compare model reports side by side, with significance tests.
    #[command(after_help = crate::help::COMPARE)]
    Compare(crate::cmd::compare::CompareArgs),
    /// Compare new data with the model's training profile: feature, score and performance drift (exit 1 on drift).
    #[command(after_help = crate::help::DRIFT)]
    Drift(crate::cmd::drift::DriftArgs),
    /// Rule-based customer health score: validate it against churn.
    #[command(after_help = crate::help::HEALTH)]
    Health {
        /// What to do.
        #[command(subcommand)]
        cmd: crate::cmd::health::HealthCommand,
    },
    /// Explain one account's score for a CSM: probability, tier, every feature's contribution.
    #[command(after_help = crate::help::EXPLAIN)]
    Explain(crate::cmd::explain::ExplainArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell) generated from this command line.
    #[command(after_help = crate::help::COMPLETIONS)]
    Completions {
        /// The shell.
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) generated from this command line.
    #[command(after_help = crate::help::MAN)]
    Man,
}

/// `churn features`.
#[derive(Debug, Args)]
pub struct FeaturesArgs {
    /// The feature spec (TOML).
    #[arg(long, value_name = "SPEC")]
    pub spec: PathBuf,
    /// Folder the spec's file names are relative to (default: the spec's folder).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Output CSV; the feature dictionary is written beside it (`OUT.dictionary.json`). With
    /// --emit-sql: the SQL file (default: standard output).
    #[arg(long, value_name = "FILE", required_unless_present = "emit_sql")]
    pub out: Option<PathBuf>,
    /// Instead of computing the features: write the spec compiled to one SQL query.
    #[arg(long, requires = "dialect")]
    pub emit_sql: bool,
    /// SQL dialect for --emit-sql.
    #[arg(long, value_name = "DIALECT", requires = "emit_sql", ignore_case = true, value_parser = one_of::<Dialect>(DIALECTS))]
    pub dialect: Option<Dialect>,
    /// Table names for --emit-sql, e.g. `activity=db.events` (tables: activity,
    /// subscriptions, static_1, ...); repeatable.
    #[arg(long = "table", value_name = "NAME=TABLE", requires = "emit_sql", value_parser = crate::values::table_rename)]
    pub tables: Vec<(String, String)>,
}

/// `churn train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Training data (CSV or CSV.gz) with a label column.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The label column (or `data.label` in the config).
    #[arg(long, value_name = "COL")]
    pub label: Option<String>,
    /// The label value that means churn (guessed for yes/no, true/false and 1/0 labels).
    #[arg(long, value_name = "VALUE")]
    pub positive: Option<String>,
    /// The identifier column: carried to outputs, never a feature.
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
    /// Columns never to use as features.
    #[arg(long, value_name = "COL,COL", value_delimiter = ',')]
    pub drop: Vec<String>,
    /// Identifier-like columns to use as features anyway.
    #[arg(long, value_name = "COL,COL", value_delimiter = ',')]
    pub keep: Vec<String>,
    /// Project file with data options, column types and risk tiers.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Risk tiers: absolute (fixed probability bands) or percentile (cut points at quantiles of
    /// the test split's scores, stored in the model: top 5%, next 10%, 15%, 30%, bottom 40%).
    #[arg(long, default_value = "absolute", value_name = "SCHEME", value_parser = one_of::<TierScheme>(TierScheme::ALL.map(TierScheme::name)))]
    pub tier_scheme: TierScheme,
    /// Seed of the split and every random choice: same seed, same model file.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Class weights: none (default: unweighted, the best calibrated), balanced, or CHURNED:RETAINED.
    #[arg(long, default_value = "none", value_name = "W", value_parser = clap::value_parser!(ClassWeight))]
    pub class_weight: ClassWeight,
    /// Learners to try: auto (all), or a list such as gbdt,logistic.
    #[arg(long, default_value = "auto", value_name = "LIST", value_delimiter = ',', value_parser = crate::values::model_choice())]
    pub models: Vec<ModelChoice>,
    /// Validation metric that picks the winner.
    #[arg(long, default_value = "auc", value_name = "METRIC", value_parser = one_of::<SelectBy>(SelectBy::ALL.map(SelectBy::name)))]
    pub select: SelectBy,
    /// Do not refit the winner on train + validation rows.
    #[arg(long)]
    pub no_refit: bool,
    /// Gradient boosting: exactly N rounds (trees) per candidate, no early stopping.
    #[arg(long, value_name = "N")]
    pub gbdt_trees: Option<usize>,
    /// Rank and calibrate candidates by K-fold cross-validation on train + validation rows:
    /// auto (5 folds unless train + validation hold more than 5 million rows × model inputs),
    /// off (the validation split), or K.
    #[arg(long, default_value = "auto", value_name = "K", value_parser = clap::value_parser!(CvFolds))]
    pub cv_folds: CvFolds,
    /// Model name stored in the file (default: the data file's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Version label stored in the file.
    #[arg(long, default_value = "1")]
    pub model_version: String,
    /// Also write the model report of the test split into this folder.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Feature dictionary (`churn features` output) to carry into the model file.
    #[arg(long, value_name = "FILE")]
    pub features: Option<PathBuf>,
    /// Where to write the model file (JSON).
    #[arg(long, value_name = "MODEL")]
    pub out: PathBuf,
    /// Time to churn: the column holding the time observed so far (to churn when the label is
    /// positive, to now otherwise); trains a survival model.
    #[arg(long, value_name = "COL", requires = "horizons")]
    pub time: Option<String>,
    /// Survival horizons, in the time column's unit (with --time).
    #[arg(long, value_name = "H,H", value_delimiter = ',', requires = "time")]
    pub horizons: Vec<f64>,
    /// The horizon of churn_probability, tiers and actions (default: the longest).
    #[arg(long, value_name = "H", requires = "time")]
    pub main_horizon: Option<f64>,
    /// The time column's unit, stored in the model (informational).
    #[arg(long, value_name = "UNIT", default_value = "periods", requires = "time")]
    pub time_unit: String,
}

/// `churn score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The model file.
    #[arg(long, value_name = "MODEL")]
    pub model: PathBuf,
    /// Data to score (CSV, CSV.gz or Parquet, recognised by content); a label column is ignored.
    #[arg(long, value_name = "FILE", required_unless_present = "as_of")]
    pub data: Option<PathBuf>,
    /// Instead of --data: recompute the model's features from raw activity at this snapshot
    /// date (YYYY-MM-DD), with the feature spec stored in the model.
    #[arg(long, value_name = "DATE", requires = "activity_dir", conflicts_with = "data", value_parser = crate::values::date)]
    pub as_of: Option<String>,
    /// Folder holding the raw activity files named in the model's feature spec.
    #[arg(long, value_name = "DIR")]
    pub activity_dir: Option<PathBuf>,
    /// Output file (see --format), one row per input row, in input order.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Where rows that cannot be scored are listed (default: OUT.rejects.csv).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Largest fraction of rejected rows before the run fails (0 = any reject fails).
    #[arg(long, default_value_t = 0.0, value_name = "R")]
    pub max_reject_rate: f64,
    /// Output format.
    #[arg(long, default_value = "csv", value_parser = one_of::<Format>(Format::ALL.map(Format::name)))]
    pub format: Format,
    /// Risk drivers per account (0 turns them off).
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub drivers: usize,
    /// Columns never named as drivers, e.g. protected attributes (added to `[drivers] exclude`
    /// of --config); a name that is not a model column is an error.
    #[arg(long, value_name = "COL,COL", value_delimiter = ',')]
    pub drivers_exclude: Vec<String>,
    /// Smallest contribution (log-odds) named as a driver (default: `[drivers]
    /// min_contribution` of --config, else 0.05).
    #[arg(long, value_name = "X")]
    pub drivers_min: Option<f64>,
    /// Revenue column (e.g. MRR) to total per tier and health state, and revenue at risk.
    #[arg(long, value_name = "COL")]
    pub revenue: Option<String>,
    /// Project file: a `[health]` table replaces the default health score 100 × (1 − p) with a
    /// rule-based composite.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the summary JSON goes (default: `OUT.summary.json` beside the output, e.g.
    /// `scores.csv.summary.json`).
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Write CSV cells exactly, without prefixing `'` to text a spreadsheet would run as a formula.
    #[arg(long)]
    pub raw_csv: bool,
    /// No progress and no summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `churn evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The model file.
    #[arg(long, value_name = "MODEL")]
    pub model: PathBuf,
    /// Labeled data (CSV or CSV.gz).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The label column, if not the one the model was trained with.
    #[arg(long, value_name = "COL")]
    pub label: Option<String>,
    /// Also write the metrics as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// `churn simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// What to simulate: `saas` (subscriptions and usage) or `transactions` (a shop's
    /// purchase log without subscriptions: transactions.csv).
    #[arg(long, default_value = "saas", value_enum)]
    pub kind: SimKind,
    /// Number of accounts.
    #[arg(long, default_value_t = 5000)]
    pub accounts: u64,
    /// Seed: same seed, same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Days simulated.
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    /// Also write one row per raw event (events.csv).
    #[arg(long)]
    pub raw_events: bool,
    /// Write gzipped CSV files.
    #[arg(long)]
    pub gzip: bool,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `churn demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR", default_value = "demo-out")]
    pub out: PathBuf,
    /// Accounts per simulated customer base.
    #[arg(long, default_value_t = 5000)]
    pub accounts: u64,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}
