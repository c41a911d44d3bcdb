//! The files parse, agree with each other and with the summary, and the snapshot's features
//! equal a naive recomputation from the raw tables (point-in-time correctness).

mod common;

use std::collections::{BTreeMap, HashMap};

use churn_core::date::parse_date;
use churn_sim::{SimConfig, EVENT_TYPES};
use common::{run, Table};

struct Account {
    signup: i32,
    /// Subscription rows `(start, end, mrr, plan)` in file order.
    subs: Vec<(i32, Option<i32>, u64, String)>,
}

impl Account {
    fn end(&self) -> Option<i32> {
        self.subs.last().unwrap().1
    }
}

fn date(s: &str) -> i32 {
    assert_eq!(s.len(), 10, "{s}");
    parse_date(s).unwrap_or_else(|| panic!("bad date {s}"))
}

fn load_accounts(dir: &std::path::Path) -> BTreeMap<String, Account> {
    let t = Table::read(&dir.join("accounts.csv"));
    assert_eq!(t.header, ["account_id", "plan", "mrr", "seats", "region", "signup_date"]);
    let mut accounts = BTreeMap::new();
    let mut prev = String::new();
    for r in &t.rows {
        assert!(r[0] > prev, "accounts not sorted: {} after {prev}", r[0]);
        prev = r[0].clone();
        assert!(["starter", "growth", "enterprise"].contains(&r[1].as_str()));
        assert!(r[2].parse::<u64>().unwrap() > 0);
        assert!(r[3].parse::<u64>().unwrap() > 0);
        assert!(["NA", "EMEA", "APAC", "LATAM"].contains(&r[4].as_str()));
        accounts.insert(r[0].clone(), Account { signup: date(&r[5]), subs: Vec::new() });
    }
    let t = Table::read(&dir.join("subscriptions.csv"));
    assert_eq!(t.header, ["account_id", "start_date", "end_date", "mrr", "plan"]);
    for r in &t.rows {
        let a = accounts.get_mut(&r[0]).expect("subscription of an unknown account");
        let end = if r[2].is_empty() { None } else { Some(date(&r[2])) };
        a.subs.push((date(&r[1]), end, r[3].parse().unwrap(), r[4].clone()));
    }
    for (id, a) in &accounts {
        assert_eq!(a.subs[0].0, a.signup, "{id}: first subscription starts at signup");
        for w in a.subs.windows(2) {
            assert_eq!(w[0].1, Some(w[1].0), "{id}: a plan change ends one row where the next starts");
        }
        for s in &a.subs {
            assert!(s.1.is_none_or(|e| e > s.0), "{id}: empty subscription");
        }
    }
    accounts
}

