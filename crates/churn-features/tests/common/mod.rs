//! Seeded random data sets and a naive reference implementation of every feature family.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use churn_core::date::{format_date, parse_date};
use churn_core::rng::Rng;
use churn_features::add_months;

pub const TYPES: [&str; 4] = ["login", "view", "buy", "share"];

#[derive(Debug, Clone)]
pub struct Ev {
    pub acc: String,
    pub day: i32,
    pub secs: u32,
    pub ty: String,
    pub value: f64,
    pub value_text: String,
}

#[derive(Debug, Clone)]
pub struct Sub {
    pub acc: String,
    pub start: i32,
    pub end: Option<i32>,
    pub plan: String,
}

#[derive(Debug, Clone, Default)]
pub struct Data {
    pub events: Vec<Ev>,
    pub subs: Vec<Sub>,
    pub channels: Vec<(String, String)>,
}

pub fn base_day() -> i32 {
    parse_date("2021-01-01").unwrap()
}

pub fn generate(seed: u64, n_accounts: usize) -> Data {
    let mut rng = Rng::new(seed);
    let d0 = base_day();
    let mut data = Data::default();
    for i in 0..n_accounts {
        let acc = format!("a{i}");
        let mut start = d0 - 60 + rng.below(200) as i32;
        let n_rows = 1 + rng.below(5) as usize;
        for k in 0..n_rows {
            let end = add_months(start, 1 + rng.below(2) as i32);
            let last = k + 1 == n_rows;
            let end = if last && rng.below(3) == 0 { None } else { Some(end) };
            data.subs.push(Sub {
                acc: acc.clone(),
                start,
                end,
                plan: ["basic", "pro"][rng.below(2) as usize].to_string(),
            });
            let Some(e) = end else { break };
            // Mostly contiguous, sometimes a gap (re-signup).
            start = e + if rng.below(4) == 0 { rng.below(20) as i32 } else { 0 };
        }
        if rng.below(10) != 0 {
            data.channels.push((acc.clone(), ["web", "app"][rng.below(2) as usize].into()));
        }
        let n_ev = rng.below(300) as usize;
        let activity = rng.next_f64();
        for _ in 0..n_ev {
            let day = d0 - 90 + (rng.below(400) as f64 * (0.3 + 0.7 * activity)) as i32;
            let ty = if rng.below(20) == 0 { "noise".to_string() } else { TYPES[rng.below(4) as usize].to_string() };
            let cents = rng.below(100_000);
            let value_text = if rng.below(5) == 0 {
                format!("-{}.{:02}", cents / 100, cents % 100)
            } else {
                format!("{}.{:02}", cents / 100, cents % 100)
            };
            data.events.push(Ev {
                acc: acc.clone(),
                day,
                secs: rng.below(86_400) as u32,
                ty,
                value: value_text.parse().unwrap(),
                value_text,
            });
        }
    }
    // Events of accounts that are not in the subscriptions table.
    for k in 0..7 {
        data.events.push(Ev {
            acc: format!("ghost{}", k % 3),
            day: d0 + k,
            secs: 0,
            ty: "login".into(),
            value: 1.0,
            value_text: "1.00".into(),
        });
    }
    rng.shuffle(&mut data.events);
    data
}

pub fn write(data: &Data, dir: &Path, gzip: bool) {
    let mut ev = Vec::new();
    writeln!(ev, "account_id,timestamp,event_type,amount").unwrap();
    for e in &data.events {
        writeln!(
            ev,
            "{},{}T{:02}:{:02}:{:02},{},{}",
            e.acc,
            format_date(e.day),
            e.secs / 3600,
            e.secs / 60 % 60,
            e.secs % 60,
            e.ty,
            e.value_text
        )
        .unwrap();
    }
    if gzip {
        let f = std::fs::File::create(dir.join("events.csv.gz")).unwrap();
        let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        gz.write_all(&ev).unwrap();
        gz.finish().unwrap();
    } else {
        std::fs::write(dir.join("events.csv"), ev).unwrap();
    }
    let mut s = String::from("account_id,start_date,end_date,mrr,plan\n");
    for r in &data.subs {
        s += &format!(
            "{},{},{},{},{}\n",
            r.acc,
            format_date(r.start),
            r.end.map(format_date).unwrap_or_default(),
            if r.plan == "pro" { 20 } else { 10 },
            r.plan
        );
    }
    std::fs::write(dir.join("subscriptions.csv"), s).unwrap();
    let mut s = String::from("account_id,channel\n");
    for (a, c) in &data.channels {
        s += &format!("{a},{c}\n");
    }
    std::fs::write(dir.join("accounts.csv"), s).unwrap();
}

