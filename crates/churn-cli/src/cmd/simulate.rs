//! `churn simulate`.

use anyhow::Context;
use churn_sim::{simulate, simulate_transactions, SimConfig, SimSummary, TransactionConfig};

use crate::args::SimulateArgs;

/// Runs the simulator into `out`.
pub fn run_sim(config: &SimConfig, out: &std::path::Path) -> anyhow::Result<SimSummary> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    Ok(simulate(config, out)?)
}

pub fn run(a: &SimulateArgs) -> anyhow::Result<()> {
    if a.kind == crate::values::SimKind::Transactions {
        std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
        let config =
            TransactionConfig { customers: a.accounts, seed: a.seed, days: a.days, ..TransactionConfig::default() };
        let s = simulate_transactions(&config, &a.out)?;
        println!(
            "simulated {} customers ({} dropped out) over {} days: {} purchases, {} visits; data_end = {}",
            s.customers, s.dropped_out, a.days, s.purchases, s.visits, s.data_end
        );
        println!("  {}", s.file.display());
        return Ok(());
    }
    let config = SimConfig {
        accounts: a.accounts,
        seed: a.seed,
        days: a.days,
        raw_events: a.raw_events,
        gzip: a.gzip,
        ..SimConfig::default()
    };
    let s = run_sim(&config, &a.out)?;
    let secs = s.elapsed.as_secs_f64().max(1e-9);
    println!(
        "simulated {} accounts ({} churned) over {} days: {} usage rows, {} events, {} tickets, {} NPS responses in {:.2} s ({:.1} M events/s)",
        s.accounts,
        s.churned,
        a.days,
        s.usage_rows,
        s.events,
        s.tickets,
        s.nps_responses,
        secs,
        s.events as f64 / secs / 1e6
    );
    println!(
        "snapshot at {}: {} accounts, {} churned in the next window",
        s.snapshot_date, s.snapshot_rows, s.snapshot_churned
    );
    for f in &s.files {
        println!("  {}", f.display());
    }
    Ok(())
}
