//! Bad input: exact error messages against fixture files, and no partial output.

use std::path::{Path, PathBuf};

use churn_features::{build_features, dictionary_path, run, FeatureDictionary, FeatureError, FeatureSpec};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/errors")
}

fn base_spec() -> String {
    std::fs::read_to_string(fixtures().join("spec.toml")).unwrap()
}

/// Builds with the base spec after replacing `from` by `to`; returns the error message.
fn error_with(from: &str, to: &str) -> String {
    let text = base_spec();
    assert!(text.contains(from), "{from}");
    let text = text.replacen(from, to, 1);
    let r = FeatureSpec::from_toml(&text, "spec.toml").and_then(|s| build_features(&s, &fixtures()));
    match r {
        Ok(_) => panic!("expected an error after replacing {from:?} by {to:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn unparseable_date_names_file_line_column_and_value() {
    assert_eq!(
        error_with("usage_ok.csv", "usage_bad_date.csv"),
        "usage_bad_date.csv line 4, column `date`: cannot parse '2020-13-01' as a date"
    );
}

#[test]
fn unparseable_count_names_file_line_column_and_value() {
    assert_eq!(
        error_with("usage_ok.csv", "usage_bad_count.csv"),
        "usage_bad_count.csv line 3, column `count`: cannot parse 'abc' as a number"
    );
}

#[test]
fn short_row() {
    assert_eq!(
        error_with("usage_ok.csv", "usage_short_row.csv"),
        "usage_short_row.csv line 3: expected 4 fields, found 2"
    );
}

#[test]
fn subscription_end_before_start() {
    assert_eq!(
        error_with("\"subscriptions.csv\"", "\"subscriptions_end_before_start.csv\""),
        "subscriptions_end_before_start.csv line 3: end date '2020-03-01' is before start date '2020-03-10'"
    );
}

#[test]
fn missing_column_suggests_the_closest() {
    assert_eq!(
        error_with("start = \"start_date\"", "start = \"strat_date\""),
        "subscriptions.csv: no column `strat_date` (spec field `subscriptions.start`) (did you mean `start_date`?); \
         columns are: account_id, start_date, end_date, plan"
    );
    assert_eq!(
        error_with("type = \"metric\"", "type = \"metrc\""),
        "usage_ok.csv: no column `metrc` (spec field `activity.type`) (did you mean `metric`?); \
         columns are: account_id, date, metric, count"
    );
}

#[test]
fn unknown_aggregation_lists_the_valid_ones() {
    assert_eq!(
        error_with("aggregations = [\"count\"]", "aggregations = [\"cnt\"]"),
        "spec field `features[0].aggregations`: unknown aggregation 'cnt' (did you mean `count`?); \
         valid aggregations: count, sum, mean, active_days"
    );
}

#[test]
fn unknown_event_type_lists_the_declared_ones() {
    assert_eq!(
        error_with("events = \"login\"", "events = \"logn\""),
        "spec field `features[0].events`: unknown event type 'logn' (did you mean `login`?); \
         declared event types: login, view"
    );
}

#[test]
fn spec_shape_errors() {
    let msg = error_with("kind = \"window\"", "kind = \"windw\"");
    assert!(msg.starts_with("spec spec.toml: "), "{msg}");
    assert!(msg.contains("unknown variant `windw`"), "{msg}");
    assert_eq!(
        error_with("date = \"2020-02-01\"", "date = \"2020-02-30\""),
        "spec field `snapshots.date`: cannot parse '2020-02-30' as a date (YYYY-MM-DD)"
    );
    assert_eq!(
        error_with("data_end = \"2020-04-01\"", ""),
        "spec field `data_end`: required in training mode (first date not covered by the data)"
    );
    let e = FeatureSpec::from_toml(
        &base_spec().replace(
            "aggregations = [\"count\"]",
            "aggregations = [\"count\"]\nname = \"x\"\n[[features]]\nkind = \"tenure\"\nname = \"x\"",
        ),
        "s",
    )
    .unwrap_err();
    assert!(matches!(e, FeatureError::DuplicateColumn { ref name } if name == "x"), "{e}");
}

#[test]
fn events_for_unknown_accounts_are_counted_not_fatal() {
    let spec = FeatureSpec::from_toml(&base_spec(), "spec.toml").unwrap();
    let (table, summary) = build_features(&spec, &fixtures()).unwrap();
    assert_eq!(summary.unknown_account_rows, 2);
    assert_eq!(summary.unknown_accounts, 1);
    assert_eq!(summary.unknown_account_examples, vec!["zz".to_string()]);
    assert_eq!(summary.activity_rows, 5);
    assert!(summary.to_string().contains("2 rows for 1 accounts not in the subscriptions table"));
    // a1 (alive: its period ends 2020-03-01) and a2 (open-ended).
    assert_eq!(table.accounts, vec!["a1", "a2"]);
    assert_eq!(table.number(0, "login_count_28d"), Some(3.0));
    assert_eq!(table.number(1, "login_count_28d"), Some(1.0));
    assert_eq!(table.labels, Some(vec![true, false]));
}

#[test]
fn run_writes_table_and_dictionary_and_nothing_on_error() {
    let dir = tempfile::tempdir().unwrap();
    // Success.
    let out = dir.path().join("features.csv");
    let summary = run(&fixtures().join("spec.toml"), None, &out).unwrap();
    assert_eq!(summary.rows, 2);
    let csv = std::fs::read_to_string(&out).unwrap();
    assert_eq!(csv, "account_id,snapshot_date,login_count_28d,churned\na1,2020-02-01,3,1\na2,2020-02-01,1,0\n");
    let dict = FeatureDictionary::load(&dictionary_path(&out)).unwrap();
    assert_eq!(dict.features.len(), 1);
    assert_eq!(dict.features[0].name, "login_count_28d");
    assert_eq!(dict.features[0].window_days, Some(28));
    let spec = FeatureSpec::from_toml(&base_spec(), "x").unwrap();
    assert_eq!(dict.spec, spec);
    // Failure: a bad data file leaves neither the table nor the dictionary nor temporary files.
    let spec_dir = tempfile::tempdir().unwrap();
    let bad_spec = spec_dir.path().join("bad.toml");
    std::fs::write(&bad_spec, base_spec().replace("usage_ok.csv", "usage_bad_date.csv")).unwrap();
    let out2 = dir.path().join("bad.csv");
    let err = run(&bad_spec, Some(&fixtures()), &out2).unwrap_err();
    assert!(err.to_string().contains("line 4"), "{err}");
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, vec!["features.csv", "features.csv.dictionary.json"]);
    // A missing spec file is an I/O error naming it.
    let err = run(&dir.path().join("nope.toml"), None, &out2).unwrap_err();
    assert!(err.to_string().contains("nope.toml"), "{err}");
}

#[test]
fn dictionary_rejects_other_format_versions() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.csv");
    run(&fixtures().join("spec.toml"), None, &out).unwrap();
    let p = dictionary_path(&out);
    let text = std::fs::read_to_string(&p).unwrap().replace("\"format_version\": 1", "\"format_version\": 99");
    let e = FeatureDictionary::from_json(&text, &p).unwrap_err();
    assert!(e.to_string().contains("unsupported feature dictionary format_version Some(99)"), "{e}");
}

