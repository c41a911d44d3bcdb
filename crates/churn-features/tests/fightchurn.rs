//! Real-data tests on the book's simulated data set (`/work/shared/datasets/fightchurn_socialnet7_sim`).
//! Skipped when the data are absent, unless the environment variable `CI` is set (then they fail).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use churn_core::date::{format_date, parse_date};
use churn_features::{build_features, load_spec, ActivityFormat, Censored, Mode, SnapshotSpec};

const DATA: &str = "/work/shared/datasets/fightchurn_socialnet7_sim";

fn data_dir() -> Option<PathBuf> {
    let p = PathBuf::from(DATA);
    if p.join("observation.csv").exists() {
        Some(p)
    } else if std::env::var_os("CI").is_some() {
        panic!("{DATA} is missing and CI is set");
    } else {
        eprintln!("skipping: {DATA} is absent");
        None
    }
}

fn spec_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/fightchurn_socialnet7.toml")
}

fn read_gz_lines(path: &Path) -> Vec<String> {
    let f = std::fs::File::open(path).unwrap();
    BufReader::new(flate2::read::MultiGzDecoder::new(f)).lines().map(|l| l.unwrap()).collect()
}

#[test]
fn reproduces_the_books_observation_rows_exactly() {
    let Some(dir) = data_dir() else { return };
    let spec = load_spec(&spec_path()).unwrap();
    let (table, summary) = build_features(&spec, &dir).unwrap();

    let mut expected = BTreeSet::new();
    let text = std::fs::read_to_string(dir.join("observation.csv")).unwrap();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        expected.insert((f[0].to_string(), f[1].to_string(), f[2] == "t"));
    }
    assert_eq!(expected.len(), 6608);
    let got: BTreeSet<(String, String, bool)> = (0..table.len())
        .map(|r| (table.accounts[r].clone(), format_date(table.snapshots[r]), table.labels.as_ref().unwrap()[r]))
        .collect();
    assert_eq!(got.len(), table.len(), "duplicate rows");
    let missing: Vec<_> = expected.difference(&got).take(5).collect();
    let extra: Vec<_> = got.difference(&expected).take(5).collect();
    assert!(missing.is_empty() && extra.is_empty(), "missing {missing:?}, extra {extra:?}");
    assert_eq!(summary.rows, 6608);
    assert_eq!(summary.churned_rows, Some(108));
    assert_eq!(summary.unknown_account_rows, 0);
    assert_eq!(summary.activity_rows, 1_136_283);
}

/// Per event type counts on [t-28, t), velocity, 8-week slope and tenure, recomputed naively from
/// daily_usage.csv.gz and subscription.csv for every row.
#[test]
fn socialnet7_features_match_a_naive_recomputation() {
    let Some(dir) = data_dir() else { return };
    let spec = load_spec(&spec_path()).unwrap();
    let (table, _) = build_features(&spec, &dir).unwrap();
    let names = ["post", "newfriend", "like", "adview", "dislike", "unfriend", "message", "reply"];
    // account -> (type, day) -> count
    let mut usage: HashMap<String, BTreeMap<(usize, i32), f64>> = HashMap::new();
    for line in read_gz_lines(&dir.join("daily_usage.csv.gz")).iter().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let e = usage.entry(f[0].to_string()).or_default();
        *e.entry((f[2].parse().unwrap(), parse_date(f[1]).unwrap())).or_default() += f[3].parse::<f64>().unwrap();
    }
    let mut first_start: HashMap<String, i32> = HashMap::new();
    for line in std::fs::read_to_string(dir.join("subscription.csv")).unwrap().lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let d = parse_date(f[2]).unwrap();
        let e = first_start.entry(f[0].to_string()).or_insert(d);
        *e = (*e).min(d);
    }
    let empty = BTreeMap::new();
    for r in 0..table.len() {
        let acc = &table.accounts[r];
        let t = table.snapshots[r];
        let u = usage.get(acc).unwrap_or(&empty);
        let total = |ty: usize, a: i32, b: i32| -> f64 { u.range((ty, a)..(ty, b)).map(|(_, v)| *v).sum() };
        for (ty, name) in names.iter().enumerate() {
            let now = total(ty, t - 28, t);
            let prev = total(ty, t - 56, t - 28);
            assert_eq!(table.number(r, &format!("{name}_count_28d")), Some(now));
            let vel = if prev != 0.0 {
                (now - prev) / prev
            } else if now == 0.0 {
                0.0
            } else {
                1.0
            };
            let got = table.number(r, &format!("{name}_count_velocity_28d")).unwrap();
            assert!((got - vel).abs() < 1e-12, "{acc} {t} {name}: {got} vs {vel}");
            let ys: Vec<f64> = (0..8).map(|i| total(ty, t - 56 + 7 * i, t - 49 + 7 * i)).collect();
            let ym = ys.iter().sum::<f64>() / 8.0;
            let num: f64 = ys.iter().enumerate().map(|(i, y)| (i as f64 - 3.5) * (y - ym)).sum();
            let slope = num / 42.0;
            let got = table.number(r, &format!("{name}_trend_8x7d")).unwrap();
            assert!((got - slope).abs() < 1e-9, "{acc} {t} {name}: slope {got} vs {slope}");
        }
        assert_eq!(table.number(r, "tenure_days"), Some((t - first_start[acc]) as f64));
    }
}

