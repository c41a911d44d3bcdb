//! `churn`: churn prediction from the command line.

use std::process::ExitCode;

use clap::Parser;

mod args;
mod cmd;
mod help;
mod values;

fn main() -> ExitCode {
    // Parse (every value typed by clap), validate (rules across arguments), then run.
    let cli = args::Cli::parse();
    if let Err(e) = cli.validate() {
        e.exit();
    }
    remove_temps_on_signals();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", message(&err));
            ExitCode::from(2)
        }
    }
}

/// On SIGTERM, SIGINT or SIGHUP: remove the temporary files being written, then exit with
/// 128 + the signal's number, as a shell reports a process the signal ended.
fn remove_temps_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP]) else { return };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            churn_core::publish::remove_live_temps();
            std::process::exit(128 + sig);
        }
    });
}

/// The error and its causes, each said once: a cause whose text the message already contains
/// (`path: Permission denied (os error 13)` caused by `Permission denied (os error 13)`) is
/// not repeated.
fn message(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|e| e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}
