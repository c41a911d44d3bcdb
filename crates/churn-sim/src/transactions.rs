//! A deterministic transaction log of a non-contractual business (a shop): no subscriptions,
//! churn is silent. Each customer follows the BG/NBD story with a twist: a purchase rate drawn
//! from a log-normal, a dropout probability after each purchase day, a typical basket value,
//! and page visits around purchases (so "activity" and "purchase" differ). Customers are
//! acquired during the first `acquisition_days` of the window.
//!
//! `transactions.csv`: `customer_id,timestamp,event_type,amount` (`event_type` is `purchase`
//! with the basket value in `amount`, or `visit` with amount 0), rows by customer, then time.
//! The same [`TransactionConfig`] gives the same bytes.

use std::io::Write;
use std::path::{Path, PathBuf};

use churn_core::date::{days_from_civil, format_date};
use churn_core::rng::Rng;
use serde::Serialize;

use crate::math::{exp, ln, normal};
use crate::SimError;

/// What [`simulate_transactions`] simulates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionConfig {
    /// Number of customers (1..=10,000,000).
    pub customers: u64,
    /// Random seed.
    pub seed: u64,
    /// First day of the window (days since 1970-01-01; default 2024-01-01).
    pub start: i32,
    /// Length of the window in days (default 540).
    pub days: u32,
    /// Customers make their first purchase during the first this many days (default 120).
    pub acquisition_days: u32,
}

impl Default for TransactionConfig {
    fn default() -> Self {
        TransactionConfig {
            customers: 2000,
            seed: 1,
            start: days_from_civil(2024, 1, 1),
            days: 540,
            acquisition_days: 120,
        }
    }
}

/// What [`simulate_transactions`] wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransactionSummary {
    /// Customers simulated.
    pub customers: u64,
    /// Purchase rows.
    pub purchases: u64,
    /// Visit rows.
    pub visits: u64,
    /// Customers who dropped out (silently) inside the window.
    pub dropped_out: u64,
    /// First day not covered (`YYYY-MM-DD`): the `data_end` of a spec.
    pub data_end: String,
    /// The file written.
    pub file: PathBuf,
}

/// One row before formatting.
struct Tx {
    day: i32,
    secs: u32,
    purchase: bool,
    cents: u64,
}

/// Writes `out/transactions.csv` (atomically: a temporary file, then a rename).
pub fn simulate_transactions(config: &TransactionConfig, out: &Path) -> Result<TransactionSummary, SimError> {
    let bad =
        |field, value: String, reason: &str| Err(SimError::InvalidConfig { field, value, reason: reason.to_string() });
    if !(1..=10_000_000).contains(&config.customers) {
        return bad("customers", config.customers.to_string(), "expected 1..=10000000");
    }
    if config.days < 30 || config.days > crate::MAX_DAYS {
        return bad("days", config.days.to_string(), &format!("expected 30..={}", crate::MAX_DAYS));
    }
    if config.acquisition_days == 0 || config.acquisition_days > config.days {
        return bad("acquisition_days", config.acquisition_days.to_string(), "expected 1..=days");
    }
    let end = config.start + config.days as i32;
    let width = config.customers.to_string().len().max(5);
    let mut buf = Vec::with_capacity(config.customers as usize * 600);
    buf.extend_from_slice(b"customer_id,timestamp,event_type,amount\n");
    let (mut purchases, mut visits, mut dropped) = (0u64, 0u64, 0u64);
    let mut txs: Vec<Tx> = Vec::new();
    for i in 0..config.customers {
        let mut rng = Rng::derive(config.seed ^ 0x7472_616e_7361_6374, i);
        // Purchase rate per day: log-normal around one purchase every ~45 days.
        let rate = exp(ln(1.0 / 45.0) + 0.9 * normal(&mut rng));
        // Dropout probability after each purchase day: mostly small, sometimes large.
        let u = rng.next_f64();
        let dropout = 0.03 + 0.5 * u * u * u;
        let basket = exp(ln(35.0) + 0.6 * normal(&mut rng));
        let visits_per_purchase = rng.below(4);
        let mut day = config.start + rng.below(config.acquisition_days as u64) as i32;
        txs.clear();
        let mut alive = true;
        while day < end {
            let cents = (basket * exp(0.35 * normal(&mut rng)) * 100.0).round().max(1.0) as u64;
            let secs = 8 * 3600 + rng.below(14 * 3600) as u32;
            for _ in 0..visits_per_purchase {
                let back = rng.below(3) as i32;
                if day - back >= config.start {
                    txs.push(Tx { day: day - back, secs: rng.below(86_400) as u32, purchase: false, cents: 0 });
                }
            }
            txs.push(Tx { day, secs, purchase: true, cents });
            if rng.next_f64() < dropout {
                alive = false;
                break;
            }
            let gap = (-ln(1.0 - rng.next_f64()) / rate).ceil().max(1.0);
            day += gap.min(1e6) as i32;
        }
        dropped += (!alive) as u64;
        txs.sort_by_key(|t| (t.day, t.secs, !t.purchase));
        for t in txs.iter().filter(|t| t.day < end) {
            let (h, m, s) = (t.secs / 3600, t.secs / 60 % 60, t.secs % 60);
            let _ = write!(buf, "C{:0width$},{}T{h:02}:{m:02}:{s:02},", i + 1, format_date(t.day));
            if t.purchase {
                purchases += 1;
                let _ = writeln!(buf, "purchase,{}.{:02}", t.cents / 100, t.cents % 100);
            } else {
                visits += 1;
                buf.extend_from_slice(b"visit,0\n");
            }
        }
    }
    let path = out.join("transactions.csv");
    let tmp = out.join(".transactions.csv.tmp");
    let io = |action: &'static str, p: &Path| {
        let p = p.to_path_buf();
        move |source| SimError::Io { action, path: p, source }
    };
    std::fs::write(&tmp, &buf).map_err(io("write", &tmp))?;
    std::fs::rename(&tmp, &path).map_err(io("rename", &path))?;
    Ok(TransactionSummary {
        customers: config.customers,
        purchases,
        visits,
        dropped_out: dropped,
        data_end: format_date(end),
        file: path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let run = |seed| {
            let dir = tempfile::tempdir().unwrap();
            let c = TransactionConfig { customers: 300, seed, ..TransactionConfig::default() };
            let s = simulate_transactions(&c, dir.path()).unwrap();
            (std::fs::read(dir.path().join("transactions.csv")).unwrap(), s)
        };
        let (a, sa) = run(3);
        let (b, _) = run(3);
        let (c, _) = run(4);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(sa.purchases > 300 && sa.visits > 0 && sa.dropped_out > 0 && sa.dropped_out < 300);
        // Every row is inside the window and purchases carry a positive amount.
        let text = String::from_utf8(a).unwrap();
        let end = format_date(TransactionConfig::default().start + 540);
        let mut n = 0;
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 4);
            assert!(f[1][..10] >= *"2024-01-01" && f[1][..10] < *end.as_str(), "{line}");
            let v: f64 = f[3].parse().unwrap();
            assert_eq!(f[2] == "purchase", v > 0.0, "{line}");
            n += 1;
        }
        assert_eq!(n as u64, sa.purchases + sa.visits);
    }
}
