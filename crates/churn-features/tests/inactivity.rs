//! Specs without subscriptions: inactivity labels, populations from activity, purchase-cycle
//! features and BG/NBD, against a brute-force reference; nothing on or after the snapshot date
//! reaches a feature; scoring tables equal training tables; bad input fails with a clear error.

mod common;

use churn_core::date::{format_date, parse_date};
use churn_features::{build_features, features_at, fit_bgnbd, BgNbd, Cell, FeatureSpec, FeatureTable, Rfm};
use common::{generate, write, Data, Ev, TYPES};

const DATA_END: &str = "2021-08-01";

fn spec_text(snapshots: &str, label_extra: &str, population: &str, mode: &str) -> String {
    format!(
        r#"
mode = "{mode}"
data_end = "{DATA_END}"
{population}
[activity]
file = "events.csv"
account = "account_id"
time = "timestamp"
type = "event_type"
value = "amount"
event_types = ["login", "view", "buy", {{ id = "share", name = "sh" }}]

[snapshots]
{snapshots}

[label]
kind = "inactivity"
{label_extra}

[[features]]
kind = "recency"
events = ["any", "buy"]

[[features]]
kind = "tenure"

[[features]]
kind = "window"
events = "buy"
windows = [30]
aggregations = ["count", "sum"]

[[features]]
kind = "purchase_cycle"
events = ["any", "buy"]
windows = [14, 60]
trend_periods = 4
trend_period_days = 15

[[features]]
kind = "bgnbd"
events = "buy"
horizon_days = 45
"#
    )
}

/// Naive reference of one row: population, label and every feature.
struct Row {
    acc: String,
    t: i32,
    label: Option<bool>,
    values: Vec<(String, f64)>,
}

#[derive(Clone, Copy)]
struct Opts<'a> {
    dates: &'a [i32],
    lead: i32,
    horizon: i32,
    within: Option<i32>,
    label_types: &'a [&'a str],
    training: bool,
    keep_censored: bool,
}

fn is_type(e: &Ev, sel: &str) -> bool {
    match sel {
        "any" => true,
        "sh" => e.ty == "share",
        s => e.ty == s,
    }
}

