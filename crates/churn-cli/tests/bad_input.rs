//! Every bad input gets a short, specific error, exit code 2, and no output file.

mod common;

use common::*;
use predicates::prelude::*;

fn train_fails(dir: &std::path::Path, data: &std::path::Path, extra: &[&str], message: &str) {
    let out = dir.join("out-model.json");
    churn()
        .args(["train", "--data"])
        .arg(data)
        .args(extra)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(message));
    assert!(!out.exists(), "a model file was written despite the error");
}

fn score_fails(dir: &std::path::Path, model: &std::path::Path, data: &std::path::Path, message: &str) {
    let out = dir.join("out-scores.csv");
    churn()
        .args(["score", "--model"])
        .arg(model)
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(message));
    assert!(!out.exists(), "a scores file was written despite the error");
    let leftovers: Vec<String> = files_in(dir).into_iter().filter(|f| f.contains(".tmp-")).collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let nope = dir.path().join("nope.csv");
    train_fails(dir.path(), &nope, &["--label", "churned"], &format!("error: file not found: {}", nope.display()));
}

#[test]
fn misspelled_label_column_suggests_the_closest_name() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", &customers_csv(200, 1));
    train_fails(dir.path(), &data, &["--label", "churnd"], "d.csv: no column `churnd` (did you mean `churned`?)");
    train_fails(
        dir.path(),
        &data,
        &["--label", "churned", "--id", "acount_id"],
        "no column `acount_id` (did you mean `account_id`?)",
    );
    train_fails(
        dir.path(),
        &data,
        &["--label", "churned", "--drop", "ticket"],
        "no column `ticket` (did you mean `tickets`?)",
    );
}

#[test]
fn label_with_one_class() {
    let dir = tempfile::tempdir().unwrap();
    let text = customers_csv(200, 1).replace(",Yes\n", ",No\n");
    let data = write(dir.path(), "one.csv", &text);
    train_fails(
        dir.path(),
        &data,
        &["--label", "churned", "--positive", "Yes"],
        "the positive value 'Yes' never occurs in label column `churned` (values: 'No')",
    );
    train_fails(
        dir.path(),
        &data,
        &["--label", "churned"],
        "one.csv: the label column `churned` has a single class ('No')",
    );
}

#[test]
fn label_with_undeclared_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = customers_csv(200, 1);
    text = text.replacen(",No\n", ",Maybe\n", 1);
    let line = text.lines().position(|l| l.ends_with(",Maybe")).unwrap() + 1;
    let data = write(dir.path(), "labels.csv", &text);
    let config =
        write(dir.path(), "churn.toml", "[data]\nlabel = \"churned\"\npositive = \"Yes\"\nnegative = [\"No\"]\n");
    train_fails(
        dir.path(),
        &data,
        &["--config", config.to_str().unwrap()],
        &format!("labels.csv line {line}, label column `churned`: unexpected value 'Maybe' (expected 'Yes' for churn or 'No')"),
    );
    // Without a declared negative class, three values are ambiguous.
    train_fails(dir.path(), &data, &["--label", "churned"], "cannot tell the churn class of label column `churned`");
}

/// The generated customers with data row `row` (1-based line `row + 1`) changed by `edit`.
fn with_row_edited(row: usize, edit: impl Fn(&mut Vec<String>)) -> String {
    let text = customers_csv(200, 1);
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut fields: Vec<String> = lines[row].split(',').map(String::from).collect();
    edit(&mut fields);
    lines[row] = fields.join(",");
    lines.join("\n") + "\n"
}

#[test]
fn non_numeric_value_in_a_numeric_column() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "churn.toml", "[columns]\nmonthly_fee = \"numeric\"\n");
    let data = write(dir.path(), "fees.csv", &with_row_edited(57, |f| f[2] = "12;5".into()));
    // Declared numeric in churn.toml: the bad value is named with file, line, column and value.
    train_fails(
        dir.path(),
        &data,
        &["--label", "churned", "--config", config.to_str().unwrap()],
        "fees.csv line 58, column `monthly_fee`: cannot read '12;5' as a number",
    );
    // At scoring time the model's schema says numeric.
    let model = trained_model(dir.path());
    score_fails(dir.path(), &model, &data, "fees.csv line 58, column `monthly_fee`: not a number ('12;5')");
}

