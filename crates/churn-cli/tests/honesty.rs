//! Summaries that do not overwrite each other, and the honesty warnings (issue 14), through the
//! binary.

mod common;

use std::path::{Path, PathBuf};

use churn_core::rng::Rng;
use common::{churn, customers_csv, trained_model, write};

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

#[test]
fn each_output_keeps_its_own_summary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = trained_model(d);
    let data = write(d, "new.csv", &customers_csv(300, 11));
    let out = d.join("out");
    std::fs::create_dir(&out).unwrap();
    for (file, format) in [("scores.csv", "csv"), ("scores.jsonl", "jsonl"), ("scores.parquet", "parquet")] {
        churn()
            .args(["score", "--quiet", "--model"])
            .arg(&model)
            .arg("--data")
            .arg(&data)
            .args(["--format", format, "--out"])
            .arg(out.join(file))
            .assert()
            .success();
    }
    let names = common::files_in(&out);
    assert!(!names.contains(&"summary.json".to_string()), "{names:?}");
    for file in ["scores.csv", "scores.jsonl", "scores.parquet"] {
        let s = json(&out.join(format!("{file}.summary.json")));
        assert_eq!(Path::new(s["output"].as_str().unwrap()), out.join(file));
        assert_eq!(s["rows_scored"], 300);
    }
    // --summary still decides.
    let chosen = d.join("chosen.json");
    churn()
        .args(["score", "--quiet", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(out.join("again.csv"))
        .arg("--summary")
        .arg(&chosen)
        .assert()
        .success();
    assert_eq!(json(&chosen)["rows_read"], 300);
    assert!(!out.join("again.csv.summary.json").exists());
}

#[test]
fn categories_never_seen_in_training_are_counted_per_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = trained_model(d);
    // Every third `basic` plan becomes `starter`, a plan the model never saw.
    let mut seen_basic = 0;
    let mut renamed = 0;
    let text: String = customers_csv(400, 12)
        .lines()
        .map(|l| {
            let mut f: Vec<String> = l.split(',').map(String::from).collect();
            if f[1] == "basic" {
                seen_basic += 1;
                if seen_basic % 3 == 0 {
                    f[1] = "starter".into();
                    renamed += 1;
                }
            }
            f.join(",") + "\n"
        })
        .collect();
    assert!(renamed > 20);
    let data = write(d, "new.csv", &text);
    let a = churn()
        .args(["score", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(d.join("s.csv"))
        .assert()
        .success();
    let s = json(&d.join("s.csv.summary.json"));
    assert_eq!(s["summary"]["unseen_categories"], serde_json::json!({ "plan": renamed }));
    assert!(stderr(&a).contains(&format!("warning: {renamed} of 400 scored rows have a `plan` value never seen")));
    // Known categories only: nothing is counted, and the summary has no such field.
    churn()
        .args(["score", "--quiet", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(write(d, "known.csv", &customers_csv(200, 13)))
        .arg("--out")
        .arg(d.join("k.csv"))
        .assert()
        .success();
    assert!(json(&d.join("k.csv.summary.json"))["summary"].get("unseen_categories").is_none());
}

#[test]
fn evaluating_or_reporting_on_training_rows_warns() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = trained_model(d); // on train.csv, 1,500 rows
    let m = json(&model);
    let seen = m["training"]["train"]["rows"].as_u64().unwrap() + m["training"]["validation"]["rows"].as_u64().unwrap();
    let share = (seen as f64 / 1500.0 * 100.0).round() as i64;
    let fresh = write(d, "fresh.csv", &customers_csv(800, 99));
    for (data, warned) in [(d.join("train.csv"), true), (fresh, false)] {
        let a = churn().args(["evaluate", "--model"]).arg(&model).arg("--data").arg(&data).assert().success();
        let err = stderr(&a);
        assert_eq!(err.contains("rows the model was trained on"), warned, "{err}");
        if warned {
            // The sketch estimates the share of training rows (train + validation splits).
            let got: i64 = err.split("about ").nth(1).unwrap().split('%').next().unwrap().parse().unwrap();
            assert!((got - share).abs() <= 8, "{got}% vs {share}%");
        }
        let out = d.join(if warned { "r-train" } else { "r-fresh" });
        let a = churn()
            .args(["report", "--bootstrap", "50", "--model"])
            .arg(&model)
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let r = json(&out.join("report.json"));
        let in_json =
            r["warnings"].as_array().is_some_and(|w| w.iter().any(|w| w.as_str().unwrap().contains("trained on")));
        assert_eq!(in_json, warned, "{}", r["warnings"]);
        assert_eq!(stderr(&a).contains("trained on"), warned);
    }
}

/// A table whose label is a coin flip: no model can rank it.
fn noise_csv(n: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut s = String::from("id,x1,x2,churned\n");
    for i in 0..n {
        let churned = rng.next_f64() < 0.3;
        s.push_str(&format!(
            "N{i},{:.3},{:.3},{}\n",
            rng.next_f64(),
            rng.next_f64(),
            if churned { "Yes" } else { "No" }
        ));
    }
    s
}

fn train(d: &Path, data: &Path, id: &str, name: &str) -> (PathBuf, String) {
    let model = d.join(name);
    let a = churn()
        .args(["train", "--data"])
        .arg(data)
        .args(["--label", "churned", "--positive", "Yes", "--id", id, "--models", "logistic", "--out"])
        .arg(&model)
        .assert()
        .success();
    (model, stderr(&a))
}

#[test]
fn an_auc_interval_including_one_half_is_flagged_by_train_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let noise = write(d, "noise.csv", &noise_csv(600, 5));
    let (model, err) = train(d, &noise, "id", "noise.json");
    let m = json(&model);
    let auc = m["training"]["test_metrics"]["calibrated"]["auc"].as_f64().unwrap();
    assert!((auc - 0.5).abs() < 0.12, "{auc}");
    assert!(err.contains("AUC on the test split") && err.contains("includes 0.5"), "{err}");
    let out = d.join("report");
    churn()
        .args(["report", "--bootstrap", "200", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(write(d, "noise2.csv", &noise_csv(600, 6)))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let r = json(&out.join("report.json"));
    let (lo, hi) = (r["metrics"]["auc_ci"]["lo"].as_f64().unwrap(), r["metrics"]["auc_ci"]["hi"].as_f64().unwrap());
    assert!(lo <= 0.5 && 0.5 <= hi, "[{lo}, {hi}]");
    assert!(r["warnings"].to_string().contains("includes 0.5"), "{}", r["warnings"]);
    // A model that ranks well: no such warning.
    let good = write(d, "good.csv", &customers_csv(1500, 7));
    let (_, err) = train(d, &good, "account_id", "good.json");
    assert!(!err.contains("includes 0.5"), "{err}");
}

#[test]
fn the_report_says_when_calibration_was_fitted_out_of_fold() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = trained_model(d);
    let folds = json(&model)["training"]["cv_folds"].as_u64();
    assert!(folds.is_some(), "a 1,500-row table is cross-validated");
    let out = d.join("report");
    churn()
        .args(["report", "--bootstrap", "50", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(write(d, "fresh.csv", &customers_csv(500, 3)))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let r = json(&out.join("report.json"));
    assert_eq!(r["model"]["calibration_folds"].as_u64(), folds);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains(&format!("fitted out of fold ({}-fold cross-validation", folds.unwrap())), "{md}");
    assert!(!md.contains("fitted on the validation split"));
}

#[test]
fn as_of_outside_the_activity_exits_2_and_the_summary_records_folder_and_date() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/transactions-small");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let feats = d.join("features.csv");
    churn().args(["features", "--spec"]).arg(example.join("spec.toml")).arg("--out").arg(&feats).assert().success();
    let model = d.join("model.json");
    churn()
        .args(["train", "--data"])
        .arg(&feats)
        .arg("--features")
        .arg(d.join("features.csv.dictionary.json"))
        .args(["--models", "logistic", "--out"])
        .arg(&model)
        .assert()
        .success();
    let score = |date: &str| {
        churn()
            .args(["score", "--quiet", "--model"])
            .arg(&model)
            .args(["--as-of", date, "--activity-dir"])
            .arg(&example)
            .arg("--out")
            .arg(d.join(format!("s-{date}.csv")))
            .assert()
    };
    // The log runs from 2024-01-01 to 2025-06-23.
    for date in ["2026-01-01", "2025-06-25", "2024-01-01", "2023-06-01"] {
        let a = score(date).code(2);
        let err = stderr(&a);
        assert!(err.contains("outside the activity's date range") && err.contains("2024-01-01 to 2025-06-23"), "{err}");
        assert!(!d.join(format!("s-{date}.csv")).exists());
    }
    score("2025-06-24").success();
    let s = json(&d.join("s-2025-06-24.csv.summary.json"));
    assert_eq!(s["input"]["as_of"], "2025-06-24");
    assert_eq!(Path::new(s["input"]["activity_dir"].as_str().unwrap()), example);
}

#[test]
fn demo_writes_the_summary_the_readme_names() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo-out");
    let a = churn().args(["demo", "--accounts", "400", "--out"]).arg(&out).assert().success();
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    let summary = out.join("scores.csv.summary.json");
    assert!(stdout.contains(&summary.display().to_string()), "{stdout}");
    let rows = std::fs::read_to_string(out.join("scores.csv")).unwrap().lines().count() as u64 - 1;
    assert_eq!(json(&summary)["rows_scored"].as_u64(), Some(rows));
    // The README's quickstart names the same file.
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md")).unwrap();
    assert!(readme.contains("`demo-out/scores.csv.summary.json`"));
}