fn naive(data: &Data, o: Opts) -> Vec<Row> {
    let data_end = parse_date(DATA_END).unwrap();
    let counted = |e: &Ev| o.label_types.is_empty() || o.label_types.iter().any(|s| is_type(e, s));
    // Accounts in order of first appearance (of any row) in the file.
    let mut order: Vec<String> = Vec::new();
    for e in &data.events {
        if !order.contains(&e.acc) {
            order.push(e.acc.clone());
        }
    }
    let mut rows = Vec::new();
    for acc in order {
        let evs: Vec<&Ev> = data.events.iter().filter(|e| e.acc == acc).collect();
        let Some(first) = evs.iter().filter(|e| counted(e)).map(|e| e.day).min() else { continue };
        for &t in o.dates {
            if first >= t {
                continue;
            }
            if let Some(w) = o.within {
                if !evs.iter().any(|e| counted(e) && e.day >= t - w && e.day < t) {
                    continue;
                }
            }
            let label = if o.training {
                let (ws, we) = (t + o.lead, t + o.lead + o.horizon);
                let active = evs.iter().any(|e| counted(e) && e.day >= ws && e.day < we && e.day < data_end);
                if !active && we > data_end && !o.keep_censored {
                    continue;
                }
                Some(!active)
            } else {
                None
            };
            let mut values = Vec::new();
            for sel in ["any", "buy"] {
                let last = evs.iter().filter(|e| is_type(e, sel) && e.day < t).map(|e| e.day).max();
                values.push((format!("days_since_{sel}"), last.map(|d| (t - d) as f64).unwrap_or((t - first) as f64)));
            }
            values.push(("tenure_days".into(), (t - first) as f64));
            let buys: Vec<&&Ev> = evs.iter().filter(|e| e.ty == "buy" && e.day >= t - 30 && e.day < t).collect();
            values.push(("buy_count_30d".into(), buys.len() as f64));
            values.push(("buy_sum_30d".into(), buys.iter().map(|e| e.value).sum()));
            for sel in ["any", "buy"] {
                let rows_before: Vec<&&Ev> = evs.iter().filter(|e| is_type(e, sel) && e.day < t).collect();
                let mut days: Vec<i32> = rows_before.iter().map(|e| e.day).collect();
                days.sort_unstable();
                days.dedup();
                let gaps: Vec<f64> = days.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
                let nan = f64::NAN;
                let gap_mean = if gaps.is_empty() { nan } else { gaps.iter().sum::<f64>() / gaps.len() as f64 };
                let gap_median = if gaps.is_empty() {
                    nan
                } else {
                    let mut g = gaps.clone();
                    g.sort_by(f64::total_cmp);
                    let m = g.len();
                    if m % 2 == 1 {
                        g[m / 2]
                    } else {
                        (g[m / 2 - 1] + g[m / 2]) / 2.0
                    }
                };
                values.push((format!("{sel}_activity_days"), days.len() as f64));
                values.push((format!("{sel}_gap_mean"), gap_mean));
                values.push((format!("{sel}_gap_median"), gap_median));
                values.push((format!("{sel}_gap_last"), gaps.last().copied().unwrap_or(nan)));
                values.push((
                    format!("{sel}_overdue"),
                    if gaps.is_empty() { nan } else { (t - days[days.len() - 1]) as f64 / gap_mean },
                ));
                for w in [14, 60] {
                    values
                        .push((format!("{sel}_active_days_{w}d"), days.iter().filter(|&&d| d >= t - w).count() as f64));
                }
                let mean = |v: &[f64]| if v.is_empty() { nan } else { v.iter().sum::<f64>() / v.len() as f64 };
                for w in [14, 60] {
                    let vals: Vec<f64> = rows_before.iter().filter(|e| e.day >= t - w).map(|e| e.value).collect();
                    values.push((format!("{sel}_value_sum_{w}d"), vals.iter().sum()));
                    values.push((format!("{sel}_value_mean_{w}d"), mean(&vals)));
                }
                let all: Vec<f64> = rows_before.iter().map(|e| e.value).collect();
                values.push((format!("{sel}_value_mean"), mean(&all)));
                // Value sums of the 4 periods of 15 days before t, oldest first.
                let ys: Vec<f64> = (0..4)
                    .map(|k| {
                        let a = t - (4 - k) * 15;
                        rows_before.iter().filter(|e| e.day >= a && e.day < a + 15).map(|e| e.value).sum()
                    })
                    .collect();
                let ym = ys.iter().sum::<f64>() / 4.0;
                let sl = ys.iter().enumerate().map(|(i, y)| (i as f64 - 1.5) * (y - ym)).sum::<f64>() / 5.0;
                values.push(("_trend".into(), if ym != 0.0 { sl / ym } else { 0.0 }));
                let n = values.len();
                values[n - 1].0 = format!("{sel}_value_trend_4x15d");
            }
            rows.push(Row { acc: acc.clone(), t, label, values });
        }
    }
    rows
}

/// The BG/NBD summaries of `buy` activity of the rows at `t`, as the reference sees them.
fn buy_rfm(data: &Data, acc: &str, t: i32) -> Option<Rfm> {
    let mut days: Vec<i32> =
        data.events.iter().filter(|e| e.acc == acc && e.ty == "buy" && e.day < t).map(|e| e.day).collect();
    days.sort_unstable();
    days.dedup();
    let (f, l) = (*days.first()?, *days.last()?);
    Some(Rfm { x: (days.len() - 1) as f64, t_x: (l - f) as f64 / 7.0, big_t: (t - f) as f64 / 7.0 })
}