#[test]
fn files_parse_and_agree() {
    let config = SimConfig { accounts: 150, seed: 5, raw_events: true, ..SimConfig::default() };
    let (dir, summary) = run(&config, 2);
    let dir = dir.path();
    let (start, end) = (config.start, config.end());
    let accounts = load_accounts(dir);
    assert_eq!(accounts.len() as u64, summary.accounts);
    assert_eq!(accounts.values().filter(|a| a.end().is_some()).count() as u64, summary.churned);
    assert_eq!(accounts.values().map(|a| a.subs.len()).sum::<usize>() as u64, summary.subscriptions);
    assert!(accounts.values().any(|a| a.signup >= start), "no signups inside the window");
    assert!(accounts.values().any(|a| a.signup < start - 365), "no old customers");
    assert!(accounts.values().any(|a| a.subs.len() > 1) || accounts.len() < 100, "no plan change");

    // The account is active on `day`: signed up and not churned yet, inside the window.
    let active = |id: &str, day: i32| {
        let a = accounts.get(id).unwrap_or_else(|| panic!("unknown account {id}"));
        day >= start && day < end && day >= a.signup && a.end().is_none_or(|e| day < e)
    };

    let usage = Table::read(&dir.join("usage.csv"));
    assert_eq!(usage.header, ["account_id", "date", "event_type", "count"]);
    assert_eq!(usage.rows.len() as u64, summary.usage_rows);
    let mut per_key: HashMap<(String, i32, String), u64> = HashMap::new();
    let mut last_key = (String::new(), i32::MIN, 0usize);
    let mut events = 0;
    for r in &usage.rows {
        let day = date(&r[1]);
        assert!(active(&r[0], day), "usage of {} on {} outside its life", r[0], r[1]);
        let k = EVENT_TYPES.iter().position(|&t| t == r[2]).expect("unknown event type");
        let count: u64 = r[3].parse().unwrap();
        assert!(count > 0, "zero counts are not written");
        let key = (r[0].clone(), day, k);
        assert!(key > last_key, "usage not sorted by account, date, event type: {r:?}");
        last_key = key;
        events += count;
        per_key.insert((r[0].clone(), day, r[2].clone()), count);
    }
    assert_eq!(events, summary.events);
    // Weekly seasonality: weekdays above weekends.
    let mut by_weekday = [0u64; 7];
    for r in &usage.rows {
        by_weekday[(date(&r[1]) + 3).rem_euclid(7) as usize] += r[3].parse::<u64>().unwrap();
    }
    assert!(by_weekday[5] * 2 < by_weekday[2] && by_weekday[6] * 2 < by_weekday[2], "{by_weekday:?}");

    // events.csv holds exactly the usage counts, one row per event, sorted.
    let ev = Table::read(&dir.join("events.csv"));
    assert_eq!(ev.header, ["account_id", "timestamp", "event_type"]);
    let mut from_events: HashMap<(String, i32, String), u64> = HashMap::new();
    let mut last = (String::new(), String::new());
    for r in &ev.rows {
        let ts = r[1].as_bytes();
        assert!(ts.len() == 19 && ts[10] == b'T' && ts[13] == b':' && ts[16] == b':', "{}", r[1]);
        let (h, m, s): (u32, u32, u32) =
            (r[1][11..13].parse().unwrap(), r[1][14..16].parse().unwrap(), r[1][17..19].parse().unwrap());
        assert!(h < 24 && m < 60 && s < 60, "{}", r[1]);
        let key = (r[0].clone(), r[1].clone());
        assert!(key >= last, "events not sorted: {r:?}");
        last = key;
        *from_events.entry((r[0].clone(), date(&r[1][..10]), r[2].clone())).or_default() += 1;
    }
    assert_eq!(from_events, per_key);

    let tickets = Table::read(&dir.join("tickets.csv"));
    assert_eq!(tickets.header, ["account_id", "date", "priority"]);
    assert_eq!(tickets.rows.len() as u64, summary.tickets);
    for r in &tickets.rows {
        assert!(active(&r[0], date(&r[1])), "ticket outside the account's life: {r:?}");
        assert!(["low", "normal", "high", "urgent"].contains(&r[2].as_str()));
    }
    let nps = Table::read(&dir.join("nps.csv"));
    assert_eq!(nps.header, ["account_id", "date", "score"]);
    assert_eq!(nps.rows.len() as u64, summary.nps_responses);
    for r in &nps.rows {
        assert!(active(&r[0], date(&r[1])), "NPS answer outside the account's life: {r:?}");
        assert!(r[2].parse::<u8>().unwrap() <= 10);
    }
}

