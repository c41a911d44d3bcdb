//! Typed command-line values: a bad value of a closed set or a structured argument is clap's
//! usage error (exit 2) naming the argument and what it takes, before any file is read (every
//! file named here is missing: reading one would fail with "file not found" instead).

mod common;

use common::*;

/// Runs `args` with missing files and checks the usage error names `arg` and each of `allowed`.
fn usage_error<S: AsRef<str> + std::fmt::Debug>(args: &[S], arg: &str, allowed: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = churn().current_dir(dir.path()).args(args.iter().map(|a| a.as_ref())).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.starts_with("error: invalid value"), "{args:?}: not clap's value error: {stderr}");
    assert!(stderr.contains(&format!("for '{arg}")), "{args:?}: the argument {arg} is not named: {stderr}");
    for a in allowed {
        assert!(stderr.contains(a), "{args:?}: `{a}` is not listed: {stderr}");
    }
    assert!(!stderr.contains("not found"), "{args:?}: a file was read: {stderr}");
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "{args:?}: something was written");
}

const TRAIN: [&str; 7] = ["train", "--data", "missing.csv", "--label", "churned", "--out", "m.json"];

fn train_with(extra: &[&str]) -> Vec<String> {
    TRAIN.iter().chain(extra).map(|s| s.to_string()).collect()
}

#[test]
fn train_models_lists_the_registry_families() {
    // The families come from churn-model's registry, as the model file names them.
    let families = ["auto", "logistic", "gbdt", "forest", "tree"];
    usage_error(&train_with(&["--models", "xgboost"]), "--models", &families);
    usage_error(&train_with(&["--models", "gbdt,lstm"]), "--models", &families);
    // A near miss gets clap's suggestion.
    usage_error(&train_with(&["--models", "gbtd"]), "--models", &["gbdt"]);
}

#[test]
fn train_models_auto_is_alone() {
    let out = churn().args(train_with(&["--models", "auto,gbdt"])).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("--models: `auto` (every family) cannot be listed with other families"), "{stderr}");
    assert!(!stderr.contains("not found"), "{stderr}");
}

#[test]
fn train_select_tier_scheme_class_weight_cv_folds() {
    usage_error(&train_with(&["--select", "accuracy"]), "--select", &["auc", "pr_auc", "log_loss"]);
    usage_error(&train_with(&["--tier-scheme", "quantile"]), "--tier-scheme", &["absolute", "percentile"]);
    usage_error(&train_with(&["--class-weight", "heavy"]), "--class-weight", &["balanced", "none", "CHURNED:RETAINED"]);
    usage_error(&train_with(&["--class-weight", "3:-1"]), "--class-weight", &["both weights must be positive numbers"]);
    usage_error(&train_with(&["--cv-folds", "many"]), "--cv-folds", &["auto, off or a number"]);
    usage_error(&train_with(&["--cv-folds", "1"]), "--cv-folds", &["must be 0 (off) or at least 2"]);
}

#[test]
fn score_format_and_as_of() {
    let score = ["score", "--model", "missing.json", "--data", "missing.csv", "--out", "s.out"];
    let mut args = score.to_vec();
    args.extend(["--format", "xlsx"]);
    usage_error(&args, "--format", &["csv", "jsonl", "parquet"]);
    let args = ["score", "--model", "missing.json", "--as-of", "2020-13-01", "--activity-dir", "x", "--out", "s.csv"];
    usage_error(&args, "--as-of", &["expected a date YYYY-MM-DD"]);
}

#[test]
fn sql_dialects_and_tables() {
    let dialects = ["duckdb", "spark", "bigquery", "snowflake"];
    usage_error(
        &["export-sql", "--model", "missing.json", "--dialect", "oracle", "--out", "q.sql"],
        "--dialect",
        &dialects,
    );
    usage_error(&["features", "--spec", "missing.toml", "--emit-sql", "--dialect", "oracle"], "--dialect", &dialects);
    usage_error(
        &["features", "--spec", "missing.toml", "--emit-sql", "--dialect", "duckdb", "--table", "activity"],
        "--table",
        &["expected NAME=TABLE"],
    );
}

#[test]
fn dialect_names_ignore_case_as_before() {
    // `--dialect DuckDB` was accepted before the values were typed: still accepted (the missing
    // spec is then the error).
    let out =
        churn().args(["features", "--spec", "missing.toml", "--emit-sql", "--dialect", "DuckDB"]).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("invalid value"), "{stderr}");
    assert!(stderr.contains("missing.toml"), "{stderr}");
}

#[test]
fn simulate_kind() {
    usage_error(&["simulate", "--kind", "retail", "--out", "sim"], "--kind", &["saas", "transactions"]);
}