#[test]
fn ragged_rows() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "ragged.csv", &with_row_edited(30, |f| f.push("extra".into())));
    train_fails(
        dir.path(),
        &data,
        &["--label", "churned"],
        "ragged.csv line 31: expected 8 fields (as in the header), found 9",
    );
}

#[test]
fn empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.csv", "");
    train_fails(dir.path(), &empty, &["--label", "churned"], "empty.csv: the file is empty");
    let header = write(dir.path(), "header.csv", "a,b,churned\n");
    train_fails(
        dir.path(),
        &header,
        &["--label", "churned"],
        "header.csv: the file is empty (a header but no data rows)",
    );
    let model = trained_model(dir.path());
    let header = write(dir.path(), "header2.csv", "account_id,plan,monthly_fee,logins_30d,tickets,autopay,last_nps\n");
    score_fails(dir.path(), &model, &header, "header2.csv: the file is empty (a header but no data rows)");
}

#[test]
fn truncated_foreign_and_future_model_files() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained_model(dir.path());
    let data = write(dir.path(), "score.csv", &customers_csv(50, 3));
    let text = std::fs::read_to_string(&model).unwrap();
    let truncated = write(dir.path(), "truncated.json", &text[..text.len() / 2]);
    score_fails(dir.path(), &truncated, &data, "truncated.json: corrupt or truncated model file: the JSON ends early");
    let foreign = write(dir.path(), "foreign.json", "{\"name\": \"something else\", \"weights\": [1, 2]}");
    score_fails(
        dir.path(),
        &foreign,
        &data,
        "foreign.json: not a churn model file (no \"format\": \"churn-model\" field)",
    );
    let csv = write(dir.path(), "notjson.json", "a,b\n1,2\n");
    score_fails(dir.path(), &csv, &data, "notjson.json: not a churn model file (it is not a JSON object)");
    let future = write(dir.path(), "future.json", &text.replacen("\"format_version\": 1", "\"format_version\": 99", 1));
    score_fails(dir.path(), &future, &data, "future.json: model format version 99 is not supported by churn");
    let tampered = write(dir.path(), "tampered.json", &text.replacen("\"coef\": [", "\"coef\": [0.5, ", 1));
    score_fails(
        dir.path(),
        &tampered,
        &data,
        "tampered.json: corrupt or truncated model file: the learner expects 11 inputs but preprocessing produces 10",
    );
}

#[test]
fn data_that_does_not_match_the_model_schema() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained_model(dir.path());
    let text = customers_csv(50, 3).replacen("logins_30d", "logins_7d", 1).replacen("tickets", "ticket_count", 1);
    let data = write(dir.path(), "renamed.csv", &text);
    score_fails(
        dir.path(),
        &model,
        &data,
        "renamed.csv: the data does not match the model's schema: missing columns `logins_30d`, `tickets`",
    );
    let text = customers_csv(50, 3).replacen("account_id", "customer", 1);
    let data = write(dir.path(), "noid.csv", &text);
    score_fails(dir.path(), &model, &data, "missing column `account_id`");
}

#[test]
fn bad_config_and_options() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", &customers_csv(200, 1));
    let config = write(dir.path(), "churn.toml", "[[tiers]]\nname = \"Red\"\nmin = 0.5\nmax = 1.0\n");
    train_fails(
        dir.path(),
        &data,
        &["--label", "churned", "--config", config.to_str().unwrap()],
        "invalid risk tiers: the bottom band `Red` must start at 0, not 0.5",
    );
    train_fails(
        dir.path(),
        &data,
        &["--label", "churned", "--class-weight", "heavy"],
        "invalid value 'heavy' for '--class-weight <W>'",
    );
    train_fails(dir.path(), &data, &[], "no label column: pass --label COL");
    train_fails(
        dir.path(),
        &data,
        &["--label", "churned", "--cv-folds", "many"],
        "invalid value 'many' for '--cv-folds <K>'",
    );
    train_fails(dir.path(), &data, &["--label", "churned", "--cv-folds", "1"], "must be 0 (off) or at least 2");
    train_fails(
        dir.path(),
        &data,
        &["--label", "churned", "--cv-folds", "3", "--no-refit"],
        "it cannot go with --no-refit",
    );
}
