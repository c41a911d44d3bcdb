//! Survival labels from `churn features` tables (`[label] time_column`), through the binary, on
//! the simulator's SaaS base: days to churn or to the end of the data per snapshot row (checked
//! against the raw subscriptions file), `train --time` on the table (split by account),
//! `score --as-of` with the survival model, and `compare` of survival reports.

mod common;

use std::collections::HashMap;
use std::path::Path;

use churn_core::date::parse_date;
use churn_core::Table;
use common::churn;
use predicates::prelude::*;

const SPEC: &str = r#"
mode = "training"
data_end = "2026-01-01"

[activity]
file = "usage.csv"
format = "usage"
account = "account_id"
time = "date"
type = "event_type"
value = "count"
event_types = ["login", "dashboard_view", "report_export", "api_call"]

[subscriptions]
file = "subscriptions.csv"
account = "account_id"
start = "start_date"
end = "end_date"

[snapshots]
kind = "monthly"
start = "2025-03-01"
end = "2025-11-01"

[label]
time_column = "days_to_churn"

[[features]]
kind = "window"
events = "*"
windows = [28]
aggregations = ["count", "active_days"]

[[features]]
kind = "trend"
events = "any"
periods = 4
period_days = 7

[[features]]
kind = "recency"
events = "any"

[[features]]
kind = "tenure"

[[features]]
kind = "subscription"
column = "plan"
"#;

fn simulate(d: &Path) {
    churn().args(["simulate", "--accounts", "1200", "--days", "365", "--seed", "5", "--out"]).arg(d).assert().success();
    std::fs::write(d.join("spec.toml"), SPEC).unwrap();
}

fn features(d: &Path, spec: &str, out: &str) {
    churn()
        .arg("features")
        .arg("--spec")
        .arg(d.join(spec))
        .arg("--data-dir")
        .arg(d)
        .arg("--out")
        .arg(d.join(out))
        .assert()
        .success();
}

fn train(d: &Path, data: &str, out: &str, extra: &[&str]) {
    churn()
        .arg("train")
        .arg("--data")
        .arg(d.join(data))
        .arg("--features")
        .arg(d.join(format!("{data}.dictionary.json")))
        .args(["--time", "days_to_churn", "--horizons", "30,90,180", "--out"])
        .arg(d.join(out))
        .args(extra)
        .assert()
        .success()
        .stdout(predicate::str::contains("split by account"));
}

