//! Bad configurations and unusable output paths are typed errors with exact messages.

use churn_sim::{simulate, SimConfig, SimError};

fn err(config: &SimConfig) -> String {
    let dir = tempfile::tempdir().unwrap();
    let e = simulate(config, dir.path()).unwrap_err();
    assert!(matches!(e, SimError::InvalidConfig { .. }), "{e:?}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "files left behind");
    e.to_string()
}

#[test]
fn invalid_configs_are_rejected_with_exact_messages() {
    let d = SimConfig::default();
    assert_eq!(
        err(&SimConfig { accounts: 0, ..d.clone() }),
        "invalid simulation config: accounts = 0: expected 1..=1000000000"
    );
    assert_eq!(
        err(&SimConfig { days: 100, ..d.clone() }),
        "invalid simulation config: days = 100: expected at least snapshot_lead_days + 60 = 150 \
         (the snapshot needs 60 days of history)"
    );
    assert_eq!(
        err(&SimConfig { days: 0, ..d.clone() }),
        "invalid simulation config: days = 0: expected at least snapshot_lead_days + 60 = 150 \
         (the snapshot needs 60 days of history)"
    );
    assert_eq!(
        err(&SimConfig { churn_horizon_days: 91, ..d.clone() }),
        "invalid simulation config: churn_horizon_days = 91: expected at most snapshot_lead_days (90) \
         so that every snapshot label is observed"
    );
    assert_eq!(
        err(&SimConfig { churn_horizon_days: 0, ..d.clone() }),
        "invalid simulation config: churn_horizon_days = 0: expected at least 1"
    );
    assert_eq!(
        err(&SimConfig { start: i32::MAX, ..d.clone() }),
        "invalid simulation config: start = 2147483647: expected a day number between 1910-01-01 and 9000-01-01"
    );
    assert_eq!(
        err(&SimConfig { days: 1_000_000, ..d.clone() }),
        "invalid simulation config: days = 1000000: expected at most 10000"
    );
    assert!(d.validate().is_ok());
    assert!(SimConfig::saas_small().validate().is_ok());
}

#[test]
fn unusable_output_directory_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let config = SimConfig { accounts: 3, ..SimConfig::default() };
    let e = simulate(&config, &file).unwrap_err();
    match &e {
        SimError::Io { action, path, .. } => {
            assert_eq!(*action, "create directory");
            assert_eq!(path, &file);
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().starts_with(&format!("cannot create directory {}: ", file.display())), "{e}");
}

#[test]
fn config_reads_from_json_with_defaults_and_rejects_unknown_fields() {
    let c: SimConfig = serde_json::from_str(r#"{"accounts": 10, "seed": 3, "raw_events": true}"#).unwrap();
    assert_eq!(c, SimConfig { accounts: 10, seed: 3, raw_events: true, ..SimConfig::default() });
    let e = serde_json::from_str::<SimConfig>(r#"{"acounts": 10}"#).unwrap_err();
    assert!(e.to_string().contains("unknown field `acounts`"), "{e}");
}

#[test]
fn output_replaces_old_files_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("usage.csv"), b"stale").unwrap();
    let config = SimConfig { accounts: 5, ..SimConfig::default() };
    let summary = simulate(&config, dir.path()).unwrap();
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["accounts.csv", "nps.csv", "snapshot.csv", "subscriptions.csv", "tickets.csv", "usage.csv"]);
    assert!(std::fs::read(dir.path().join("usage.csv")).unwrap().starts_with(b"account_id,date,event_type,count\n"));
    let files: Vec<String> =
        summary.files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(files, ["accounts.csv", "subscriptions.csv", "usage.csv", "tickets.csv", "nps.csv", "snapshot.csv"]);
}
