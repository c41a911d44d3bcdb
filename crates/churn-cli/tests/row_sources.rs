//! `score --as-of` scores the feature table in memory: its output bytes equal those of scoring
//! the same table written as CSV (`--data`), in every format, and a survival model's too.

mod common;

use std::path::Path;

use churn_model::ModelFile;
use common::churn;

fn example() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/transactions-small"))
}

/// Trains a model on the example's feature table (`extra` train arguments).
fn model(d: &Path, name: &str, extra: &[&str]) -> std::path::PathBuf {
    let feats = d.join("features.csv");
    if !feats.exists() {
        churn()
            .args(["features", "--spec"])
            .arg(example().join("spec.toml"))
            .arg("--out")
            .arg(&feats)
            .assert()
            .success();
    }
    let model = d.join(name);
    churn()
        .args(["train", "--data"])
        .arg(&feats)
        .arg("--features")
        .arg(d.join("features.csv.dictionary.json"))
        .args(extra)
        .arg("--out")
        .arg(&model)
        .assert()
        .success();
    model
}

/// Scores with `input` (`--data FILE` or `--as-of DATE --activity-dir DIR`) into `out`.
fn score(model: &Path, input: &[&std::ffi::OsStr], out: &Path, format: &str) -> Vec<u8> {
    churn()
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .args(["score", "--quiet", "--model"])
        .arg(model)
        .args(input)
        .args(["--format", format, "--out"])
        .arg(out)
        .assert()
        .success();
    std::fs::read(out).unwrap()
}

fn as_of_matches_the_csv(d: &Path, model: &Path, date: &str) {
    let m = ModelFile::load(model).unwrap();
    let spec = &m.features.as_ref().expect("a features model").spec;
    let day = churn_core::date::parse_date(date).unwrap();
    let (mut table, _) = churn_features::features_at(spec, example(), day).unwrap();
    if let Some(sec) = &m.survival {
        table.times = Some((sec.time.clone(), vec![0; table.len()]));
    }
    let csv = d.join(format!("at-{date}.csv"));
    table.write_csv(std::fs::File::create(&csv).unwrap()).unwrap();
    assert!(!table.is_empty());
    for format in ["csv", "jsonl", "parquet"] {
        let from_csv = score(model, &["--data".as_ref(), csv.as_os_str()], &d.join(format!("a.{format}")), format);
        let in_memory = score(
            model,
            &["--as-of".as_ref(), date.as_ref(), "--activity-dir".as_ref(), example().as_os_str()],
            &d.join(format!("b.{format}")),
            format,
        );
        assert_eq!(from_csv, in_memory, "{format}: --as-of differs from scoring the features CSV");
        // The per-tier sums too: the in-memory blocks end where the CSV's do.
        let summary = |f: &str| -> serde_json::Value {
            let text = std::fs::read(d.join(format!("{f}.{format}.summary.json"))).unwrap();
            serde_json::from_slice::<serde_json::Value>(&text).unwrap()["summary"].clone()
        };
        assert_eq!(summary("a"), summary("b"), "{format}: summaries differ");
    }
}

#[test]
fn as_of_scores_the_table_in_memory_as_its_csv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let m = model(d, "logistic.json", &["--models", "logistic"]);
    as_of_matches_the_csv(d, &m, "2025-06-24");
}
