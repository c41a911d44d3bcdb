//! Same config, same bytes: whatever the thread count, with or without raw events or gzip.

mod common;

use std::io::Read;

use churn_sim::SimConfig;
use common::{read_dir, run};

fn config() -> SimConfig {
    // 200 accounts = 4 chunks of 64, so chunk ordering matters.
    SimConfig { accounts: 200, seed: 42, ..SimConfig::default() }
}

#[test]
fn same_seed_same_bytes_whatever_the_thread_count() {
    let (a, sa) = run(&config(), 1);
    let (b, sb) = run(&config(), 3);
    let (fa, fb) = (read_dir(a.path()), read_dir(b.path()));
    let names: Vec<&str> = fa.keys().map(String::as_str).collect();
    assert_eq!(names, ["accounts.csv", "nps.csv", "snapshot.csv", "subscriptions.csv", "tickets.csv", "usage.csv"]);
    assert_eq!(fa, fb);
    assert_eq!((sa.usage_rows, sa.events, sa.bytes_written), (sb.usage_rows, sb.events, sb.bytes_written));
    assert_eq!(sa.bytes_written, fa.values().map(|v| v.len() as u64).sum::<u64>());
}

#[test]
fn different_seed_different_bytes() {
    let (a, _) = run(&config(), 2);
    let (b, _) = run(&SimConfig { seed: 43, ..config() }, 2);
    let (fa, fb) = (read_dir(a.path()), read_dir(b.path()));
    for name in ["accounts.csv", "usage.csv", "snapshot.csv"] {
        assert_ne!(fa[name], fb[name], "{name}");
    }
}

#[test]
fn raw_events_and_gzip_do_not_change_the_data() {
    let (plain, _) = run(&config(), 2);
    let (raw, s_raw) = run(&SimConfig { raw_events: true, ..config() }, 2);
    let (gz1, s_gz) = run(&SimConfig { raw_events: true, gzip: true, ..config() }, 1);
    let (gz3, _) = run(&SimConfig { raw_events: true, gzip: true, ..config() }, 3);
    let (fp, fr, fg) = (read_dir(plain.path()), read_dir(raw.path()), read_dir(gz1.path()));
    assert_eq!(fg, read_dir(gz3.path()), "gzip output depends on the thread count");
    for (name, bytes) in &fp {
        assert_eq!(&fr[name], bytes, "{name} changes with raw_events");
    }
    assert_eq!(fr.len(), fp.len() + 1);
    for (name, bytes) in &fr {
        let gz = &fg[&format!("{name}.gz")];
        // One gzip member: the single-member decoder must see everything.
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut back).unwrap();
        assert!(back == *bytes, "{name}.gz does not decompress to {name}");
    }
    assert_eq!(s_raw.events, s_gz.events);
    assert_eq!(fr["events.csv"].iter().filter(|&&b| b == b'\n').count() as u64, s_raw.events + 1);
    assert_eq!(s_gz.bytes_written, fg.values().map(|v| v.len() as u64).sum::<u64>());
}

#[test]
fn an_account_does_not_depend_on_how_many_there_are() {
    let (small, _) = run(&SimConfig { accounts: 70, ..config() }, 2);
    let (big, _) = run(&config(), 2);
    let (fs, fb) = (read_dir(small.path()), read_dir(big.path()));
    for name in ["accounts.csv", "usage.csv", "subscriptions.csv"] {
        assert!(fb[name].starts_with(&fs[name]), "{name}");
    }
}
