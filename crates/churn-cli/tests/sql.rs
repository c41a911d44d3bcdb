//! `churn features --emit-sql` and `churn export-sql` on the command line (the SQL itself is
//! checked on DuckDB and Spark by `.ci/steps/60-sql-engines.sh`).

mod common;

use std::path::{Path, PathBuf};

use common::churn;
use predicates::str::contains;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn emit_sql_writes_one_query_with_the_feature_columns() {
    let spec = root().join("datasets/features-example/spec.toml");
    let out = churn()
        .args(["features", "--spec"])
        .arg(&spec)
        .args(["--emit-sql", "--dialect", "spark", "--table", "activity=lake.raw events"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let sql = String::from_utf8(out).unwrap();
    let cols = churn_features::load_spec(&spec).unwrap().columns().unwrap();
    for c in &cols {
        assert!(sql.contains(&format!("AS `{}`", c.name)), "{}", c.name);
    }
    assert!(sql.contains("FROM `lake`.`raw events`"));
    assert_eq!(sql.matches("SELECT\n").count(), 1, "one final SELECT");
}

#[test]
fn emit_sql_refuses_bad_tables_and_dialects() {
    let spec = root().join("datasets/features-example/spec.toml");
    churn()
        .args(["features", "--spec"])
        .arg(&spec)
        .args(["--emit-sql", "--dialect", "duckdb", "--table", "events=x"])
        .assert()
        .failure()
        .stderr(contains("the query reads no table 'events' (its tables: activity, subscriptions, static_1)"));
    churn()
        .args(["features", "--spec"])
        .arg(&spec)
        .args(["--emit-sql", "--dialect", "oracle"])
        .assert()
        .failure()
        .stderr(contains("invalid value 'oracle' for '--dialect <DIALECT>'"));
    churn().args(["features", "--spec"]).arg(&spec).arg("--emit-sql").assert().failure();
}

#[test]
fn export_sql_writes_the_model_query() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("score.sql");
    churn()
        .args(["export-sql", "--model"])
        .arg(root().join("models/golden-v1.json"))
        .args(["--dialect", "snowflake", "--table", "db.in", "--out"])
        .arg(&out)
        .assert()
        .success();
    let sql = std::fs::read_to_string(&out).unwrap();
    assert!(sql.contains("FROM \"db\".\"in\""));
    for c in ["churn_probability", "risk_tier", "health_score", "health_state", "model_id", "model_version"] {
        assert!(sql.contains(&format!("AS \"{c}\"")), "{c}");
    }
}

/// A model trained by this build (with every field `train` writes today, such as the training
/// rows' sketch) exports: fields that scoring does not read never block the SQL.
#[test]
fn a_freshly_trained_model_exports() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::write(dir.path(), "train.csv", &common::customers_csv(800, 7));
    let model = dir.path().join("m.json");
    churn()
        .args(["train", "--data"])
        .arg(&data)
        .args(["--label", "churned", "--positive", "Yes", "--id", "account_id", "--models", "logistic", "--out"])
        .arg(&model)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert!(v.get("training_rows").is_some(), "the model carries the sketch this test is about");
    let out = dir.path().join("score.sql");
    churn()
        .args(["export-sql", "--model"])
        .arg(&model)
        .args(["--dialect", "duckdb", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(std::fs::read_to_string(&out).unwrap().contains("AS \"churn_probability\""));
}
