//! Brute-force reference tests: every feature family, snapshot kind and label rule against a
//! naive implementation on seeded random data (with undeclared types, unknown accounts, gaps,
//! open-ended subscriptions, negative values, accounts missing from the static table).

mod common;

use churn_core::date::parse_date;
use churn_features::{build_features, Cell, FeatureSpec};
use common::{generate, naive, spec_text, write, NaiveSpec, V};

fn check(seed: u64, snapshots: &str, label: &str, mode: &str, ns: NaiveSpec, gzip: bool) {
    let data = generate(seed, 80);
    let dir = tempfile::tempdir().unwrap();
    write(&data, dir.path(), gzip);
    let file = if gzip { "events.csv.gz" } else { "events.csv" };
    let spec = FeatureSpec::from_toml(&spec_text(file, snapshots, label, mode), "test").unwrap();
    let (table, summary) = build_features(&spec, dir.path()).unwrap();
    let expected = naive(&data, &ns);
    assert!(expected.len() > 50, "too few rows to be a test: {}", expected.len());
    assert_eq!(table.len(), expected.len(), "row count");
    assert_eq!(summary.unknown_account_rows, 7);
    assert_eq!(summary.unknown_accounts, 3);
    assert!(summary.unlisted_type_rows > 0);
    let mut churned = 0;
    for (r, e) in expected.iter().enumerate() {
        assert_eq!((&table.accounts[r], table.snapshots[r]), (&e.acc, e.t), "row {r}");
        assert_eq!(table.labels.as_ref().map(|l| l[r]), e.label, "label of row {r}");
        churned += (e.label == Some(true)) as usize;
        assert_eq!(table.columns.len(), e.values.len());
        for (c, (name, v)) in e.values.iter().enumerate() {
            assert_eq!(&table.columns[c].name, name);
            match (table.cell(r, c), v) {
                (Cell::Number(got), V::N(want)) => {
                    let tol = 1e-9 * want.abs().max(1.0);
                    assert!((got - want).abs() <= tol, "row {r} ({} {}) {name}: got {got}, want {want}", e.acc, e.t);
                }
                (Cell::Text(got), V::T(Some(want))) => assert_eq!(got, want, "{name}"),
                (Cell::Missing, V::T(None)) => {}
                (got, want) => panic!("row {r} {name}: got {got:?}, want {want:?}"),
            }
        }
    }
    if mode == "training" {
        assert!(churned > 0, "no churned rows: the label check is vacuous");
    }
}

#[test]
fn anniversary_snapshots_with_lead_and_dropped_censored_rows() {
    for seed in [1, 2, 3] {
        check(
            seed,
            "kind = \"anniversary\"\nstart = \"2021-01-15\"\nend = \"2021-07-20\"",
            "lead_days = 3\nhorizon_days = 20",
            "training",
            NaiveSpec {
                data_end: parse_date("2021-08-01").unwrap(),
                gap: 7,
                lead: 3,
                horizon_days: Some(20),
                horizon_months: None,
                keep_censored: false,
                training: true,
                dates: None,
                anniversary: Some((parse_date("2021-01-15").unwrap(), parse_date("2021-07-20").unwrap(), 3)),
            },
            seed == 2,
        );
    }
}

#[test]
fn monthly_snapshots_with_kept_censored_rows() {
    let dates: Vec<i32> = (1..=7).map(|m| parse_date(&format!("2021-{m:02}-15")).unwrap()).collect();
    check(
        4,
        "kind = \"monthly\"\nstart = \"2021-01-01\"\nend = \"2021-08-01\"\nday = 15",
        "horizon_months = 1\ncensored = \"keep\"",
        "training",
        NaiveSpec {
            data_end: parse_date("2021-08-01").unwrap(),
            gap: 7,
            lead: 0,
            horizon_days: None,
            horizon_months: Some(1),
            keep_censored: true,
            training: true,
            dates: Some(dates),
            anniversary: None,
        },
        false,
    );
}

#[test]
fn date_list_in_scoring_mode() {
    let dates = ["2021-03-01", "2021-05-17", "2021-08-01"];
    check(
        5,
        "kind = \"dates\"\ndates = [\"2021-05-17\", \"2021-03-01\", \"2021-08-01\"]",
        "",
        "scoring",
        NaiveSpec {
            data_end: parse_date("2021-08-01").unwrap(),
            gap: 7,
            lead: 0,
            horizon_days: None,
            horizon_months: None,
            keep_censored: false,
            training: false,
            dates: Some(dates.iter().map(|d| parse_date(d).unwrap()).collect()),
            anniversary: None,
        },
        true,
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(6))]

    /// Random activity logs (any seed), snapshot day and horizon: the engine matches the
    /// brute-force reference row for row.
    #[test]
    fn random_logs_and_monthly_specs_match_the_reference(seed in 100u64..1_000_000, day in 1u32..29, months in 1i32..3) {
        let dates: Vec<i32> = (1..=7).map(|m| parse_date(&format!("2021-{m:02}-{day:02}")).unwrap()).collect();
        check(
            seed,
            &format!("kind = \"monthly\"\nstart = \"2021-01-01\"\nend = \"2021-07-31\"\nday = {day}"),
            &format!("horizon_months = {months}\ncensored = \"keep\""),
            "training",
            NaiveSpec {
                data_end: parse_date("2021-08-01").unwrap(),
                gap: 7,
                lead: 0,
                horizon_days: None,
                horizon_months: Some(months),
                keep_censored: true,
                training: true,
                dates: Some(dates),
                anniversary: None,
            },
            seed % 2 == 0,
        );
    }
}
