//! One module per subcommand; each turns its arguments into a job, runs it, and reports.

use std::process::ExitCode;

use crate::args::{Cli, Command};

pub mod compare;
mod demo;
mod docs;
pub mod drift;
mod evaluate;
pub mod explain;
mod features;
pub mod health;
pub mod project;
pub mod report;
mod score;
mod simulate;
pub mod sql;
pub mod survival;
mod train;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Drift(a) => return drift::run(&a),
        Command::Features(a) => features::run(&a),
        Command::ExportSql(a) => sql::export(&a),
        Command::Report(a) => report::run(&a),
        Command::Health { cmd } => health::run(&cmd),
        Command::Compare(a) => return compare::run(&a),
        Command::Train(a) => train::run(&a),
        Command::Score(a) => score::run(&a),
        Command::Evaluate(a) => evaluate::run(&a),
        Command::Simulate(a) => simulate::run(&a),
        Command::Demo(a) => demo::run(&a),
        Command::Explain(a) => explain::run(&a),
        Command::Completions { shell } => docs::completions(shell),
        Command::Man => docs::man(),
    }
    .map(|()| ExitCode::SUCCESS)
}

/// Formats an optional metric.
pub fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |x| format!("{x:.4}"))
}
