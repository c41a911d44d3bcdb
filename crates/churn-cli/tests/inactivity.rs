//! Churn without subscriptions, through the binary: the simulator's transaction log, the
//! example spec of `datasets/transactions-small`, features -> train -> score --as-of -> report
//! -> drift, and bad input (exit 2, nothing written).

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use churn_core::date::parse_date;
use common::*;
use predicates::prelude::*;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/transactions-small")
}

#[test]
fn the_simulator_writes_the_committed_example_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    churn()
        .args(["simulate", "--kind", "transactions", "--accounts", "1500", "--days", "540", "--seed", "1", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("data_end = 2025-06-24"));
    let got = std::fs::read(dir.path().join("transactions.csv")).unwrap();
    assert_eq!(got, std::fs::read(example().join("transactions.csv")).unwrap());
}

/// Customers with a purchase in `[t - 365, t)`, from the raw file.
fn active_customers(t: i32) -> BTreeSet<String> {
    let text = std::fs::read_to_string(example().join("transactions.csv")).unwrap();
    let mut out = BTreeSet::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let d = parse_date(&f[1][..10]).unwrap();
        if f[2] == "purchase" && d < t && d >= t - 365 {
            out.insert(f[0].to_string());
        }
    }
    out
}

#[test]
fn features_train_score_report_and_drift_without_subscriptions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let feats = d.join("features.csv");
    churn().args(["features", "--spec"]).arg(example().join("spec.toml")).arg("--out").arg(&feats).assert().success();
    let table = std::fs::read_to_string(&feats).unwrap();
    let header: Vec<&str> = table.lines().next().unwrap().split(',').collect();
    assert_eq!(header[0], "customer_id");
    for c in ["purchase_overdue", "purchase_bgnbd_p_alive", "purchase_value_trend_6x30d", "churned"] {
        assert!(header.contains(&c), "{c} missing: {header:?}");
    }
    // Labels recomputed from the raw log: churned = no purchase in [t, t + 90).
    let raw = std::fs::read_to_string(example().join("transactions.csv")).unwrap();
    let mut buys: HashMap<&str, Vec<i32>> = HashMap::new();
    for line in raw.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[2] == "purchase" {
            buys.entry(f[0]).or_default().push(parse_date(&f[1][..10]).unwrap());
        }
    }
    let mut rows = 0;
    for line in table.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let t = parse_date(f[1]).unwrap();
        let b = &buys[f[0]];
        assert!(b.iter().any(|&x| x < t && x >= t - 365), "{line}: not in the population");
        let churned = !b.iter().any(|&x| x >= t && x < t + 90);
        assert_eq!(f[f.len() - 1], if churned { "1" } else { "0" }, "{line}");
        rows += 1;
    }
    assert!(rows > 10_000, "{rows}");

    let model = d.join("model.json");
    churn()
        .args(["train", "--data"])
        .arg(&feats)
        .arg("--features")
        .arg(d.join("features.csv.dictionary.json"))
        .args(["--models", "logistic,tree", "--out"])
        .arg(&model)
        .assert()
        .success();
    // Scoring from the raw log: every customer with a purchase in the year before the date.
    let scores = d.join("scores.csv");
    churn()
        .args(["score", "--model"])
        .arg(&model)
        .args(["--as-of", "2025-06-24", "--activity-dir"])
        .arg(example())
        .arg("--out")
        .arg(&scores)
        .assert()
        .success();
    let got: BTreeSet<String> = std::fs::read_to_string(&scores)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    let want = active_customers(parse_date("2025-06-24").unwrap());
    assert!(want.len() > 500);
    assert_eq!(got, want);
    churn()
        .args(["report", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&feats)
        .args(["--bootstrap", "20", "--permutation-repeats", "0", "--quiet", "--out"])
        .arg(d.join("report"))
        .assert()
        .success();
    assert!(d.join("report/report.html").exists());
    churn().args(["drift", "--model"]).arg(&model).arg("--data").arg(&feats).assert().success();
}

fn features_fail(spec: &str, transactions: &str, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("spec.toml"), spec).unwrap();
    std::fs::write(d.join("transactions.csv"), transactions).unwrap();
    let out = d.join("features.csv");
    churn()
        .args(["features", "--spec"])
        .arg(d.join("spec.toml"))
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(message));
    assert!(!out.exists(), "written despite the error");
    assert_eq!(files_in(d), vec!["spec.toml".to_string(), "transactions.csv".to_string()]);
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let spec = std::fs::read_to_string(example().join("spec.toml")).unwrap();
    let good = "customer_id,timestamp,event_type,amount\nC1,2024-01-03,purchase,5\nC1,2024-02-03,purchase,7\n\
                C2,2024-01-05,purchase,3\nC2,2024-03-05,purchase,3\n";
    features_fail(
        &spec,
        &format!("{good}C3,2024-01-05,purchase,12.5 EUR\n"),
        "transactions.csv line 6, column `amount`: cannot parse '12.5 EUR' as a number",
    );
    features_fail(
        &spec
            .replace("end = \"2025-03-01\"", "end = \"2025-06-01\"")
            .replace("start = \"2024-06-01\"", "start = \"2025-04-01\""),
        good,
        "the outcome window of every snapshot reaches past data_end 2025-06-24",
    );
    features_fail(
        &spec
            .replace("[snapshots]", "[subscriptions]\nfile = \"s.csv\"\nstart = \"a\"\nend = \"b\"\n[snapshots]")
            .replace("kind = \"inactivity\"\n", "")
            .replace("events = [\"purchase\"]", ""),
        good,
        "`[population]` is for inactivity labels",
    );
    features_fail(
        &spec,
        "customer_id,timestamp,event_type,amount\nC1,2024-01-03,purchase,5\nC1,2024-02-03,visit,0\nC2,2024-01-05,purchase,3\n",
        "BG/NBD needs repeat activity",
    );
}