fn build(data: &Data, text: &str) -> FeatureTable {
    let dir = tempfile::tempdir().unwrap();
    write(data, dir.path(), false);
    let spec = FeatureSpec::from_toml(text, "test").unwrap();
    build_features(&spec, dir.path()).unwrap().0
}

fn check(seed: u64, snapshots: &str, label_extra: &str, population: &str, o: Opts) {
    let data = generate(seed, 80);
    let mode = if o.training { "training" } else { "scoring" };
    let table = build(&data, &spec_text(snapshots, label_extra, population, mode));
    let expected = naive(&data, o);
    assert!(expected.len() > 40, "too few rows to be a test: {}", expected.len());
    assert_eq!(table.len(), expected.len(), "row count");
    let mut churned = 0;
    let mut nans = 0;
    for (r, e) in expected.iter().enumerate() {
        assert_eq!((&table.accounts[r], table.snapshots[r]), (&e.acc, e.t), "row {r}");
        assert_eq!(table.labels.as_ref().map(|l| l[r]), e.label, "label of row {r}");
        churned += (e.label == Some(true)) as usize;
        for (name, want) in &e.values {
            let got = table.number(r, name).unwrap_or_else(|| panic!("no column {name}"));
            if want.is_nan() {
                nans += 1;
                assert!(got.is_nan(), "row {r} {name}: got {got}, want empty");
            } else {
                let tol = 1e-9 * want.abs().max(1.0);
                assert!((got - want).abs() <= tol, "row {r} ({} {}) {name}: got {got}, want {want}", e.acc, e.t);
            }
        }
    }
    assert!(nans > 0 && nans < expected.len() * 10, "the undefined cases are not exercised: {nans}");
    if o.training {
        assert!(churned > 0 && churned < expected.len(), "the label check is vacuous: {churned}");
    }
    // BG/NBD: fitted at each snapshot date on the rows of that date with buy activity.
    let c_alive = table.column_index("buy_bgnbd_p_alive").unwrap();
    let c_exp = table.column_index("buy_bgnbd_expected_45d").unwrap();
    for &t in o.dates {
        let at: Vec<usize> = (0..table.len()).filter(|&r| table.snapshots[r] == t).collect();
        let sums: Vec<Option<Rfm>> = at.iter().map(|&r| buy_rfm(&data, &table.accounts[r], t)).collect();
        let fit: BgNbd = fit_bgnbd(&sums.iter().flatten().copied().collect::<Vec<_>>()).unwrap();
        for (&r, s) in at.iter().zip(&sums) {
            let (Cell::Number(pa), Cell::Number(ex)) = (table.cell(r, c_alive), table.cell(r, c_exp)) else { panic!() };
            match s {
                Some(s) => {
                    assert_eq!(pa, fit.p_alive(*s), "p_alive of row {r}");
                    assert_eq!(ex, fit.expected(*s, 45.0 / 7.0), "expected of row {r}");
                    assert!((0.0..=1.0).contains(&pa));
                }
                None => assert!(pa.is_nan() && ex.is_nan(), "row {r} has no buy activity"),
            }
        }
    }
}

fn days(list: &[&str]) -> Vec<i32> {
    list.iter().map(|d| parse_date(d).unwrap()).collect()
}

#[test]
fn monthly_snapshots_with_censoring_dropped() {
    let dates = days(&["2021-03-01", "2021-04-01", "2021-05-01", "2021-06-01", "2021-07-01"]);
    for seed in [1, 2] {
        check(
            seed,
            "kind = \"monthly\"\nstart = \"2021-03-01\"\nend = \"2021-07-01\"",
            "horizon_days = 40",
            "",
            Opts {
                dates: &dates,
                lead: 0,
                horizon: 40,
                within: None,
                label_types: &[],
                training: true,
                keep_censored: false,
            },
        );
    }
}