/// The spec used by the reference tests: every feature family.
pub fn spec_text(events_file: &str, snapshots: &str, label: &str, mode: &str) -> String {
    format!(
        r#"
mode = "{mode}"
data_end = "2021-08-01"

[activity]
file = "{events_file}"
format = "events"
account = "account_id"
time = "timestamp"
type = "event_type"
value = "amount"
event_types = ["login", "view", "buy", {{ id = "share", name = "sh" }}]

[subscriptions]
file = "subscriptions.csv"
start = "start_date"
end = "end_date"
max_gap_days = 7

[[static]]
file = "accounts.csv"
columns = ["channel"]
prefix = "acct_"

[snapshots]
{snapshots}

[label]
{label}

[[features]]
kind = "window"
events = ["any", "login", "sh"]
windows = [1, 7, 30]
aggregations = ["count", "sum", "mean", "active_days"]

[[features]]
kind = "velocity"
events = "*"
windows = [7, 14]
aggregation = "count"
zero_value = 2.5

[[features]]
kind = "velocity"
events = ["any", "buy"]
windows = [10]
aggregation = "mean"
bounded = true

[[features]]
kind = "velocity"
events = "view"
windows = [5]
aggregation = "sum"
name = "view_sum_vel"

[[features]]
kind = "trend"
events = ["any", "buy"]
periods = 8
period_days = 7

[[features]]
kind = "trend"
events = "login"
periods = 14
period_days = 1
aggregation = "sum"
normalize = true

[[features]]
kind = "recency"
events = "*"

[[features]]
kind = "recency"
events = "any"
never = -1
log1p = true

[[features]]
kind = "tenure"

[[features]]
kind = "ratio"
name = "buy_per_login"
numerator = "buy_count_velocity_7d"
denominator = "login_count_30d"
zero_value = -3

[[features]]
kind = "stickiness"
events = ["any", "view"]

[[features]]
kind = "window"
events = "sh"
windows = [30]
aggregations = ["sum"]
log1p = true

[[features]]
kind = "subscription"
column = "plan"
"#
    )
}

// ---------------------------------------------------------------- naive reference

#[derive(Debug, Clone, PartialEq)]
pub enum V {
    N(f64),
    T(Option<String>),
}

pub struct NaiveSpec {
    pub data_end: i32,
    pub gap: i32,
    pub lead: i32,
    pub horizon_days: Option<i32>,
    pub horizon_months: Option<i32>,
    pub keep_censored: bool,
    pub training: bool,
    /// Either common dates, or anniversary (start, end, offset).
    pub dates: Option<Vec<i32>>,
    pub anniversary: Option<(i32, i32, i32)>,
}

pub struct NaiveRow {
    pub acc: String,
    pub t: i32,
    pub label: Option<bool>,
    pub values: Vec<(String, V)>,
}

fn periods(subs: &[&Sub], gap: i32, data_end: i32) -> Vec<(i32, Option<i32>)> {
    let mut rows: Vec<&&Sub> = subs.iter().filter(|s| s.start < data_end).collect();
    rows.sort_by_key(|s| s.start);
    let mut out: Vec<(i32, Option<i32>)> = Vec::new();
    for r in rows {
        let end = r.end.filter(|&e| e < data_end);
        if let Some(last) = out.last_mut() {
            let touches = match last.1 {
                None => true,
                Some(e) => r.start <= e + gap,
            };
            if touches {
                last.1 = match (last.1, end) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
                continue;
            }
        }
        out.push((r.start, end));
    }
    out
}

