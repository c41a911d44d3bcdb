//! `churn health validate` on the shipped example.

mod common;

use std::path::Path;

use common::churn;
use predicates::prelude::*;

#[test]
fn validate_measures_the_example_health_score() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("health.json");
    churn()
        .args(["health", "validate", "--config"])
        .arg(root.join("datasets/health-example.toml"))
        .arg("--data")
        .arg(root.join("datasets/customers-small.csv"))
        .args(["--label", "churned", "--json"])
        .arg(&json)
        .assert()
        .success()
        .stdout(predicate::str::contains("AUC (100 - health vs churn): 0.7797"))
        .stdout(predicate::str::contains("Proposed weights: usage 49, support 33, sentiment 6, billing 12"));
    assert!(json.exists());
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(root.join("datasets/health-example.toml")).unwrap().replacen(
            "weight = 35",
            "weight = 25",
            1,
        ),
    )
    .unwrap();
    churn()
        .args(["health", "validate", "--config"])
        .arg(&bad)
        .arg("--data")
        .arg(root.join("datasets/customers-small.csv"))
        .args(["--label", "churned"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("health component weights sum to 90, not 100"));
}
