//! Issue 14: `churn --help` lists every command with examples and exit codes, generated shell
//! completions and man page, and `churn explain` for one account.

mod common;

use std::path::Path;

use common::{churn, customers_csv, write};

/// Every command of the binary: the contract the help, completions and man page must cover.
const COMMANDS: [&str; 13] = [
    "train",
    "score",
    "evaluate",
    "simulate",
    "demo",
    "features",
    "report",
    "compare",
    "drift",
    "health",
    "explain",
    "completions",
    "man",
];

fn stdout(args: &[&str]) -> String {
    let out = churn().args(args).output().unwrap();
    assert!(out.status.success(), "churn {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn top_level_help_lists_every_command_and_each_has_an_example_and_exit_codes() {
    let top = stdout(&["--help"]);
    for c in COMMANDS {
        assert!(top.lines().any(|l| l.trim_start().starts_with(&format!("{c} "))), "`churn --help` misses {c}:\n{top}");
    }
    assert!(top.contains("Exit codes: 0 ok, 1 drift or gate failure"), "{top}");
    for c in COMMANDS {
        let h = stdout(&[c, "--help"]);
        assert!(h.contains("Example:\n  churn "), "`churn {c} --help` has no example:\n{h}");
        assert!(h.contains("Exit codes: 0 "), "`churn {c} --help` has no exit codes:\n{h}");
        assert!(h.contains(" 2 "), "`churn {c} --help` does not name exit code 2:\n{h}");
    }
    for c in ["drift", "compare"] {
        assert!(stdout(&[c, "--help"]).contains(" 1 "), "`churn {c} --help` does not name exit code 1");
    }
    let v = stdout(&["health", "validate", "--help"]);
    assert!(v.contains("Example:") && v.contains("Exit codes:"), "{v}");
}

#[test]
fn completions_and_man_page_name_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let s = stdout(&["completions", shell]);
        for c in COMMANDS {
            assert!(s.contains(c), "{shell} completions miss {c}");
        }
        assert!(s.contains("fail-if-worse") && s.contains("drivers-exclude"), "{shell} completions miss flags");
    }
    let man = stdout(&["man"]);
    assert!(man.starts_with(".ie") || man.contains(".TH churn 1"), "not a roff page");
    for c in COMMANDS {
        assert!(man.contains(&format!(".TH churn-{c} 1")), "man page has no section for {c}");
    }
    let bad = churn().args(["completions", "cmd.exe"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// `account_id -> (fields)` of a CSV written by `churn score`.
fn scored(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().map(|l| l.split(',').map(String::from).collect()).collect()
}

#[test]
fn explain_agrees_with_score_and_the_training_distribution() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = customers_csv(1200, 11);
    let data = write(d, "train.csv", &csv);
    let model = d.join("model.json");
    for models in ["logistic", "gbdt"] {
        churn()
            .args(["train", "--data"])
            .arg(&data)
            .args(["--label", "churned", "--positive", "Yes", "--id", "account_id", "--models", models, "--out"])
            .arg(&model)
            .assert()
            .success();
        let out = d.join("scores.csv");
        churn()
            .args(["score", "--quiet", "--drivers", "0", "--model"])
            .arg(&model)
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let rows = scored(&out);
        let h = &rows[0];
        let col = |n: &str| h.iter().position(|x| x == n).unwrap();
        // Brute-force training percentiles of logins_30d over the whole file (the profile holds
        // the training split only, a random ~60% of it: agreement within a few points).
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let li = header.iter().position(|x| *x == "logins_30d").unwrap();
        let logins: Vec<f64> = csv.lines().skip(1).map(|l| l.split(',').nth(li).unwrap().parse().unwrap()).collect();
        for r in [1usize, 17, 500, 1200] {
            let id = &rows[r][col("account_id")];
            let text = stdout(&[
                "explain",
                "--model",
                model.to_str().unwrap(),
                "--data",
                data.to_str().unwrap(),
                "--id",
                id,
                "--json",
            ]);
            let j: serde_json::Value = serde_json::from_str(&text).unwrap();
            let p_score: f64 = rows[r][col("churn_probability")].parse().unwrap();
            let p = j["churn_probability"].as_f64().unwrap();
            assert!((p - p_score).abs() <= 0.0006, "{models} {id}: explain {p} vs score {p_score}");
            assert_eq!(j["risk_tier"], rows[r][col("risk_tier")].as_str(), "{models} {id}");
            assert_eq!(j["health_state"], rows[r][col("health_state")].as_str(), "{models} {id}");
            let hs: f64 = rows[r][col("health_score")].parse().unwrap();
            assert!((j["health_score"].as_f64().unwrap() - hs).abs() < 1e-9, "{models} {id}");
            let action = &rows[r][col("recommended_action")];
            assert_eq!(j["recommended_action"].as_str().unwrap_or(""), action.as_str());
            // Every model feature once; exact contributions add up to the log-odds.
            let cs = j["contributions"].as_array().unwrap();
            let mut names: Vec<&str> = cs.iter().map(|c| c["feature"].as_str().unwrap()).collect();
            names.sort_unstable();
            assert_eq!(names, ["autopay", "last_nps", "logins_30d", "monthly_fee", "plan", "tickets"]);
            let sum: f64 = cs.iter().map(|c| c["contribution"].as_f64().unwrap()).sum();
            let lo = j["log_odds"].as_f64().unwrap();
            assert!((j["base_value"].as_f64().unwrap() + sum - lo).abs() < 1e-9, "{models} {id}");
            let x: f64 = csv.lines().nth(r).unwrap().split(',').nth(li).unwrap().parse().unwrap();
            let brute = 100.0 * logins.iter().filter(|&&v| v <= x).count() as f64 / logins.len() as f64;
            let c = cs.iter().find(|c| c["feature"] == "logins_30d").unwrap();
            let pct = c["percentile"].as_f64().unwrap();
            assert!((pct - brute).abs() <= 8.0, "{models} {id}: percentile {pct} vs brute force {brute}");
            // Markdown: the same account, tier and every feature.
            let md =
                stdout(&["explain", "--model", model.to_str().unwrap(), "--data", data.to_str().unwrap(), "--id", id]);
            assert!(md.starts_with(&format!("# Account {id}\n")), "{md}");
            assert!(md.contains(&format!("Risk tier: **{}**", rows[r][col("risk_tier")])), "{md}");
            for n in &names {
                assert!(md.contains(&format!("| {n} |")), "{md}");
            }
        }
    }
}

#[test]
fn explain_an_unknown_id_exits_2_without_naming_other_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::trained_model(dir.path());
    let data = dir.path().join("train.csv");
    let out = churn()
        .arg("explain")
        .arg("--model")
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .args(["--id", "A9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no account with account_id = 'A9'"), "{err}");
    assert!(!err.contains("A0"), "the error leaks other ids: {err}");
    assert!(out.stdout.is_empty());
}