pub fn naive(data: &Data, ns: &NaiveSpec) -> Vec<NaiveRow> {
    let mut accounts: Vec<String> = Vec::new();
    for s in &data.subs {
        if !accounts.contains(&s.acc) {
            accounts.push(s.acc.clone());
        }
    }
    let mut out = Vec::new();
    for acc in &accounts {
        let subs: Vec<&Sub> = data.subs.iter().filter(|s| &s.acc == acc).collect();
        let ps = periods(&subs, ns.gap, ns.data_end);
        let evs: Vec<&Ev> = data.events.iter().filter(|e| &e.acc == acc).collect();
        let mut cands: Vec<i32> = match (&ns.dates, ns.anniversary) {
            (Some(d), _) => d.clone(),
            (None, Some((s, e, off))) => {
                let mut v = Vec::new();
                for p in &ps {
                    for k in 1..100 {
                        let t = add_months(p.0, k) - off;
                        if t > e || p.1.is_some_and(|c| t > c) {
                            break;
                        }
                        if t >= s {
                            v.push(t);
                        }
                    }
                }
                v
            }
            _ => unreachable!(),
        };
        cands.sort();
        cands.dedup();
        for t in cands {
            if !ps.iter().any(|p| p.0 < t && p.1.is_none_or(|e| t <= e)) {
                continue;
            }
            let mut label = None;
            if ns.training {
                let ws = t + ns.lead;
                let we = match ns.horizon_months {
                    Some(m) => add_months(ws, m),
                    None => ws + ns.horizon_days.unwrap_or(30),
                };
                let churns: Vec<i32> = ps.iter().filter_map(|p| p.1).collect();
                if churns.iter().any(|&c| c >= t && c < ws) {
                    continue;
                }
                let ch = churns.iter().any(|&c| c >= ws && c < we);
                if !ch && we > ns.data_end && !ns.keep_censored {
                    continue;
                }
                label = Some(ch);
            }
            out.push(NaiveRow { acc: acc.clone(), t, label, values: features(data, acc, &subs, &evs, t, ns) });
        }
    }
    out
}

