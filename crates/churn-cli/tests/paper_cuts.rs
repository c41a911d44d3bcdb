//! Issue 14 paper cuts in the model report, through the binary: lift table counts, the Platt
//! formula's sign, the coefficient column of tree models.

mod common;

use std::path::Path;

use common::{churn, customers_csv, write};

/// Trains with `--report` and returns (report.md, model JSON).
fn train_report(d: &Path, data: &Path, extra: &[&str]) -> (String, serde_json::Value) {
    let model = d.join("m.json");
    let rep = d.join("rep");
    churn()
        .args(["train", "--data"])
        .arg(data)
        .args(["--label", "churned", "--positive", "Yes", "--id", "account_id"])
        .args(extra)
        .arg("--report")
        .arg(&rep)
        .arg("--out")
        .arg(&model)
        .assert()
        .success();
    let md = std::fs::read_to_string(rep.join("report.md")).unwrap();
    (md, serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap())
}

/// The cells of column `name` of the Markdown table whose header row starts with `header`.
fn column(md: &str, header: &str, name: &str) -> Option<Vec<String>> {
    let mut lines = md.lines().skip_while(|l| !l.starts_with(header));
    let head: Vec<&str> = lines.next()?.split('|').map(str::trim).collect();
    let j = head.iter().position(|h| *h == name)?;
    Some(
        lines
            .skip(1)
            .take_while(|l| l.starts_with('|'))
            .map(|l| l.split('|').map(str::trim).nth(j).unwrap().to_string())
            .collect(),
    )
}

#[test]
fn lift_counts_are_rounded_the_formula_has_one_sign_and_trees_have_no_coefficient_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = write(d, "train.csv", &customers_csv(1500, 3));
    // Only `plan`: three distinct scores, so tie blocks straddle the deciles.
    let (md, model) =
        train_report(d, &data, &["--models", "logistic", "--drop", "monthly_fee,logins_30d,tickets,autopay,last_nps"]);
    let churned = column(&md, "| decile |", "churned").expect("lift table");
    assert_eq!(churned.len(), 10);
    let mut fractional = 0;
    for c in &churned {
        let (int, frac) = c.split_once('.').unwrap_or((c, ""));
        assert!(int.chars().all(|ch| ch.is_ascii_digit()) && frac.len() <= 1, "unrounded count {c}");
        fractional += usize::from(!frac.is_empty());
    }
    assert!(fractional > 0, "ties should split some decile: {churned:?}");
    let total: f64 = churned.iter().map(|c| c.parse::<f64>().unwrap()).sum();
    assert!((total - total.round()).abs() <= 0.05 * 10.0, "{total}");
    assert!(column(&md, "| input |", "coefficient").is_some(), "logistic models keep their coefficients");
    // Platt formula: `a * log-odds - |b|` when b < 0, never `+ -`.
    let b = model["calibrator"]["b"].as_f64().unwrap();
    assert!(!md.contains("+ -"), "formula with `+ -`");
    let sign = if b < 0.0 { "-" } else { "+" };
    assert!(md.contains(&format!("log-odds {sign} {:.4})", b.abs())), "b = {b}");

    let d2 = d.join("gbdt");
    std::fs::create_dir(&d2).unwrap();
    let (md, _) = train_report(&d2, &data, &["--models", "gbdt"]);
    let names = column(&md, "| input |", "input").expect("importance table");
    assert!(!names.is_empty());
    assert!(column(&md, "| input |", "coefficient").is_none(), "empty coefficient column in a GBDT report");
}

/// The leaderboard `train` prints keeps every figure in its column, however long a candidate's
/// settings are (boosting's run past the 48 characters once reserved for them).
#[test]
fn leaderboard_figures_stay_in_their_columns() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", &customers_csv(1500, 3));
    let out = churn()
        .args(["train", "--data"])
        .arg(&data)
        .args(["--label", "churned", "--positive", "Yes", "--id", "account_id", "--out"])
        .arg(dir.path().join("m.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines().skip_while(|l| !l.contains("val AUC"));
    let header = lines.next().expect("a leaderboard header");
    let rows: Vec<&str> =
        lines.take_while(|l| l.starts_with("    ") && !l.starts_with("    (") && !l.contains(": ")).collect();
    assert!(rows.len() >= 4, "{text}");
    // At least one settings entry is longer than 48 characters (a row longer than the 127
    // characters of the old fixed layout), so the test exercises the case.
    assert!(rows.iter().any(|r| r.chars().count() > 127), "{text}");
    // Right-aligned columns: each row ends where the header ends, and its last number sits
    // under "fit s".
    for r in &rows {
        assert_eq!(r.chars().count(), header.chars().count(), "{r}\n{header}");
    }
}
