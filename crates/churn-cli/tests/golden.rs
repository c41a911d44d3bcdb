//! Golden model files of every released format version keep loading and scoring to the same
//! numbers. Regenerate (only when the format version changes) with
//! `CHURN_REGENERATE_GOLDEN=1 cargo test -p churn-cli --test golden`.

mod common;

use std::path::{Path, PathBuf};

use common::{churn, customers_csv};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn golden_v1_model_loads_and_scores_to_the_same_numbers() {
    let root = root();
    let data = root.join("datasets/customers-small.csv");
    let model = root.join("models/golden-v1.json");
    let expected = root.join("models/golden-v1.scores.csv");
    if std::env::var_os("CHURN_REGENERATE_GOLDEN").is_some() {
        std::fs::write(&data, customers_csv(600, 2026)).unwrap();
        churn()
            .args(["train", "--data"])
            .arg(&data)
            .args([
                "--label",
                "churned",
                "--positive",
                "Yes",
                "--id",
                "account_id",
                "--seed",
                "7",
                "--name",
                "golden",
                "--out",
            ])
            .arg(&model)
            .assert()
            .success();
        churn()
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .args(["score", "--model"])
            .arg(&model)
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(&expected)
            .arg("--summary")
            .arg(std::env::temp_dir().join("churn-golden-summary.json"))
            .assert()
            .success();
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.csv");
    churn()
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .args(["score", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let got = std::fs::read_to_string(&out).unwrap();
    let want = std::fs::read_to_string(&expected).unwrap();
    assert_eq!(got.lines().count(), 601);
    for (g, w) in got.lines().zip(want.lines()) {
        assert_eq!(g, w, "golden scores changed");
    }
    let m = churn_model::ModelFile::load(&model).unwrap();
    assert_eq!(m.format_version, 1);
    assert_eq!(m.name, "golden");
}