#[test]
fn label_events_lead_population_window_and_kept_censored_rows() {
    let dates = days(&["2021-02-15", "2021-05-10", "2021-07-20"]);
    check(
        3,
        "kind = \"dates\"\ndates = [\"2021-05-10\", \"2021-02-15\", \"2021-07-20\"]",
        "lead_days = 5\nhorizon_days = 21\nevents = [\"buy\", \"sh\"]\ncensored = \"keep\"",
        "[population]\nactive_within_days = 45",
        Opts {
            dates: &dates,
            lead: 5,
            horizon: 21,
            within: Some(45),
            label_types: &["buy", "sh"],
            training: true,
            keep_censored: true,
        },
    );
}

#[test]
fn scoring_mode_has_every_account_active_before_the_date() {
    let dates = days(&["2021-06-15"]);
    check(
        4,
        "kind = \"cutoff\"\ndate = \"2021-06-15\"",
        "horizon_days = 30",
        "",
        Opts {
            dates: &dates,
            lead: 0,
            horizon: 30,
            within: None,
            label_types: &[],
            training: false,
            keep_censored: false,
        },
    );
}

fn csv_of(t: &FeatureTable) -> String {
    let mut v = Vec::new();
    t.write_csv(&mut v).unwrap();
    String::from_utf8(v).unwrap()
}

