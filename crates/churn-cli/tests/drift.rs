//! `churn drift` end to end: exit codes 0/1/2, outputs, bad input, and the telco acceptance test.

mod common;

use std::path::{Path, PathBuf};

use common::{churn, customers_csv, trained_model, write};

/// `customers_csv` with `f` applied to every data line's fields.
fn edited(n: usize, seed: u64, f: impl Fn(&mut Vec<String>)) -> String {
    let text = customers_csv(n, seed);
    let mut lines = text.lines();
    let mut out = String::from(lines.next().unwrap());
    out.push('\n');
    for l in lines {
        let mut fields: Vec<String> = l.split(',').map(str::to_string).collect();
        f(&mut fields);
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn fresh_sample_passes_and_writes_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained_model(dir.path());
    let data = write(dir.path(), "week.csv", &customers_csv(800, 99));
    let (j, md, html) = (dir.path().join("d.json"), dir.path().join("d.md"), dir.path().join("d.html"));
    let out = churn()
        .args(["drift", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--json")
        .arg(&j)
        .arg("--markdown")
        .arg(&md)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("verdict: no drift beyond thresholds"), "{stdout}");
    let v = json(&j);
    assert_eq!(v["drift"], false);
    let features = v["features"].as_array().unwrap();
    assert_eq!(features.len(), 6);
    for f in features {
        assert!(f["psi"]["value"].as_f64().unwrap() < 0.1, "{f}");
        if f["name"] == "logins_30d" {
            assert!(f["ks"]["statistic"].is_number() && f["ks"]["p_value"].is_number());
        }
    }
    assert!(std::fs::read_to_string(&md).unwrap().starts_with("## Drift check: no drift\n"));
    assert!(std::fs::read_to_string(&html).unwrap().contains("<svg"));
}

#[test]
fn shifted_feature_exits_1_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained_model(dir.path());
    // logins_30d is uniform on 0..39 (sd 11.5): +6 logins is about half a standard deviation.
    let data =
        write(dir.path(), "week.csv", &edited(800, 99, |f| f[3] = (f[3].parse::<f64>().unwrap() + 6.0).to_string()));
    let j = dir.path().join("d.json");
    let out =
        churn().args(["drift", "--model"]).arg(&model).arg("--data").arg(&data).arg("--json").arg(&j).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("verdict: DRIFT in features logins_30d"), "{stdout}");
    assert_eq!(json(&j)["drifting_features"], serde_json::json!(["logins_30d"]));
}

#[test]
fn labels_add_performance_with_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained_model(dir.path());
    let data = write(dir.path(), "labeled.csv", &customers_csv(1000, 5));
    let j = dir.path().join("d.json");
    let out = churn()
        .args(["drift", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .args(["--label", "churned", "--json"])
        .arg(&j)
        .arg("--markdown")
        .arg(dir.path().join("d.md"))
        .arg("--html")
        .arg(dir.path().join("d.html"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let p = &json(&j)["performance"];
    let auc = &p["auc"]["current"];
    assert!(
        auc["lo"].as_f64().unwrap() < auc["estimate"].as_f64().unwrap()
            && auc["estimate"].as_f64().unwrap() < auc["hi"].as_f64().unwrap()
    );
    assert!(p["auc"]["reference"].is_number() && p["brier"]["reference"].is_number());
    // Every text format shows the same figures.
    let f = |v: &serde_json::Value| format!("{:.4}", v.as_f64().unwrap());
    let auc_text = format!("{} [{}, {}]", f(&auc["estimate"]), f(&auc["lo"]), f(&auc["hi"]));
    let brier = &p["brier"]["current"];
    let brier_text = format!("{} [{}, {}]", f(&brier["estimate"]), f(&brier["lo"]), f(&brier["hi"]));
    let md = std::fs::read_to_string(dir.path().join("d.md")).unwrap();
    let html = std::fs::read_to_string(dir.path().join("d.html")).unwrap();
    let ece = f(&p["calibration"]["ece"]);
    for (name, text) in [("console", stdout.as_ref()), ("markdown", md.as_str()), ("html", html.as_str())] {
        for want in [&auc_text, &brier_text, &ece] {
            assert!(text.contains(want.as_str()), "{name} lacks {want}:\n{text}");
        }
    }
    assert!(md.contains(&format!("| AUC | {auc_text} | {} | ok |", f(&p["auc"]["reference"]))), "{md}");
}

#[test]
fn data_missing_model_columns_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained_model(dir.path());
    let data = write(dir.path(), "week.csv", "account_id,plan,monthly_fee,logins_30d,autopay\nA1,pro,60,3,yes\n");
    churn().args(["drift", "--model"]).arg(&model).arg("--data").arg(&data).assert().code(2).stderr(
        predicates::str::contains(
            "week.csv: the data does not match the model's schema: missing columns `tickets`, `last_nps`",
        ),
    );
}

#[test]
fn model_without_profile_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained_model(dir.path());
    let mut v = json(&model);
    assert!(v.get("profile").is_some_and(|p| p.is_object()), "churn train stores a profile");
    v.as_object_mut().unwrap().remove("profile");
    // An older churn wrote it this way: its id is the hash of this content.
    let m: churn_model::ModelFile = serde_json::from_value(v.clone()).unwrap();
    v["model_id"] = serde_json::json!(churn_model::validate::content_id(&m));
    let old = write(dir.path(), "old.json", &serde_json::to_string_pretty(&v).unwrap());
    let data = write(dir.path(), "week.csv", &customers_csv(200, 3));
    churn()
        .args(["drift", "--model"])
        .arg(&old)
        .arg("--data")
        .arg(&data)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("old.json: the model has no training profile (it was written by an older version of churn); retrain it to enable drift checks"));
}

