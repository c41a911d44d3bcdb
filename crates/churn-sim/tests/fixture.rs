//! `datasets/saas-small/` is exactly what `SimConfig::saas_small()` produces.
//!
//! To regenerate it after an intentional change of the model:
//! `CHURN_SIM_BLESS=1 cargo test -p churn-sim --test fixture`.

mod common;

use churn_sim::{simulate, SimConfig};
use common::{fixture_dir, read_dir, run};

const FILES: [&str; 6] = ["accounts.csv", "nps.csv", "snapshot.csv", "subscriptions.csv", "tickets.csv", "usage.csv"];

#[test]
fn regenerating_the_fixture_reproduces_it_byte_for_byte() {
    let config = SimConfig::saas_small();
    if std::env::var_os("CHURN_SIM_BLESS").is_some() {
        simulate(&config, &fixture_dir()).unwrap();
    }
    let (dir, summary) = run(&config, 2);
    let fresh = read_dir(dir.path());
    let committed = read_dir(&fixture_dir());
    for name in FILES {
        let c = committed.get(name).unwrap_or_else(|| panic!("datasets/saas-small/{name} is missing"));
        assert!(c == &fresh[name], "datasets/saas-small/{name} differs from a fresh run of SimConfig::saas_small()");
    }
    let total: u64 = FILES.iter().map(|n| committed[*n].len() as u64).sum();
    assert!(total < 2_100_000, "fixture is {total} bytes");
    // Enough positives for a demo model.
    assert!(summary.snapshot_churned >= 10, "{summary:?}");
}