#[test]
fn activity_at_and_after_the_snapshot_never_reaches_a_feature() {
    let data = generate(11, 60);
    let t = parse_date("2021-04-01").unwrap();
    let mut planted = data.clone();
    let accounts: std::collections::BTreeSet<String> = data.events.iter().map(|e| e.acc.clone()).collect();
    for acc in &accounts {
        for ty in TYPES.iter().chain(["noise"].iter()) {
            for (day, secs) in [(t, 0), (t, 86_399), (t + 1, 5), (t + 3, 100), (t + 40, 7)] {
                planted.events.push(Ev {
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
    // Accounts whose first activity is on the snapshot day are not in the population.
    planted.events.push(Ev {
        acc: "newcomer".into(),
        day: t,
        secs: 0,
        ty: "buy".into(),
        value: 1.0,
        value_text: "1".into(),
    });
    let text = spec_text("kind = \"cutoff\"\ndate = \"2021-04-01\"", "horizon_days = 30", "", "scoring");
    let (a, b) = (build(&data, &text), build(&planted, &text));
    assert!(a.len() > 30);
    assert_eq!(csv_of(&a), csv_of(&b));
    // The label does see them: every account is active in the window after the planting.
    let text = spec_text("kind = \"cutoff\"\ndate = \"2021-04-01\"", "horizon_days = 30", "", "training");
    let (a, b) = (build(&data, &text), build(&planted, &text));
    assert!(a.labels.as_ref().unwrap().iter().any(|&l| l), "some account churns without the planted activity");
    assert!(b.labels.as_ref().unwrap().iter().all(|&l| !l));
}

#[test]
fn scoring_recomputes_the_training_features() {
    let data = generate(5, 60);
    let dir = tempfile::tempdir().unwrap();
    write(&data, dir.path(), false);
    let text =
        spec_text("kind = \"dates\"\ndates = [\"2021-03-01\", \"2021-05-01\"]", "horizon_days = 30", "", "training");
    let spec = FeatureSpec::from_toml(&text, "t").unwrap();
    let (train, _) = build_features(&spec, dir.path()).unwrap();
    let t = parse_date("2021-05-01").unwrap();
    let (score, _) = features_at(&spec, dir.path(), t).unwrap();
    // Scoring has every account active before t (training drops none at this date: the window
    // is observed), with the same values.
    let rows: Vec<usize> = (0..train.len()).filter(|&r| train.snapshots[r] == t).collect();
    assert_eq!(rows.len(), score.len());
    for (i, &r) in rows.iter().enumerate() {
        assert_eq!(train.accounts[r], score.accounts[i]);
        for c in 0..train.columns.len() {
            match (train.cell(r, c), score.cell(i, c)) {
                (Cell::Number(x), Cell::Number(y)) => assert!(x == y || (x.is_nan() && y.is_nan())),
                (x, y) => assert_eq!(x, y),
            }
        }
    }
}

#[test]
fn an_inactivity_spec_without_features_gets_the_purchase_cycle_defaults() {
    let text = format!(
        r#"
data_end = "{DATA_END}"
[activity]
file = "events.csv"
time = "timestamp"
type = "event_type"
value = "amount"
event_types = ["buy"]
[snapshots]
kind = "cutoff"
date = "2021-05-01"
[label]
kind = "inactivity"
horizon_months = 2
"#
    );
    let spec = FeatureSpec::from_toml(&text, "t").unwrap();
    let names: Vec<String> = spec.columns().unwrap().into_iter().map(|c| c.name).collect();
    for n in ["days_since_any", "tenure_days", "any_gap_mean", "any_overdue", "any_value_sum_90d", "any_bgnbd_p_alive"]
    {
        assert!(names.iter().any(|x| x == n), "{n} missing from {names:?}");
    }
    // Two months count 61 days in the expectation's horizon.
    assert!(names.iter().any(|x| x == "any_bgnbd_expected_61d"), "{names:?}");
    let data = generate(6, 40);
    let t = build(&data, &text);
    assert!(t.len() > 20);
    assert_eq!(format_date(t.snapshots[0]), "2021-05-01");
}

fn error_of(data: &Data, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(data, dir.path(), false);
    match FeatureSpec::from_toml(text, "test.toml") {
        Err(e) => e.to_string(),
        Ok(spec) => build_features(&spec, dir.path()).expect_err("an error").to_string(),
    }
}

#[test]
fn bad_input_is_named() {
    let data = generate(7, 30);
    let base = spec_text("kind = \"cutoff\"\ndate = \"2021-04-01\"", "horizon_days = 30", "", "training");
    // Every outcome window reaches past data_end.
    let e = error_of(&data, &base.replace("date = \"2021-04-01\"", "date = \"2021-07-10\""));
    assert_eq!(
        e,
        "spec field `label`: the outcome window of every snapshot reaches past data_end 2021-08-01: nothing to learn from (the last snapshot 2021-07-10 needs data until 2021-08-08)"
    );
    // [population] with a subscriptions label.
    let subs = base
        .replace("kind = \"inactivity\"", "")
        .replace("[snapshots]", "[subscriptions]\nfile = \"subscriptions.csv\"\nstart = \"start_date\"\nend = \"end_date\"\n[population]\nactive_within_days = 30\n[snapshots]");
    assert_eq!(
        error_of(&data, &subs),
        "spec field `population`: `[population]` is for inactivity labels (with subscriptions the population is the subscribers)"
    );
    // No subscriptions and no inactivity label.
    assert_eq!(
        error_of(&data, &base.replace("kind = \"inactivity\"", "")),
        "spec field `label.kind`: without a `[subscriptions]` table the label must be `kind = \"inactivity\"`"
    );
    // BG/NBD without repeat activity: every account buys at most once.
    let mut once = data.clone();
    let mut seen = std::collections::HashSet::new();
    once.events.retain(|e| e.ty != "buy" || seen.insert(e.acc.clone()));
    assert_eq!(
        error_of(&once, &base),
        "events.csv: BG/NBD needs repeat activity, but no account with `buy` activity before the snapshot 2021-04-01 was active on two different days"
    );
    // A value that is not a number: file, line, column and value.
    let mut bad = data.clone();
    let acc = bad.events[0].acc.clone();
    bad.events.insert(
        5,
        Ev { acc, day: bad.events[0].day, secs: 0, ty: "buy".into(), value: 0.0, value_text: "12,5".into() },
    );
    let e = error_of(&bad, &base);
    assert!(e.starts_with("events.csv line 7"), "{e}");
    bad.events[5].value_text = "twelve".into();
    assert_eq!(error_of(&bad, &base), "events.csv line 7, column `amount`: cannot parse 'twelve' as a number");
}
