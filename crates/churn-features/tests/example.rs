//! The shipped example and specs: they run, and specs round-trip through TOML and JSON.

use std::path::Path;

use churn_features::{build_features, load_spec, run, FeatureDictionary, FeatureSpec};

fn datasets() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

#[test]
fn the_example_runs_as_documented() {
    let spec = load_spec(&datasets().join("features-example/spec.toml")).unwrap();
    let (table, summary) = build_features(&spec, &datasets().join("features-example")).unwrap();
    assert_eq!((summary.rows, summary.accounts, summary.snapshot_dates), (92, 39, 3));
    assert_eq!(summary.churned_rows, Some(4));
    assert_eq!(summary.activity_rows, 4955);
    assert_eq!(table.columns.len(), 25);
    assert!(table.column_index("view_per_login_28d").is_some());
    // The run function writes the same table.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.csv");
    run(&datasets().join("features-example/spec.toml"), None, &out).unwrap();
    let mut expected = Vec::new();
    table.write_csv(&mut expected).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), expected);
}

#[test]
fn specs_round_trip_through_toml_and_the_dictionary() {
    for f in ["features-example/spec.toml", "fightchurn_socialnet7.toml", "transactions-small/spec.toml"] {
        let spec = load_spec(&datasets().join(f)).unwrap();
        let again = FeatureSpec::from_toml(&spec.to_toml(), "round trip").unwrap();
        assert_eq!(spec, again, "{f}");
        let dict = FeatureDictionary::new(&spec).unwrap();
        let back = FeatureDictionary::from_json(&dict.to_json(), Path::new("d.json")).unwrap();
        assert_eq!(dict, back, "{f}");
        assert_eq!(back.features, spec.columns().unwrap());
    }
}
