//! The main path: train, score, evaluate; determinism; nothing lost.

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn same_seed_same_model_bytes_other_seed_other_model() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", &customers_csv(1000, 5));
    let train = |seed: &str, out: &str| {
        churn()
            .args(["train", "--data"])
            .arg(&data)
            .args(["--label", "churned", "--id", "account_id", "--seed", seed, "--out"])
            .arg(dir.path().join(out))
            .assert()
            .success();
        std::fs::read(dir.path().join(out)).unwrap()
    };
    let a = train("3", "a.json");
    let b = train("3", "b.json");
    let c = train("4", "c.json");
    assert!(a == b, "same seed gave different model files");
    assert!(a != c, "a different seed gave the same model file");
}

#[test]
fn score_keeps_every_row_in_order_and_ignores_the_label() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained_model(dir.path());
    let input = customers_csv(700, 11);
    let with_label = write(dir.path(), "with_label.csv", &input);
    // The same rows without the label column give the same scores.
    let without: String = input.lines().map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n").collect();
    let without_label = write(dir.path(), "without_label.csv", &without);
    let out_a = dir.path().join("a.csv");
    let out_b = dir.path().join("b.csv");
    for (data, out) in [(&with_label, &out_a), (&without_label, &out_b)] {
        churn()
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .args(["score", "--model"])
            .arg(&model)
            .arg("--data")
            .arg(data)
            .arg("--out")
            .arg(out)
            .assert()
            .success()
            .stderr(predicate::str::contains("scored 700 of 700 rows (0 rejected)"));
    }
    let a = std::fs::read_to_string(&out_a).unwrap();
    assert_eq!(a, std::fs::read_to_string(&out_b).unwrap());
    let mut lines = a.lines();
    assert_eq!(
        lines.next(),
        Some("account_id,churn_probability,risk_tier,health_score,health_state,risk_driver_1,risk_driver_2,risk_driver_3,recommended_action,model_id,model_version,scored_at")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 700);
    let tiers = churn_core::Bands::default_tiers();
    let states = churn_core::Bands::default_health_states();
    let model_json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let inputs: Vec<Vec<&str>> = input.lines().skip(1).map(|l| l.split(',').collect()).collect();
    let header: Vec<&str> = input.lines().next().unwrap().split(',').collect();
    let mut drivers_seen = 0;
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.len(), 12);
        assert_eq!(r[0], format!("A{i:05}"), "rows out of order");
        let p: f64 = r[1].parse().unwrap();
        assert!((0.0..=1.0).contains(&p));
        assert_eq!(r[2], tiers.band_of(p).name);
        let h: f64 = r[3].parse().unwrap();
        assert!((h - 100.0 * (1.0 - p)).abs() <= 0.05 + 1e-9);
        assert_eq!(r[4], states.band_of(h).name, "the state is that of the printed score");
        // Drivers: `column=value (+contribution)`, risk-raising, largest first, values as read.
        let mut last = f64::INFINITY;
        for d in &r[5..8] {
            if d.is_empty() {
                continue;
            }
            drivers_seen += 1;
            let (feature, rest) = d.split_once('=').unwrap();
            let (value, contrib) = rest.rsplit_once(" (").unwrap();
            let c: f64 = contrib.trim_end_matches(')').parse().unwrap();
            assert!(c > 0.0 && c <= last, "{d}");
            last = c;
            let col = header.iter().position(|h| *h == feature).unwrap();
            let raw = inputs[i][col];
            assert_eq!(value, if raw.is_empty() { "missing" } else { raw }, "{d}");
        }
        assert_eq!(Some(r[8]), tiers.band_of(p).action.as_deref());
        assert_eq!(r[9], model_json["model_id"].as_str().unwrap());
        assert_eq!(r[10], "1");
        assert_eq!(r[11], "2026-01-01T00:00:00Z");
    }
    assert!(drivers_seen > 700, "too few drivers: {drivers_seen}");
}