#[test]
fn features_tables_with_survival_labels_train_score_and_compare() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    simulate(d);
    features(d, "spec.toml", "f.csv");
    let t = Table::read(&d.join("f.csv")).unwrap();
    let h = t.headers();
    assert_eq!(&h[h.len() - 2..], ["churned", "days_to_churn"]);

    // Independently from the raw subscriptions: accounts with a single subscription row are
    // alive at t when start < t <= end (or no end); churn on `end` when it falls before
    // data_end, else censored at data_end. Every alive snapshot has a row (none dropped).
    let data_end = parse_date("2026-01-01").unwrap();
    let subs = Table::read(&d.join("subscriptions.csv")).unwrap();
    let mut rows_of: HashMap<String, Vec<(i32, Option<i32>)>> = HashMap::new();
    for i in 0..subs.n_rows() {
        let end = parse_date(subs.field(i, 2)).filter(|&e| e < data_end);
        rows_of.entry(subs.field(i, 0).to_string()).or_default().push((parse_date(subs.field(i, 1)).unwrap(), end));
    }
    let snapshots: Vec<i32> = (3..=11).map(|m| parse_date(&format!("2025-{m:02}-01")).unwrap()).collect();
    let mut expected = HashMap::new();
    for (id, r) in &rows_of {
        if let [(start, end)] = r[..] {
            for &s in &snapshots {
                if start < s && end.is_none_or(|e| s <= e) {
                    expected.insert((id.clone(), s), end.map_or((data_end - s, 0), |e| (e - s, 1)));
                }
            }
        }
    }
    let (jt, je) = (t.column_index("days_to_churn").unwrap(), t.column_index("churned").unwrap());
    let mut seen = 0;
    let (mut events, mut censored) = (0, 0);
    for i in 0..t.n_rows() {
        let key = (t.field(i, 0).to_string(), parse_date(t.field(i, 1)).unwrap());
        let got: (i32, i32) = (t.field(i, jt).parse().unwrap(), t.field(i, je).parse().unwrap());
        if got.1 == 1 {
            events += 1;
        } else {
            censored += 1;
        }
        if rows_of[&key.0].len() == 1 {
            assert_eq!(Some(&got), expected.get(&key), "row {i}: {key:?}");
            seen += 1;
        }
    }
    assert_eq!(seen, expected.len(), "every alive snapshot of a single-row account has a row");
    assert!(events > 50 && censored > events, "{events} events, {censored} censored");

    // A classifier on a survival table is refused (its label has no window).
    churn()
        .arg("train")
        .arg("--data")
        .arg(d.join("f.csv"))
        .arg("--features")
        .arg(d.join("f.csv.dictionary.json"))
        .arg("--out")
        .arg(d.join("c.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("survival labels (time column `days_to_churn`"));
    assert!(!d.join("c.json").exists());

    let rep_train = d.join("rep_train");
    train(d, "f.csv", "m.json", &["--report", rep_train.to_str().unwrap()]);
    let model = churn_model::ModelFile::load(&d.join("m.json")).unwrap();
    // train --report: the survival report of the test split, with its two charts.
    let rep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(rep_train.join("report.json")).unwrap()).unwrap();
    assert_eq!(rep["kind"], "survival");
    assert_eq!(rep["rows"].as_u64().unwrap() as usize, model.training.test.rows);
    let html = std::fs::read_to_string(rep_train.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 2);
    let sec = model.survival.as_ref().unwrap();
    assert_eq!((sec.time.as_str(), sec.unit.as_str()), ("days_to_churn", "days"));
    assert!(model.schema.features.iter().all(|f| f.name != "days_to_churn" && f.name != "snapshot_date"));

    // score --as-of from raw activity = score --data on the scoring-mode table with time 0.
    let scoring = SPEC.replace("mode = \"training\"", "mode = \"scoring\"").replace(
        "kind = \"monthly\"\nstart = \"2025-03-01\"\nend = \"2025-11-01\"",
        "kind = \"cutoff\"\ndate = \"2025-12-01\"",
    );
    std::fs::write(d.join("scoring.toml"), scoring).unwrap();
    features(d, "scoring.toml", "s.csv");
    let text = std::fs::read_to_string(d.join("s.csv")).unwrap();
    let with_time: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{l},{}\n", if i == 0 { "days_to_churn" } else { "0" }))
        .collect();
    std::fs::write(d.join("s0.csv"), with_time).unwrap();
    for (args, out) in [(vec!["--as-of", "2025-12-01", "--activity-dir"], "asof.csv"), (vec!["--data"], "data.csv")] {
        let mut c = churn();
        c.env("SOURCE_DATE_EPOCH", "0").arg("score").arg("--model").arg(d.join("m.json")).args(&args);
        if out == "asof.csv" {
            c.arg(d);
        } else {
            c.arg(d.join("s0.csv"));
        }
        c.arg("--out").arg(d.join(out)).arg("--summary").arg(d.join(format!("{out}.json"))).assert().success();
    }
    let asof = std::fs::read_to_string(d.join("asof.csv")).unwrap();
    assert_eq!(asof, std::fs::read_to_string(d.join("data.csv")).unwrap());
    let scored = Table::read(&d.join("asof.csv")).unwrap();
    assert_eq!(scored.n_rows(), text.lines().count() - 1);
    // JSONL: the same columns and values, one object per row.
    churn()
        .env("SOURCE_DATE_EPOCH", "0")
        .arg("score")
        .arg("--model")
        .arg(d.join("m.json"))
        .args(["--as-of", "2025-12-01", "--format", "jsonl", "--activity-dir"])
        .arg(d)
        .arg("--out")
        .arg(d.join("asof.jsonl"))
        .arg("--summary")
        .arg(d.join("jsonl.json"))
        .assert()
        .success();
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(d.join("asof.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), scored.n_rows());
    for (i, obj) in lines.iter().enumerate() {
        let obj = obj.as_object().unwrap();
        assert_eq!(obj.keys().len(), scored.n_cols());
        for (j, name) in scored.headers().iter().enumerate() {
            let cell = scored.field(i, j);
            match &obj[name.as_str()] {
                serde_json::Value::Number(n) => assert_eq!(n.as_f64().unwrap(), cell.parse::<f64>().unwrap()),
                serde_json::Value::String(s) => assert_eq!(s, cell),
                serde_json::Value::Null => assert_eq!(cell, ""),
                other => panic!("{name}: {other}"),
            }
        }
    }
    // Parquet (`--format parquet`): the same columns, in the same order, and values,
    // read back by churn-score's Parquet reader (numbers as DOUBLE, an empty driver as null).
    churn()
        .env("SOURCE_DATE_EPOCH", "0")
        .arg("score")
        .arg("--model")
        .arg(d.join("m.json"))
        .args(["--as-of", "2025-12-01", "--format", "parquet", "--activity-dir"])
        .arg(d)
        .arg("--out")
        .arg(d.join("asof.parquet"))
        .arg("--summary")
        .arg(d.join("parquet.json"))
        .assert()
        .success();
    let mut src = churn_score::parquet::ParquetSource::open(&d.join("asof.parquet")).unwrap();
    assert_eq!(src.headers(), scored.headers());
    let mut bytes = Vec::new();
    while src.next_block(1000, &mut bytes).unwrap() > 0 {}
    let mut back = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes.as_slice());
    let mut n = 0;
    for (i, rec) in back.records().enumerate() {
        let rec = rec.unwrap();
        assert_eq!(rec.len(), scored.n_cols());
        for (j, name) in scored.headers().iter().enumerate() {
            let (got, want) = (&rec[j], scored.field(i, j));
            if name.starts_with("churn_probability") || name == "expected_lifetime" || name == "health_score" {
                assert_eq!(got.parse::<f64>().unwrap(), want.parse::<f64>().unwrap(), "row {i} {name}");
            } else {
                assert_eq!(got, want, "row {i} {name}");
            }
        }
        n += 1;
    }
    assert_eq!(n, scored.n_rows());
    let cols: Vec<usize> =
        ["30", "90", "180"].iter().map(|h| scored.column_index(&format!("churn_probability_{h}")).unwrap()).collect();
    for i in 0..scored.n_rows() {
        let p: Vec<f64> = cols.iter().map(|&c| scored.field(i, c).parse().unwrap()).collect();
        assert!(p[0] <= p[1] && p[1] <= p[2], "row {i}: {p:?}");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("asof.csv.json")).unwrap()).unwrap();
    // Every row starts at 0: 0 + h passes the follow-up for no horizon within it.
    assert_eq!(summary["horizons"][2]["beyond_follow_up"], 0);

    // Compare: a weaker model (usage features dropped) against the full one, on the same rows.
    let drop: Vec<String> =
        model.schema.features.iter().map(|f| f.name.clone()).filter(|n| n != "tenure_days" && n != "plan").collect();
    train(d, "f.csv", "weak.json", &["--drop", &drop.join(",")]);
    for (m, r) in [("m.json", "rep_full"), ("weak.json", "rep_weak")] {
        churn()
            .arg("report")
            .arg("--model")
            .arg(d.join(m))
            .arg("--data")
            .arg(d.join("f.csv"))
            .args(["--bootstrap", "200", "--out"])
            .arg(d.join(r))
            .assert()
            .success();
    }
    let c_of = |r: &str| -> f64 {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join(r).join("report.json")).unwrap()).unwrap();
        v["evaluation"]["harrell_c"].as_f64().unwrap()
    };
    let (c_full, c_weak) = (c_of("rep_full"), c_of("rep_weak"));
    assert!(c_full > c_weak + 0.02, "{c_full} vs {c_weak}");
    let compare = |a: &str, b: &str| {
        let mut c = churn();
        c.arg("compare")
            .arg(d.join(a).join("report.json"))
            .arg(d.join(b).join("report.json"))
            .args(["--bootstrap", "200", "--fail-if-worse", "--json"])
            .arg(d.join("cmp.json"));
        c.assert()
    };
    // The weaker challenger is significantly worse on Harrell's C: the gate fails.
    compare("rep_full", "rep_weak").code(1).stdout(predicate::str::contains("harrell_c"));
    let cmp: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(d.join("cmp.json")).unwrap()).unwrap();
    let row = &cmp["metrics"][0];
    assert_eq!(row["metric"], "harrell_c");
    assert!((row["values"][0]["estimate"].as_f64().unwrap() - c_full).abs() < 1e-12);
    assert!((row["differences"][1]["diff"].as_f64().unwrap() - (c_weak - c_full)).abs() < 1e-12);
    assert_eq!(row["differences"][1]["test"], "paired bootstrap");
    assert!(cmp["metrics"].as_array().unwrap().iter().any(|m| m["metric"] == "brier_90"));
    // The other way round the challenger is better: the gate passes.
    compare("rep_weak", "rep_full").success();

    // A survival report with a classification report is a clear error.
    churn()
        .arg("train")
        .arg("--data")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/saas-small/snapshot.csv"))
        .args(["--label", "churned", "--id", "account_id", "--models", "logistic", "--report"])
        .arg(d.join("rep_cls"))
        .arg("--out")
        .arg(d.join("cls.json"))
        .assert()
        .success();
    churn()
        .arg("compare")
        .arg(d.join("rep_full/report.json"))
        .arg(d.join("rep_cls/report.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot compare a survival report"));
}

#[test]
fn survival_label_options_that_do_not_apply_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("usage.csv"), "account_id,date,event_type,count\na,2025-01-02,login,1\n").unwrap();
    std::fs::write(d.join("subscriptions.csv"), "account_id,start_date,end_date\na,2025-01-01,\n").unwrap();
    for (label, message) in [
        ("time_column = \"t\"\nhorizon_days = 30", "no outcome window"),
        ("time_column = \"t\"\nlead_days = 5", "remove `lead_days`"),
        ("time_column = \"churned\"", "already the id, snapshot or label column"),
        ("time_column = \"tenure_days\"", "tenure_days"),
    ] {
        let spec = SPEC.replace("time_column = \"days_to_churn\"", label);
        std::fs::write(d.join("bad.toml"), spec).unwrap();
        churn()
            .arg("features")
            .arg("--spec")
            .arg(d.join("bad.toml"))
            .arg("--data-dir")
            .arg(d)
            .arg("--out")
            .arg(d.join("o.csv"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
        assert!(!d.join("o.csv").exists());
    }
}
