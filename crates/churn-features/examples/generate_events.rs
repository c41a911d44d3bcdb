//! Generates a synthetic raw event log in the format of `churn simulate --raw-events`
//! (`events.csv`: `account_id,timestamp,event_type`; `subscriptions.csv`:
//! `account_id,start_date,end_date,mrr,plan`; `accounts.csv`: `account_id,plan,region`), for
//! benchmarks and examples. Events are written in time order (day by day), which is the hard
//! case for readers that expect rows grouped by account.
//!
//! ```text
//! cargo run --release -p churn-features --example generate_events -- \
//!     --accounts 100000 --events 100000000 --days 365 --seed 1 --out DIR [--gzip]
//! ```

use std::io::Write;

use churn_core::date::{days_from_civil, format_date};
use churn_core::rng::Rng;

const TYPES: [&str; 6] = ["login", "dashboard_view", "report_export", "api_call", "invite_user", "integration_sync"];
const WEIGHTS: [f64; 6] = [0.30, 0.30, 0.08, 0.25, 0.02, 0.05];

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_string())
}

fn push_uint(buf: &mut Vec<u8>, mut v: u64, width: usize) {
    let mut tmp = [0u8; 20];
    let mut i = 20;
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 && 20 - i >= width {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let accounts: usize = arg(&args, "--accounts", "2000").parse().expect("--accounts");
    let events: f64 = arg(&args, "--events", "1000000").parse().expect("--events");
    let days: i32 = arg(&args, "--days", "365").parse().expect("--days");
    let seed: u64 = arg(&args, "--seed", "1").parse().expect("--seed");
    let out = std::path::PathBuf::from(arg(&args, "--out", "generated"));
    let gzip = args.iter().any(|a| a == "--gzip");
    std::fs::create_dir_all(&out)?;
    let d0 = days_from_civil(2024, 1, 1);
    let mut rng = Rng::new(seed);

    // Accounts: start day, churn day (None = active at the end), base rate, decline start.
    struct Acc {
        start: i32,
        end: Option<i32>,
        rate: f64,
        decline: Option<i32>,
        pro: bool,
    }
    let mut accs = Vec::with_capacity(accounts);
    let mut subs = Vec::new();
    writeln!(subs, "account_id,start_date,end_date,mrr,plan")?;
    let mut acc_csv = Vec::new();
    writeln!(acc_csv, "account_id,plan,region")?;
    for i in 0..accounts {
        let start = d0 - 60 + rng.below((days as u64 * 7 / 10).max(1) + 60) as i32;
        let pro = rng.below(3) == 0;
        // Monthly renewals; 3 % churn per month, more for starter plans.
        let mut s = start;
        let mut end = None;
        loop {
            let e = churn_features::add_months(s, 1);
            let churn = rng.next_f64() < if pro { 0.02 } else { 0.04 };
            let id = format!("A{i:06}");
            if e >= d0 + days {
                writeln!(
                    subs,
                    "{id},{},,{},{}",
                    format_date(s),
                    if pro { 99 } else { 29 },
                    if pro { "pro" } else { "starter" }
                )?;
                break;
            }
            writeln!(
                subs,
                "{id},{},{},{},{}",
                format_date(s),
                format_date(e),
                if pro { 99 } else { 29 },
                if pro { "pro" } else { "starter" }
            )?;
            if churn {
                end = Some(e);
                break;
            }
            s = e;
        }
        writeln!(
            acc_csv,
            "A{i:06},{},{}",
            if pro { "pro" } else { "starter" },
            ["eu", "us", "apac"][rng.below(3) as usize]
        )?;
        let rate = (rng.normal() * 0.8).exp();
        let decline = end.map(|e| e - 30 - rng.below(40) as i32);
        accs.push(Acc { start, end, rate, decline, pro });
    }
    // Scale rates to the requested number of events.
    let mut expected = 0.0;
    for a in &accs {
        let from = a.start.max(d0);
        let to = a.end.unwrap_or(d0 + days).min(d0 + days);
        expected += a.rate * (to - from).max(0) as f64;
    }
    let scale = if expected > 0.0 { events / expected } else { 0.0 };
    std::fs::write(out.join("subscriptions.csv"), subs)?;
    std::fs::write(out.join("accounts.csv"), acc_csv)?;

    let file = std::fs::File::create(out.join(if gzip { "events.csv.gz" } else { "events.csv" }))?;
    let mut w: Box<dyn Write> = if gzip {
        Box::new(flate2::write::GzEncoder::new(
            std::io::BufWriter::with_capacity(1 << 20, file),
            flate2::Compression::fast(),
        ))
    } else {
        Box::new(std::io::BufWriter::with_capacity(1 << 22, file))
    };
    let mut buf = Vec::with_capacity(1 << 22);
    buf.extend_from_slice(b"account_id,timestamp,event_type\n");
    let mut cum = [0.0; 6];
    let mut c = 0.0;
    for (k, wgt) in WEIGHTS.iter().enumerate() {
        c += wgt;
        cum[k] = c;
    }
    let mut n_events: u64 = 0;
    for day in d0..d0 + days {
        let date = format_date(day);
        let weekend = (day + 4).rem_euclid(7) >= 5;
        for (i, a) in accs.iter().enumerate() {
            if day < a.start || a.end.is_some_and(|e| day >= e) {
                continue;
            }
            let mut r = a.rate * scale * if weekend { 0.6 } else { 1.15 };
            if let Some(ds) = a.decline {
                if day >= ds {
                    r *= (-(day - ds) as f64 / 15.0).exp();
                }
            }
            if a.pro {
                r *= 1.1;
            }
            let n = r.floor() as u64 + (rng.next_f64() < r.fract()) as u64;
            for _ in 0..n {
                let secs = rng.below(86_400);
                let u = rng.next_f64();
                let k = cum.iter().position(|&c| u < c).unwrap_or(0);
                buf.push(b'A');
                push_uint(&mut buf, i as u64, 6);
                buf.push(b',');
                buf.extend_from_slice(date.as_bytes());
                buf.push(b'T');
                push_uint(&mut buf, secs / 3600, 2);
                buf.push(b':');
                push_uint(&mut buf, secs / 60 % 60, 2);
                buf.push(b':');
                push_uint(&mut buf, secs % 60, 2);
                buf.push(b',');
                buf.extend_from_slice(TYPES[k].as_bytes());
                buf.push(b'\n');
                n_events += 1;
            }
            if buf.len() > (1 << 22) - 4096 {
                w.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    w.write_all(&buf)?;
    w.flush()?;
    drop(w);
    eprintln!("wrote {n_events} events for {accounts} accounts over {days} days to {}", out.display());
    Ok(())
}
