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

#[test]
fn score_uses_the_configured_health_score() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.csv");
    churn()
        .args(["score", "--model"])
        .arg(root.join("models/golden-v1.json"))
        .arg("--data")
        .arg(root.join("datasets/customers-small.csv"))
        .arg("--config")
        .arg(root.join("datasets/health-example.toml"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let states = churn_core::Bands::default_health_states();
    let mut differs = 0;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (p, h): (f64, f64) = (f[1].parse().unwrap(), f[3].parse().unwrap());
        assert!((0.0..=100.0).contains(&h));
        assert_eq!(f[4], states.band_of(h).name);
        if (h - 100.0 * (1.0 - p)).abs() > 1.0 {
            differs += 1;
        }
    }
    assert!(differs > 300, "the rule-based score should not be 100 × (1 − p): {differs} rows differ");
}
