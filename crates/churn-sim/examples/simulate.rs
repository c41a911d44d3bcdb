//! Runs the simulator from the command line, for benchmarks and exploration:
//!
//! ```text
//! cargo run --release -p churn-sim --example simulate -- --accounts 100000 --seed 1 --out /tmp/sim
//!     [--days 365] [--raw-events] [--gzip] [--threads N]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use churn_sim::{simulate, SimConfig};

fn main() -> ExitCode {
    let mut config = SimConfig::default();
    let mut out = PathBuf::from("sim-out");
    let mut threads = 0usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        let ok = match a.as_str() {
            "--accounts" => value().parse().map(|v| config.accounts = v).is_ok(),
            "--seed" => value().parse().map(|v| config.seed = v).is_ok(),
            "--days" => value().parse().map(|v| config.days = v).is_ok(),
            "--lead" => value().parse().map(|v| config.snapshot_lead_days = v).is_ok(),
            "--horizon" => value().parse().map(|v| config.churn_horizon_days = v).is_ok(),
            "--threads" => value().parse().map(|v| threads = v).is_ok(),
            "--out" => {
                out = PathBuf::from(value());
                true
            }
            "--raw-events" => {
                config.raw_events = true;
                true
            }
            "--gzip" => {
                config.gzip = true;
                true
            }
            _ => false,
        };
        if !ok {
            eprintln!("bad argument: {a}");
            return ExitCode::from(2);
        }
    }
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match pool.install(|| simulate(&config, &out)) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