/// The raw-event path on event_sample.csv.gz (accounts 0-149) gives the same features as the
/// daily usage path for those accounts.
#[test]
fn raw_events_and_daily_usage_agree_on_the_sample() {
    let Some(dir) = data_dir() else { return };
    let usage_spec = load_spec(&spec_path()).unwrap();
    let mut ev_spec = usage_spec.clone();
    ev_spec.activity.file = "event_sample.csv.gz".into();
    ev_spec.activity.format = ActivityFormat::Events;
    ev_spec.activity.time = "event_time".into();
    ev_spec.activity.value = None;
    let (u, _) = build_features(&usage_spec, &dir).unwrap();
    let (e, es) = build_features(&ev_spec, &dir).unwrap();
    assert_eq!(es.activity_rows, 191_911);
    assert_eq!(u.columns, e.columns);
    let mut compared = 0;
    for r in 0..u.len() {
        let id: u32 = u.accounts[r].parse().unwrap();
        if id >= 150 {
            continue;
        }
        assert_eq!(e.accounts[r], u.accounts[r]);
        for c in 0..u.columns.len() {
            assert_eq!(e.cell(r, c), u.cell(r, c), "row {r} column {}", u.columns[c].name);
        }
        compared += 1;
    }
    assert!(compared > 300, "{compared}");
}

/// SOURCE.txt's fixed cut-off populations and churn counts.
#[test]
fn fixed_cutoffs_match_the_documented_counts() {
    let Some(dir) = data_dir() else { return };
    let base = load_spec(&spec_path()).unwrap();
    for (cutoff, months, rows, churned) in
        [("2020-04-01", 2, 2242, 71), ("2020-03-01", 1, 2083, 62), ("2020-05-01", 1, 2444, 45)]
    {
        let mut spec = base.clone();
        // Rows and labels do not depend on activity: use the small raw sample to keep this fast.
        spec.activity.file = "event_sample.csv.gz".into();
        spec.activity.format = ActivityFormat::Events;
        spec.activity.time = "event_time".into();
        spec.activity.value = None;
        spec.mode = Mode::Training;
        spec.data_end = Some("2020-06-01".into());
        spec.snapshots = SnapshotSpec::Cutoff { date: cutoff.into() };
        spec.label.lead_days = 0;
        spec.label.horizon_months = Some(months);
        spec.label.censored = Censored::Drop;
        let (_, s) = build_features(&spec, &dir).unwrap();
        assert_eq!((s.rows, s.churned_rows), (rows, Some(churned)), "cut-off {cutoff}");
    }
}