#[test]
fn thresholds_come_from_churn_toml() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained_model(dir.path());
    let data = write(dir.path(), "week.csv", &customers_csv(800, 99));
    let bad = write(dir.path(), "bad.toml", "[drift]\npsi = -1\n");
    churn()
        .args(["drift", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--config")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("bad.toml: invalid [drift] settings: psi = -1 must be a positive number"));
    // A tiny PSI threshold alone does not flag noise: the critical value still has to be exceeded.
    let strict = write(dir.path(), "churn.toml", "[data]\nlabel = \"churned\"\n\n[drift]\npsi = 0.001\nwasserstein = 0.001\njs = 0.001\nscore_psi = 0.001\ntier_psi = 0.001\n");
    churn()
        .args(["drift", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--config")
        .arg(&strict)
        .assert()
        .code(0);
}

fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new("/work/shared").join(rel);
    if p.exists() {
        Some(p)
    } else if std::env::var_os("CI").is_some() {
        panic!("{} is missing and CI is set", p.display());
    } else {
        eprintln!("skipping: {} not found", p.display());
        None
    }
}

/// Issue 7's acceptance test.
#[test]
fn telco_test_split_passes_and_raised_monthly_charges_fail() {
    let Some(dir) = shared("splits/telco") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("telco.json");
    churn()
        .args(["train", "--data"])
        .arg(dir.join("train.csv"))
        .args(["--label", "Churn", "--positive", "Yes", "--id", "customerID", "--out"])
        .arg(&model)
        .assert()
        .success();
    let j = tmp.path().join("test.json");
    let out = churn()
        .args(["drift", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(dir.join("test.csv"))
        .arg("--json")
        .arg(&j)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    // MonthlyCharges raised by 30%.
    let text = std::fs::read_to_string(dir.join("test.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let col = header.split(',').position(|h| h == "MonthlyCharges").unwrap();
    let mut raised = format!("{header}\n");
    for l in lines {
        let mut f: Vec<String> = l.split(',').map(str::to_string).collect();
        f[col] = format!("{:.2}", f[col].parse::<f64>().unwrap() * 1.3);
        raised.push_str(&f.join(","));
        raised.push('\n');
    }
    let data = write(tmp.path(), "test_raised.csv", &raised);
    let j = tmp.path().join("raised.json");
    let out =
        churn().args(["drift", "--model"]).arg(&model).arg("--data").arg(&data).arg("--json").arg(&j).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("DRIFT in features MonthlyCharges"), "{stdout}");
    let v = json(&j);
    assert_eq!(v["drifting_features"], serde_json::json!(["MonthlyCharges"]));
    for f in v["features"].as_array().unwrap() {
        assert!(f["psi"]["value"].is_number(), "{f}");
        if f["kind"] == "numeric" {
            assert!(f["ks"]["statistic"].is_number() && f["ks"]["p_value"].is_number(), "{f}");
        }
    }
}