#[test]
fn gzip_is_detected_by_content_and_crlf_and_quotes_are_read() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let f = fixtures();
    std::fs::copy(f.join("subscriptions.csv"), dir.path().join("subscriptions.csv")).unwrap();
    // Quoted fields and CRLF line ends, gzip-compressed, with a .csv name.
    let usage = "account_id,date,metric,count\r\n\"a1\",2020-01-05,\"login\",3\r\na2,\"2020-01-20\",view,2\r\na2,2020-01-22,login,\"1\"\r\n";
    let file = std::fs::File::create(dir.path().join("usage_ok.csv")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    gz.write_all(usage.as_bytes()).unwrap();
    gz.finish().unwrap();
    let spec = FeatureSpec::from_toml(&base_spec(), "spec.toml").unwrap();
    let (table, summary) = build_features(&spec, dir.path()).unwrap();
    assert_eq!(summary.activity_rows, 3);
    assert_eq!(table.number(0, "login_count_28d"), Some(3.0));
    assert_eq!(table.number(1, "login_count_28d"), Some(1.0));
}

#[test]
fn a_missing_output_folder_fails_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let err = run(&fixtures().join("spec.toml"), None, &dir.path().join("no/such/f.csv")).unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn crlf_line_ends_and_blank_lines_give_the_file_line() {
    // The subscription error of `subscription_end_before_start` with CRLF line ends and a blank
    // line before the bad row: it is on line 4 of the file (the csv crate alone would say 2).
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(fixtures()).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    let text = std::fs::read_to_string(fixtures().join("subscriptions_end_before_start.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(2, "");
    std::fs::write(dir.path().join("subscriptions_end_before_start.csv"), lines.join("\r\n") + "\r\n").unwrap();
    let spec = base_spec().replacen("\"subscriptions.csv\"", "\"subscriptions_end_before_start.csv\"", 1);
    let e = FeatureSpec::from_toml(&spec, "spec.toml").and_then(|s| build_features(&s, dir.path())).unwrap_err();
    assert_eq!(
        e.to_string(),
        "subscriptions_end_before_start.csv line 4: end date '2020-03-01' is before start date '2020-03-10'"
    );
}