#[test]
fn rejects_are_listed_and_the_rate_is_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained_model(dir.path());
    let mut lines: Vec<String> = customers_csv(100, 12).lines().map(String::from).collect();
    for k in [10, 20] {
        let mut f: Vec<String> = lines[k].split(',').map(String::from).collect();
        f[3] = "lots".into();
        lines[k] = f.join(",");
    }
    let data = write(dir.path(), "two_bad.csv", &(lines.join("\n") + "\n"));
    let out = dir.path().join("scores.csv");
    churn()
        .args(["score", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .args(["--max-reject-rate", "0.05"])
        .assert()
        .success()
        .stderr(predicate::str::contains("scored 98 of 100 rows (2 rejected)"));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 99);
    let rejects = std::fs::read_to_string(dir.path().join("scores.csv.rejects.csv")).unwrap();
    assert_eq!(rejects, "line,column,value,reason\n11,logins_30d,lots,not a number\n21,logins_30d,lots,not a number\n");
    std::fs::remove_file(&out).unwrap();
    churn()
        .args(["score", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .args(["--max-reject-rate", "0.01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("2 of 100 rows rejected (2.00%, above the allowed 1.00%); first:"))
        .stderr(predicate::str::contains("two_bad.csv line 11, column `logins_30d`: not a number ('lots')"));
    assert!(!out.exists());
}

#[test]
fn evaluate_prints_the_metrics_and_writes_json() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained_model(dir.path());
    let data = write(dir.path(), "fresh.csv", &customers_csv(2000, 99));
    let json = dir.path().join("metrics.json");
    churn()
        .args(["evaluate", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--json")
        .arg(&json)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("AUC")
                .and(predicate::str::contains("PR-AUC"))
                .and(predicate::str::contains("Brier"))
                .and(predicate::str::contains("log loss"))
                .and(predicate::str::contains("lift@10%")),
        );
    let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let auc = m["auc"].as_f64().unwrap();
    // The generator's signal is strong: a correct pipeline ranks well on fresh rows.
    assert!(auc > 0.80 && auc < 0.99, "auc {auc}");
    assert_eq!(m["n"], 2000);
    let model_json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let test_auc = model_json["training"]["test_metrics"]["calibrated"]["auc"].as_f64().unwrap();
    assert!((test_auc - auc).abs() < 0.06, "test split {test_auc} vs fresh data {auc}");
}

#[test]
fn model_file_carries_schema_preprocessing_learner_calibrator_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained_model(dir.path());
    let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(m["format"], "churn-model");
    assert_eq!(m["format_version"], 1);
    assert_eq!(m["schema"]["id"], "account_id");
    assert_eq!(m["schema"]["label"]["positive"], "Yes");
    let kinds: Vec<(String, String)> = m["schema"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap().into(), f["kind"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("plan", "categorical"),
            ("monthly_fee", "numeric"),
            ("logins_30d", "numeric"),
            ("tickets", "numeric"),
            ("autopay", "boolean"),
            ("last_nps", "numeric")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    // last_nps has missing values: an explicit indicator, never silent zeros.
    assert!(m["inputs"].as_array().unwrap().iter().any(|v| v == "last_nps__missing"));
    assert_eq!(m["learner"]["kind"], "logistic");
    assert!(m["calibrator"]["a"].as_f64().unwrap() > 0.0);
    let t = &m["training"];
    assert_eq!(
        t["train"]["rows"].as_u64().unwrap()
            + t["validation"]["rows"].as_u64().unwrap()
            + t["test"]["rows"].as_u64().unwrap(),
        1500
    );
    assert!(t["data_fingerprint"].as_str().unwrap().starts_with("fnv1a64:"));
    // Unweighted by default (issue 13): every row weighs 1.
    assert_eq!((t["weight_churned"].as_f64().unwrap(), t["weight_retained"].as_f64().unwrap()), (1.0, 1.0));
}

#[test]
fn train_report_describes_the_test_split_the_model_file_reports() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", &customers_csv(1500, 21));
    let report = dir.path().join("report");
    let model = dir.path().join("m.json");
    churn()
        .args(["train", "--data"])
        .arg(&data)
        .args(["--label", "churned", "--id", "account_id", "--report"])
        .arg(&report)
        .arg("--out")
        .arg(&model)
        .assert()
        .success();
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("report.json")).unwrap()).unwrap();
    let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let test = &m["training"]["test_metrics"]["calibrated"];
    for k in ["auc", "brier", "log_loss"] {
        let (a, b) = (r["metrics"][k].as_f64().unwrap(), test[k].as_f64().unwrap());
        assert!((a - b).abs() < 1e-12, "{k}: report {a} vs model file {b}");
    }
    assert!(report.join("report.html").exists() && report.join("report.md").exists());
}
