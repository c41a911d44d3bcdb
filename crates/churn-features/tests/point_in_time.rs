//! Point-in-time correctness: signals planted at and after the snapshot date never reach a
//! feature; training and scoring compute identical features; any thread count gives the same
//! bytes.

mod common;

use churn_core::date::parse_date;
use churn_features::{build_features, features_at, Cell, FeatureSpec, FeatureTable};
use common::{generate, spec_text, write, Data, Ev, TYPES};

fn table(data: &Data, snapshots: &str, label: &str, mode: &str) -> FeatureTable {
    let dir = tempfile::tempdir().unwrap();
    write(data, dir.path(), false);
    let spec = FeatureSpec::from_toml(&spec_text("events.csv", snapshots, label, mode), "t").unwrap();
    build_features(&spec, dir.path()).unwrap().0
}

fn csv_of(t: &FeatureTable) -> String {
    let mut v = Vec::new();
    t.write_csv(&mut v).unwrap();
    String::from_utf8(v).unwrap()
}

fn planted(data: &Data, t: i32) -> Data {
    let mut d = data.clone();
    let accounts: Vec<String> = data.subs.iter().map(|s| s.acc.clone()).collect();
    for acc in accounts {
        for ty in TYPES.iter().chain(["noise"].iter()) {
            // At t (first and last second of the day) and every few days after.
            for (day, secs) in [(t, 0), (t, 86_399), (t + 1, 5), (t + 3, 100), (t + 40, 7)] {
                for _ in 0..3 {
                    d.events.push(Ev {
                        acc: acc.clone(),
                        day,
                        secs,
                        ty: ty.to_string(),
                        value: 1e6,
                        value_text: "1000000".into(),
                    });
                }
            }
        }
    }
    // Subscription attributes of rows starting at or after t change.
    for s in d.subs.iter_mut() {
        if s.start >= t {
            s.plan = "leaked".into();
        }
    }
    d
}

#[test]
fn signals_at_and_after_the_snapshot_never_reach_a_feature() {
    let data = generate(11, 60);
    for (snapshots, label, mode) in [
        ("kind = \"cutoff\"\ndate = \"2021-04-01\"", "horizon_days = 30", "training"),
        ("kind = \"cutoff\"\ndate = \"2021-04-01\"", "", "scoring"),
    ] {
        let t = parse_date("2021-04-01").unwrap();
        let before = table(&data, snapshots, label, mode);
        let after = table(&planted(&data, t), snapshots, label, mode);
        assert!(before.len() > 20);
        assert_eq!(csv_of(&before), csv_of(&after), "{mode}");
    }
    // Anniversary snapshots: plant after every snapshot of each account, i.e. at the latest one.
    let snapshots = "kind = \"anniversary\"\nstart = \"2021-01-15\"\nend = \"2021-07-20\"";
    let before = table(&data, snapshots, "lead_days = 3", "training");
    let mut leaky = data.clone();
    for r in 0..before.len() {
        let last_of_account = r + 1 == before.len() || before.accounts[r + 1] != before.accounts[r];
        if last_of_account {
            for day in [before.snapshots[r], before.snapshots[r] + 2] {
                leaky.events.push(Ev {
                    acc: before.accounts[r].clone(),
                    day,
                    secs: 0,
                    ty: "buy".into(),
                    value: 5e5,
                    value_text: "500000".into(),
                });
            }
        }
    }
    let after = table(&leaky, snapshots, "lead_days = 3", "training");
    assert_eq!(csv_of(&before), csv_of(&after));
}

#[test]
fn an_event_on_the_day_before_does_reach_the_features() {
    // The converse: the test above would notice a window that includes day t.
    let data = generate(12, 30);
    let t = parse_date("2021-04-01").unwrap();
    let snapshots = "kind = \"cutoff\"\ndate = \"2021-04-01\"";
    let before = table(&data, snapshots, "", "scoring");
    let mut d = data.clone();
    let acc = before.accounts[0].clone();
    d.events.push(Ev {
        acc: acc.clone(),
        day: t - 1,
        secs: 86_399,
        ty: "login".into(),
        value: 1.0,
        value_text: "1".into(),
    });
    let after = table(&d, snapshots, "", "scoring");
    assert_eq!(after.number(0, "login_count_1d"), Some(before.number(0, "login_count_1d").unwrap() + 1.0));
    assert_eq!(after.number(0, "days_since_login"), Some(1.0));
}

#[test]
fn scoring_recomputes_exactly_the_training_features() {
    let data = generate(13, 80);
    let dir = tempfile::tempdir().unwrap();
    write(&data, dir.path(), true);
    let spec = FeatureSpec::from_toml(
        &spec_text(
            "events.csv.gz",
            "kind = \"monthly\"\nstart = \"2021-02-01\"\nend = \"2021-07-01\"",
            "horizon_days = 14\ncensored = \"keep\"",
            "training",
        ),
        "t",
    )
    .unwrap();
    let (train, _) = build_features(&spec, dir.path()).unwrap();
    let mut compared = 0;
    for date in ["2021-03-01", "2021-06-01"] {
        let t = parse_date(date).unwrap();
        let (score, summary) = features_at(&spec, dir.path(), t).unwrap();
        assert!(score.labels.is_none());
        assert_eq!(summary.churned_rows, None);
        assert_eq!(score.columns, train.columns);
        for r in 0..train.len() {
            if train.snapshots[r] != t {
                continue;
            }
            let s = (0..score.len())
                .find(|&i| score.accounts[i] == train.accounts[r])
                .expect("a training row's account is alive at t in scoring");
            for c in 0..train.columns.len() {
                let (a, b) = (train.cell(r, c), score.cell(s, c));
                match (a, b) {
                    (Cell::Number(x), Cell::Number(y)) => assert_eq!(x.to_bits(), y.to_bits()),
                    _ => assert_eq!(a, b),
                }
            }
            compared += 1;
        }
    }
    assert!(compared > 50, "{compared}");
}

#[test]
fn any_thread_count_gives_identical_output() {
    let data = generate(14, 300);
    let dir = tempfile::tempdir().unwrap();
    write(&data, dir.path(), false);
    let spec = FeatureSpec::from_toml(
        &spec_text(
            "events.csv",
            "kind = \"anniversary\"\nstart = \"2021-01-01\"\nend = \"2021-07-01\"",
            "",
            "training",
        ),
        "t",
    )
    .unwrap();
    let mut outputs = Vec::new();
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let t = pool.install(|| build_features(&spec, dir.path()).unwrap().0);
        outputs.push(csv_of(&t));
    }
    assert!(outputs[0].lines().count() > 300);
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
}
