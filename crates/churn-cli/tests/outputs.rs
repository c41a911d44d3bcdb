//! Issue 14, outputs a customer-success team can act on, through the binary: percentile tiers
//! at a real churn rate, the one-tier warning, ...

mod common;

use std::path::{Path, PathBuf};

use common::{churn, shared_data};

/// The socialnet7 feature table (6,608 rows, 1.6% churn) built by `churn features` in `d`.
fn socialnet7_features(shared: &Path, d: &Path) -> (PathBuf, PathBuf) {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/fightchurn_socialnet7.toml");
    churn()
        .arg("features")
        .arg("--spec")
        .arg(&spec)
        .arg("--data-dir")
        .arg(shared.join("datasets/fightchurn_socialnet7_sim"))
        .arg("--out")
        .arg(d.join("f.csv"))
        .assert()
        .success();
    (d.join("f.csv"), d.join("f.csv.dictionary.json"))
}

/// `(probability, tier)` of every row of a scored CSV.
fn scored_tiers(path: &Path) -> Vec<(f64, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let p = header.iter().position(|h| *h == "churn_probability").unwrap();
    let t = header.iter().position(|h| *h == "risk_tier").unwrap();
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[p].parse().unwrap(), f[t].to_string())
        })
        .collect()
}

#[test]
fn percentile_tiers_spread_socialnet7_accounts_and_absolute_tiers_warn() {
    let Some(shared) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (data, dict) = socialnet7_features(&shared, d);
    let train = |scheme: &str, out: &str| {
        churn()
            .arg("train")
            .arg("--data")
            .arg(&data)
            .arg("--features")
            .arg(&dict)
            .args(["--models", "logistic", "--tier-scheme", scheme, "--out"])
            .arg(d.join(out))
            .assert()
            .success()
    };
    let score = |model: &str, out: &str| {
        churn()
            .arg("score")
            .arg("--model")
            .arg(d.join(model))
            .arg("--data")
            .arg(&data)
            .args(["--drivers", "0", "--out"])
            .arg(d.join(out))
            .assert()
            .success()
    };
    // Absolute bands: at 1.6% churn every account is `Minimal`, and train and score say so.
    let warned = "of the accounts";
    train("absolute", "abs.json").stderr(predicates::str::contains(warned));
    score("abs.json", "abs.csv").stderr(predicates::str::contains("fall in the risk tier `Minimal`"));
    // Percentile tiers: cut points stored in the model, no warning, no tier above 60%.
    let out = train("percentile", "pct.json").get_output().clone();
    assert!(!String::from_utf8_lossy(&out.stderr).contains(warned));
    let model = churn_model::ModelFile::load(&d.join("pct.json")).unwrap();
    let info = model.tier_scheme.as_ref().expect("percentile tiers recorded");
    assert_eq!(info.rows, model.training.test.rows);
    let out = score("pct.json", "pct.csv").get_output().clone();
    assert!(!String::from_utf8_lossy(&out.stderr).contains(warned));
    let rows = scored_tiers(&d.join("pct.csv"));
    assert_eq!(rows.len(), 6608);
    let names: Vec<&str> = model.tiers.bands().iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["Critical", "High", "Medium", "Low", "Minimal"]);
    for name in &names {
        let n = rows.iter().filter(|(_, t)| t == name).count();
        assert!(n as f64 <= 0.6 * rows.len() as f64, "{name} holds {n} of {} accounts", rows.len());
        assert!(n > 0, "{name} is empty");
    }
    // Tiers rise with the probability: every account of a higher tier has a higher
    // probability than every account of a lower tier.
    let rank = |t: &str| names.iter().position(|n| *n == t).unwrap();
    for w in names.windows(2) {
        let min_hi = rows.iter().filter(|(_, t)| *t == w[0]).map(|r| r.0).fold(f64::INFINITY, f64::min);
        let max_lo = rows.iter().filter(|(_, t)| *t == w[1]).map(|r| r.0).fold(f64::NEG_INFINITY, f64::max);
        assert!(min_hi > max_lo, "{} from {min_hi} but {} up to {max_lo}", w[0], w[1]);
    }
    assert!(rows.iter().all(|(_, t)| rank(t) < names.len()));
}

/// Trains a logistic model on the telco split in `d` and returns (model, test data).
fn telco_model(shared: &Path, d: &Path) -> (PathBuf, PathBuf) {
    let split = shared.join("splits/telco");
    churn()
        .arg("train")
        .arg("--data")
        .arg(split.join("train.csv"))
        .args(["--label", "Churn", "--positive", "Yes", "--id", "customerID", "--models", "logistic", "--out"])
        .arg(d.join("telco.json"))
        .assert()
        .success();
    (d.join("telco.json"), split.join("test.csv"))
}

/// Named drivers as `(feature, contribution)`.
type Named = Vec<(String, f64)>;

/// Every JSONL row's risk drivers and protective factors as `(feature, contribution)`.
fn jsonl_drivers(path: &Path) -> (Named, Named) {
    let (mut risk, mut protective) = (Vec::new(), Vec::new());
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let pair =
            |d: &serde_json::Value| (d["feature"].as_str().unwrap().to_string(), d["contribution"].as_f64().unwrap());
        for k in 1..=3 {
            let d = &v[format!("risk_driver_{k}")];
            if !d.is_null() {
                assert_eq!(d["direction"], "raises risk");
                risk.push(pair(d));
            }
        }
        for d in v["protective_factors"].as_array().unwrap() {
            assert_eq!(d["direction"], "lowers risk");
            protective.push(pair(d));
        }
    }
    (risk, protective)
}