/// Recomputes every snapshot column from the other files with straightforward code.
#[test]
fn snapshot_equals_a_naive_recomputation() {
    let config = SimConfig { accounts: 300, seed: 11, ..SimConfig::default() };
    let (dir, summary) = run(&config, 2);
    let dir = dir.path();
    let cut = config.cutoff();
    assert_eq!(summary.snapshot_date, "2025-10-03");
    let accounts = load_accounts(dir);
    let static_cols = Table::read(&dir.join("accounts.csv"));
    let usage = Table::read(&dir.join("usage.csv"));
    let tickets = Table::read(&dir.join("tickets.csv"));
    let nps = Table::read(&dir.join("nps.csv"));
    let snap = Table::read(&dir.join("snapshot.csv"));
    assert_eq!(
        snap.header,
        [
            "account_id",
            "plan",
            "mrr",
            "seats",
            "region",
            "tenure_days",
            "logins_30d",
            "events_30d",
            "active_days_30d",
            "events_prev_30d",
            "usage_velocity_30d",
            "usage_trend_8w",
            "days_since_last_event",
            "tickets_90d",
            "last_nps",
            "churned"
        ]
    );

    let expected_ids: Vec<&String> =
        accounts.iter().filter(|(_, a)| a.signup < cut && a.end().is_none_or(|e| e >= cut)).map(|(id, _)| id).collect();
    let got_ids: Vec<&String> = snap.rows.iter().map(|r| &r[0]).collect();
    assert_eq!(got_ids, expected_ids, "snapshot rows = accounts alive at the cut-off");
    assert_eq!(snap.rows.len() as u64, summary.snapshot_rows);

    // Group the raw rows by account once (the checks below stay naive per account).
    let group = |t: &Table| {
        let mut m: HashMap<String, Vec<Vec<String>>> = HashMap::new();
        for r in &t.rows {
            m.entry(r[0].clone()).or_default().push(r.clone());
        }
        m
    };
    let (usage, tickets, nps) = (group(&usage), group(&tickets), group(&nps));
    let none = Vec::new();
    let mut missing_nps = 0;
    for r in &snap.rows {
        let id = &r[0];
        let a = &accounts[id];
        let acc_row = static_cols.rows.iter().find(|x| &x[0] == id).unwrap();
        // Point in time: only rows strictly before the cut-off.
        let uses: Vec<(i32, &str, u64)> = usage
            .get(id)
            .unwrap_or(&none)
            .iter()
            .map(|u| (date(&u[1]), u[2].as_str(), u[3].parse().unwrap()))
            .filter(|u| u.0 < cut)
            .collect();
        let sum_in = |from: i32, to: i32| uses.iter().filter(|u| u.0 >= from && u.0 < to).map(|u| u.2).sum::<u64>();
        let logins: u64 = uses.iter().filter(|u| u.0 >= cut - 30 && u.1 == "login").map(|u| u.2).sum();
        let now = sum_in(cut - 30, cut);
        let prev = sum_in(cut - 60, cut - 30);
        let mut days: Vec<i32> = uses.iter().filter(|u| u.0 >= cut - 30).map(|u| u.0).collect();
        days.dedup();
        let velocity = if prev == 0 {
            if now == 0 {
                0.0
            } else {
                1.0
            }
        } else {
            (now as f64 - prev as f64) / prev as f64
        };
        let weeks: Vec<f64> = (0..8).map(|w| sum_in(cut - 56 + 7 * w, cut - 49 + 7 * w) as f64).collect();
        let mean = weeks.iter().sum::<f64>() / 8.0;
        let xs: Vec<f64> = (0..8).map(|w| w as f64).collect();
        let xbar = 3.5;
        let slope = xs.iter().zip(&weeks).map(|(x, y)| (x - xbar) * (y - mean)).sum::<f64>()
            / xs.iter().map(|x| (x - xbar) * (x - xbar)).sum::<f64>();
        let trend = if mean == 0.0 { 0.0 } else { slope / mean };
        let last_event = uses.iter().map(|u| u.0).max();
        let n_tickets =
            tickets.get(id).unwrap_or(&none).iter().filter(|t| (cut - 90..cut).contains(&date(&t[1]))).count();
        let last_nps = nps.get(id).unwrap_or(&none).iter().rfind(|n| date(&n[1]) < cut).map(|n| n[2].clone());
        let sub = a.subs.iter().rfind(|s| s.0 < cut).unwrap(); // the plan of day cut - 1
        let churned = a.end().is_some_and(|e| e >= cut && e < cut + 60);

        assert_eq!(r[1], sub.3, "{id} plan");
        assert_eq!(r[2], sub.2.to_string(), "{id} mrr");
        assert_eq!(r[3], acc_row[3], "{id} seats");
        assert_eq!(r[4], acc_row[4], "{id} region");
        assert_eq!(r[5], (cut - a.signup).to_string(), "{id} tenure");
        assert_eq!(r[6], logins.to_string(), "{id} logins_30d");
        assert_eq!(r[7], now.to_string(), "{id} events_30d");
        assert_eq!(r[8], days.len().to_string(), "{id} active_days_30d");
        assert_eq!(r[9], prev.to_string(), "{id} events_prev_30d");
        let v: f64 = r[10].parse().unwrap();
        assert!((v - velocity).abs() <= 0.5e-4 + 1e-12, "{id} velocity {v} vs {velocity}");
        let t: f64 = r[11].parse().unwrap();
        assert!((t - trend).abs() <= 0.5e-4 + 1e-12, "{id} trend {t} vs {trend}");
        assert_eq!(r[12], last_event.map(|d| (cut - d).to_string()).unwrap_or_default(), "{id} recency");
        assert_eq!(r[13], n_tickets.to_string(), "{id} tickets_90d");
        assert_eq!(r[14], last_nps.clone().unwrap_or_default(), "{id} last_nps");
        assert_eq!(r[15], if churned { "1" } else { "0" }, "{id} churned");
        missing_nps += last_nps.is_none() as usize;
    }
    // Genuinely missing values exist, but are not the rule.
    assert!(missing_nps > 0 && missing_nps * 2 < snap.rows.len(), "{missing_nps} missing NPS");
}
