//! Snapshot tests (`insta`) that pin what users read while code moves: every command's
//! `--help`, and the Markdown of a report and of a drift check on a fixed, seeded model.
//!
//! A deliberate change of a text is accepted with `cargo insta review` (or
//! `INSTA_UPDATE=always cargo test -p churn-cli --test snapshots`) and reviewed in the diff of
//! `tests/snapshots/`. Under CI a changed or missing snapshot fails.

mod common;

use common::{churn, customers_csv, trained_model, write};

/// Every subcommand `churn --help` lists, read from the help itself so a new command is
/// snapshotted as soon as it exists.
fn commands() -> Vec<String> {
    let out = churn().arg("--help").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut names = Vec::new();
    let mut in_commands = false;
    for line in text.lines() {
        if line.starts_with("Commands:") {
            in_commands = true;
            continue;
        }
        if in_commands {
            if line.trim().is_empty() || !line.starts_with("  ") {
                break;
            }
            let name = line.split_whitespace().next().unwrap().to_string();
            if name != "help" {
                names.push(name);
            }
        }
    }
    names
}

#[test]
fn help_texts() {
    let top = churn().arg("--help").output().unwrap();
    assert!(top.status.success());
    insta::assert_snapshot!("help", String::from_utf8(top.stdout).unwrap());
    let names = commands();
    assert!(names.len() >= 10, "{names:?}");
    for name in names {
        let mut args: Vec<&str> = name.split(' ').collect();
        args.push("--help");
        let out = churn().args(&args).output().unwrap();
        assert!(out.status.success(), "{name}");
        insta::assert_snapshot!(format!("help-{name}"), String::from_utf8(out.stdout).unwrap());
    }
}

#[test]
fn report_and_drift_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained_model(dir.path());
    let test = write(dir.path(), "test.csv", &customers_csv(600, 11));
    let report = dir.path().join("report");
    churn()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["report", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&test)
        .arg("--out")
        .arg(&report)
        .assert()
        .success();
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    // Fit times and temporary paths vary from run to run; everything else is pinned.
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b\d+\.\d+ s\b", "[time] s");
    settings.add_filter(r"(/tmp|/var)/[^\s`)|]+", "[tmp]");
    settings.bind(|| insta::assert_snapshot!("report-md", md));

    let week = write(dir.path(), "week.csv", &customers_csv(800, 99));
    let drift_md = dir.path().join("drift.md");
    churn()
        .args(["drift", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&week)
        .arg("--markdown")
        .arg(&drift_md)
        .assert()
        .code(0);
    let md = std::fs::read_to_string(&drift_md).unwrap();
    settings.bind(|| insta::assert_snapshot!("drift-md", md));
}