#[test]
fn excluded_columns_are_never_drivers_and_small_contributions_are_not_named() {
    let Some(shared) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (model, test) = telco_model(&shared, d);
    let score = |extra: &[&str], out: &str| {
        churn()
            .arg("score")
            .arg("--model")
            .arg(&model)
            .arg("--data")
            .arg(&test)
            .args(["--format", "jsonl"])
            .args(extra)
            .arg("--out")
            .arg(d.join(out))
            .assert()
            .success();
        jsonl_drivers(&d.join(out))
    };
    // Without a minimum and without exclusions `gender` is named (so the test can fail).
    let (risk, protective) = score(&["--drivers-min", "0"], "all.jsonl");
    let named = |v: &[(String, f64)], c: &str| v.iter().filter(|(f, _)| f == c).count();
    assert!(named(&risk, "gender") + named(&protective, "gender") > 0);
    // Excluded by flag or by `[drivers]` in churn.toml: never named, risk or protective.
    let config = common::write(d, "churn.toml", "[drivers]\nexclude = [\"gender\", \"SeniorCitizen\"]\n");
    for (extra, out) in [
        (vec!["--drivers-min", "0", "--drivers-exclude", "gender,SeniorCitizen"], "flag.jsonl"),
        (vec!["--drivers-min", "0", "--config", config.to_str().unwrap()], "toml.jsonl"),
    ] {
        let (risk, protective) = score(&extra, out);
        for c in ["gender", "SeniorCitizen"] {
            assert_eq!(named(&risk, c) + named(&protective, c), 0, "{c} named with {extra:?}");
        }
        assert!(!risk.is_empty() && !protective.is_empty());
    }
    // The default minimum: no driver below 0.05 log-odds; contributions rounded to 3 decimals.
    let (risk, protective) = score(&[], "default.jsonl");
    for (_, c) in risk.iter().chain(&protective) {
        assert!(c.abs() >= 0.05, "{c}");
        assert_eq!((c * 1000.0).round() / 1000.0, *c);
    }
    // A typo in an exclusion is an error, not a protected attribute let through.
    churn()
        .arg("score")
        .arg("--model")
        .arg(&model)
        .arg("--data")
        .arg(&test)
        .args(["--drivers-exclude", "gendre", "--out"])
        .arg(d.join("typo.csv"))
        .assert()
        .failure()
        .stderr(predicates::str::contains("driver exclusion `gendre` is not a feature of the model"));
}

#[test]
fn compare_fail_if_worse_exits_1_only_for_a_significantly_worse_challenger() {
    let Some(shared) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (good, test) = telco_model(&shared, d);
    // A weak challenger: without contract, tenure, charges and services (test AUC ~0.7 vs ~0.84).
    churn()
        .arg("train")
        .arg("--data")
        .arg(shared.join("splits/telco/train.csv"))
        .args(["--label", "Churn", "--positive", "Yes", "--id", "customerID", "--models", "logistic"])
        .args(["--drop", "Contract,tenure,TotalCharges,MonthlyCharges,InternetService,OnlineSecurity,TechSupport,PaymentMethod,PaperlessBilling,OnlineBackup,DeviceProtection"])
        .arg("--out")
        .arg(d.join("weak.json"))
        .assert()
        .success();
    let report = |model: &Path, out: &str| {
        churn()
            .arg("report")
            .arg("--model")
            .arg(model)
            .arg("--data")
            .arg(&test)
            .args(["--bootstrap", "200", "--out"])
            .arg(d.join(out))
            .assert()
            .success();
        d.join(out).join("report.json")
    };
    let (g, w) = (report(&good, "good"), report(&d.join("weak.json"), "weak"));
    let compare = |a: &Path, b: &Path, extra: &[&str]| {
        let out = churn()
            .arg("compare")
            .arg(a)
            .arg(b)
            .args(["--bootstrap", "200"])
            .args(extra)
            .arg("--json")
            .arg(d.join("c.json"))
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("c.json")).unwrap()).unwrap();
        (out.status.code(), json)
    };
    // The weak model as challenger: significantly worse by DeLong, exit 1.
    let (code, json) = compare(&g, &w, &["--fail-if-worse"]);
    assert_eq!(code, Some(1));
    let v = &json["gate"]["challengers"][0];
    assert_eq!(
        (v["significant"].as_bool(), v["worse"].as_bool(), v["fails"].as_bool()),
        (Some(true), Some(true), Some(true))
    );
    assert_eq!(v["test"], "DeLong");
    assert!(v["diff"].as_f64().unwrap() < -0.05);
    // The difference and p-value are the comparison's own AUC row.
    let auc = json["metrics"].as_array().unwrap().iter().find(|m| m["metric"] == "auc").unwrap();
    assert_eq!(auc["differences"][1]["p_value"], v["p_value"]);
    // On Brier by paired bootstrap too.
    assert_eq!(compare(&g, &w, &["--fail-if-worse", "brier"]).0, Some(1));
    // Without the flag the verdict is written but not enforced.
    let (code, json) = compare(&g, &w, &[]);
    assert_eq!((code, json["gate"]["enforced"].as_bool()), (Some(0), Some(false)));
    // The better model as challenger, or the same model: exit 0.
    assert_eq!(compare(&w, &g, &["--fail-if-worse"]).0, Some(0));
    let (code, json) = compare(&g, &g, &["--fail-if-worse", "log_loss"]);
    assert_eq!(code, Some(0));
    assert_eq!(json["gate"]["fail"], false);
    // An unknown metric is an error (exit 2), not a pass.
    assert_eq!(compare(&g, &w, &["--fail-if-worse", "accuracy"]).0, Some(2));
}