fn features(data: &Data, acc: &str, subs: &[&Sub], evs: &[&Ev], t: i32, ns: &NaiveSpec) -> Vec<(String, V)> {
    let matches = |e: &Ev, ty: &str| ty == "any" || e.ty == ty;
    let sel = |ty: &str, a: i32, b: i32| -> Vec<&Ev> {
        evs.iter().copied().filter(|e| matches(e, ty) && e.day >= a && e.day < b).collect()
    };
    let agg = |ty: &str, a: i32, b: i32, agg: &str| -> f64 {
        let v = sel(ty, a, b);
        let mut days: Vec<i32> = v.iter().map(|e| e.day).collect();
        days.sort();
        days.dedup();
        let sum: f64 = v.iter().map(|e| e.value).sum();
        match agg {
            "count" => v.len() as f64,
            "sum" => sum,
            "active_days" => days.len() as f64,
            "mean" => {
                if days.is_empty() {
                    0.0
                } else {
                    sum / days.len() as f64
                }
            }
            _ => unreachable!(),
        }
    };
    fn raw(ty: &str) -> &str {
        if ty == "sh" {
            "share"
        } else {
            ty
        }
    }
    let first_start = subs.iter().filter(|s| s.start < ns.data_end).map(|s| s.start).min().unwrap();
    let tenure = (t - first_start) as f64;
    let slog = |x: f64| if x < 0.0 { -(-x).ln_1p() } else { x.ln_1p() };
    let mut out: Vec<(String, V)> = Vec::new();
    for ty in ["any", "login", "sh"] {
        for w in [1, 7, 30] {
            for a in ["count", "sum", "mean", "active_days"] {
                out.push((format!("{ty}_{a}_{w}d"), V::N(agg(raw(ty), t - w, t, a))));
            }
        }
    }
    let vel = |a: f64, b: f64, bounded: bool, zero: f64| {
        if bounded {
            if a + b == 0.0 {
                0.0
            } else {
                (a - b) / (a + b)
            }
        } else if b == 0.0 {
            if a == 0.0 {
                0.0
            } else {
                zero
            }
        } else {
            (a - b) / b
        }
    };
    for ty in ["login", "view", "buy", "sh"] {
        for w in [7, 14] {
            let v = vel(agg(raw(ty), t - w, t, "count"), agg(raw(ty), t - 2 * w, t - w, "count"), false, 2.5);
            out.push((format!("{ty}_count_velocity_{w}d"), V::N(v)));
        }
    }
    for ty in ["any", "buy"] {
        let v = vel(agg(ty, t - 10, t, "mean"), agg(ty, t - 20, t - 10, "mean"), true, 1.0);
        out.push((format!("{ty}_mean_velocity_bounded_10d"), V::N(v)));
    }
    out.push((
        "view_sum_vel".into(),
        V::N(vel(agg("view", t - 5, t, "sum"), agg("view", t - 10, t - 5, "sum"), false, 1.0)),
    ));
    let slope = |ys: &[f64]| {
        // Textbook formula: (n Σxy - Σx Σy) / (n Σx² - (Σx)²).
        let n = ys.len() as f64;
        let (mut sx, mut sy, mut sxy, mut sxx) = (0.0, 0.0, 0.0, 0.0);
        for (i, y) in ys.iter().enumerate() {
            let x = i as f64;
            sx += x;
            sy += y;
            sxy += x * y;
            sxx += x * x;
        }
        (n * sxy - sx * sy) / (n * sxx - sx * sx)
    };
    for ty in ["any", "buy"] {
        let ys: Vec<f64> = (0..8).map(|i| agg(ty, t - 56 + 7 * i, t - 49 + 7 * i, "count")).collect();
        out.push((format!("{ty}_trend_8x7d"), V::N(slope(&ys))));
    }
    {
        let ys: Vec<f64> = (0..14).map(|i| agg("login", t - 14 + i, t - 13 + i, "sum")).collect();
        let m = ys.iter().sum::<f64>() / 14.0;
        let s = if m == 0.0 { 0.0 } else { slope(&ys) / m };
        out.push(("login_trend_norm_14x1d".into(), V::N(s)));
    }
    let last = |ty: &str| evs.iter().filter(|e| matches(e, ty) && e.day < t).map(|e| e.day).max();
    for ty in ["login", "view", "buy", "sh"] {
        let v = last(raw(ty)).map(|d| (t - d) as f64).unwrap_or(tenure);
        out.push((format!("days_since_{ty}"), V::N(v)));
    }
    out.push(("days_since_any_log1p".into(), V::N(slog(last("any").map(|d| (t - d) as f64).unwrap_or(-1.0)))));
    out.push(("tenure_days".into(), V::N(tenure)));
    let num = vel(agg("buy", t - 7, t, "count"), agg("buy", t - 14, t - 7, "count"), false, 2.5);
    let den = agg("login", t - 30, t, "count");
    out.push(("buy_per_login".into(), V::N(if den == 0.0 { -3.0 } else { num / den })));
    for ty in ["any", "view"] {
        let l = agg(ty, t - 30, t, "active_days");
        let s = agg(ty, t - 7, t, "active_days");
        out.push((format!("{ty}_stickiness_7_30d"), V::N(if l == 0.0 { 0.0 } else { s / l })));
    }
    out.push(("sh_sum_30d_log1p".into(), V::N(slog(agg("share", t - 30, t, "sum")))));
    let mut rows: Vec<&&Sub> = subs.iter().filter(|s| s.start < t && s.start < ns.data_end).collect();
    rows.sort_by_key(|s| s.start);
    out.push(("plan".into(), V::T(rows.last().map(|s| s.plan.clone()))));
    out.push(("acct_channel".into(), V::T(data.channels.iter().find(|(a, _)| a == acc).map(|(_, c)| c.clone()))));
    out
}
