//! Stand-in for `churn features --spec SPEC [--data-dir DIR] --out FILE` (used by the benchmark
//! before the CLI is wired): calls [`churn_features::run`] and prints its summary.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let get = |n: &str| args.iter().position(|a| a == n).and_then(|i| args.get(i + 1)).map(PathBuf::from);
    let (Some(spec), Some(out)) = (get("--spec"), get("--out")) else {
        eprintln!("usage: features --spec SPEC [--data-dir DIR] --out FILE");
        return ExitCode::from(2);
    };
    match churn_features::run(&spec, get("--data-dir").as_deref(), &out) {
        Ok(summary) => {
            use std::io::Write;
            let _ = writeln!(std::io::stdout(), "{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
