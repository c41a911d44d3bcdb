//! Streaming the activity table into per-account daily buckets.
//!
//! Memory grows with accounts × days (each account keeps only the days its snapshots need),
//! never with the number of events.
//!
//! Pipeline: a reader thread (I/O, decompression) cuts the file into chunks of whole lines;
//! parser threads turn chunks into compact records, in parallel; the calling thread takes the
//! parsed chunks back in input order and adds them to the buckets (through a window table for
//! time-ordered counts, see `Applier`). Everything that depends on order (sums of values, the
//! first error, the first unknown accounts) is therefore exactly what a single sequential pass
//! gives, whatever the timing. A fixed pool of chunk slots bounds memory.

use std::io::BufRead;
use std::path::Path;

use churn_core::blocks::BlockReader;

use crate::error::{io_err, FeatureError};
use crate::input::{display_name, open, ByteMap, FxBuild, Header, NumericIds};
use crate::spec::{FeatureSpec, Plan};
use crate::subs::{Accounts, SnapRow};

mod buckets;
mod parser;

pub(crate) use buckets::*;
use parser::*;

/// What streaming the activity table saw.
#[derive(Debug, Default, Clone)]
pub(crate) struct ActivityStats {
    pub(crate) rows: u64,
    pub(crate) unknown_account_rows: u64,
    pub(crate) unknown_accounts: u64,
    pub(crate) unknown_account_examples: Vec<String>,
    pub(crate) unlisted_type_rows: u64,
    pub(crate) out_of_range_rows: u64,
    /// The first and last day of an activity row of a known account.
    pub(crate) days: Option<(i32, i32)>,
}

pub(crate) struct Activity {
    pub(crate) buckets: Buckets,
    pub(crate) stats: ActivityStats,
}

/// A chunk travelling reader -> parser -> calling thread -> back to the reader.
#[derive(Default)]
struct Slot {
    data: Vec<u8>,
    out: Parsed,
}

/// Chunk size for the activity table.
const CHUNK: usize = 1 << 20;

pub(crate) fn read_activity(
    spec: &FeatureSpec,
    plan: &Plan,
    acc: &Accounts,
    rows: &[SnapRow],
    data_dir: &Path,
) -> Result<Activity, FeatureError> {
    read_activity_with(spec, plan, acc, rows, data_dir, CHUNK, churn_core::blocks::threads())
}

/// [`read_activity`] with a given chunk size and number of parser threads (results do not
/// depend on either).
fn read_activity_with(
    spec: &FeatureSpec,
    plan: &Plan,
    acc: &Accounts,
    rows: &[SnapRow],
    data_dir: &Path,
    chunk: usize,
    workers: usize,
) -> Result<Activity, FeatureError> {
    // Per-account day range [min t - lookback, max t).
    let mut ranges: Vec<Option<(i32, i32)>> = vec![None; acc.ids.len()];
    for r in rows {
        let e = &mut ranges[r.account as usize];
        *e = Some(match *e {
            None => (r.t - plan.lookback, r.t),
            Some((lo, hi)) => (lo.min(r.t - plan.lookback), hi.max(r.t)),
        });
    }
    let path = crate::confine::confined_path(data_dir, "activity.file", &spec.activity.file)?;
    let file = display_name(&path);
    let mut reader = open(&path)?;

    // The header is line 1.
    let mut head = Vec::new();
    if reader.read_until(b'\n', &mut head).map_err(io_err(&path))? == 0 {
        return Err(FeatureError::EmptyFile { file });
    }
    let mut line: &[u8] = &head;
    if let [rest @ .., b'\n'] = line {
        line = rest;
    }
    if let [rest @ .., b'\r'] = line {
        line = rest;
    }
    let h = Header::parse(&file, line)?;
    let a = &spec.activity;
    let account = h.find(&a.account, "activity.account")?;
    let time = h.find(&a.time, "activity.time")?;
    let typ = h.find(&a.type_column, "activity.type")?;
    let value = match &a.value {
        Some(v) => Some(h.find(v, "activity.value")?),
        None => None,
    };
    let ctx = Ctx {
        file: file.clone(),
        names: h.names,
        account,
        time,
        typ,
        value,
        max: account.max(time).max(typ).max(value.unwrap_or(0)),
        accounts: &acc.map,
        numeric: NumericIds::new(&acc.ids),
        types: TypeLookup::new(&plan.type_ids),
    };

    let nch = plan.n_channels();
    let any = plan.any();
    let has_vals = value.is_some();
    let mut buckets = Buckets::new(&ranges, nch, has_vals);
    let mut stats = ActivityStats::default();
    let mut unknown = ByteMap::with_hasher(FxBuild);

    // The pipeline (churn-core's): the reader thread cuts chunks of whole records, parser
    // threads turn them into records, this thread applies them in input order.
    let mut chunks = BlockReader::new(reader, Vec::new(), chunk);
    let mut line_base = 1u64;
    let mut applier = Applier::new(&buckets, any);
    churn_core::blocks::run_ordered(
        workers,
        |slot: &mut Slot| {
            chunks.next_block(&mut slot.data).map_err(|e| FeatureError::Io { path: path.clone(), source: e })
        },
        || Parser::new(&ctx),
        |parser, slot| parser.parse(&slot.data, &mut slot.out),
        |slot| {
            let out = &mut slot.out;
            if let Some(e) = out.err.take() {
                return Err(shift_line(e, line_base));
            }
            line_base += out.lines;
            stats.rows += out.rows;
            stats.unknown_account_rows += out.unknown_rows;
            stats.unlisted_type_rows += out.unlisted_rows;
            for u in out.unknown.drain(..) {
                if let std::collections::hash_map::Entry::Vacant(e) = unknown.entry(u) {
                    if stats.unknown_account_examples.len() < 5 {
                        stats.unknown_account_examples.push(String::from_utf8_lossy(e.key()).into_owned());
                    }
                    e.insert(());
                }
            }
            for r in &out.recs {
                stats.days = Some(match stats.days {
                    None => (r.day, r.day),
                    Some((lo, hi)) => (lo.min(r.day), hi.max(r.day)),
                });
            }
            stats.out_of_range_rows += applier.apply(&mut buckets, &out.recs, &out.vals);
            out.clear();
            Ok(())
        },
    )?;
    applier.flush(&mut buckets);
    stats.unknown_accounts = unknown.len() as u64;
    Ok(Activity { buckets, stats })
}

/// Turns a line number counted from a chunk's first line into one counted in the file.
fn shift_line(mut e: FeatureError, base: u64) -> FeatureError {
    match &mut e {
        FeatureError::BadValue { line, .. } | FeatureError::BadRow { line, .. } => *line += base,
        _ => {}
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use churn_core::date::format_date;
    use churn_core::rng::Rng;

    /// Everything `read_activity` produced, comparable.
    fn summary(r: &Result<Activity, FeatureError>) -> String {
        match r {
            Err(e) => format!("error: {e}"),
            Ok(a) => {
                let b = &a.buckets;
                let vals: Vec<u64> = b.vals.iter().map(|v| v.to_bits()).collect();
                let rows: Vec<u32> = (0..b.rows.len()).map(|i| b.rows.slice(0, b.rows.len()).get(i)).collect();
                format!("{:?}\n{:?}\n{:?}\n{:?}\n{:?}", a.stats, b.used, rows, vals, b.last_before)
            }
        }
    }

    /// Reads `events` with every combination of chunk size and parser count; all must agree.
    fn check_all_agree(spec_text: &str, subs: &str, events: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("subs.csv"), subs).unwrap();
        std::fs::write(dir.path().join("events.csv"), events).unwrap();
        let spec = FeatureSpec::from_toml(spec_text, "test").unwrap();
        let plan = spec.plan().unwrap();
        let acc = crate::subs::read_subscriptions(&spec, &plan, dir.path()).unwrap();
        let (rows, _) = crate::subs::snapshots(&spec, &plan, &acc).unwrap();
        let reference = summary(&read_activity_with(&spec, &plan, &acc, &rows, dir.path(), 1 << 24, 1));
        for chunk in [1, 7, 64, 333, 4096] {
            for workers in [1, 2, 3, 5] {
                let got = summary(&read_activity_with(&spec, &plan, &acc, &rows, dir.path(), chunk, workers));
                assert_eq!(got, reference, "chunk {chunk}, {workers} parsers");
            }
        }
        reference
    }

    const SPEC: &str = r#"
        data_end = "2021-06-01"
        [activity]
        file = "events.csv"
        time = "timestamp"
        type = "event_type"
        value = "amount"
        event_types = ["login", "view", "a-very-long-event-type-name"]
        [subscriptions]
        file = "subs.csv"
        start = "start"
        end = "end"
        [snapshots]
        kind = "monthly"
        start = "2021-02-01"
        end = "2021-05-01"
        [[features]]
        kind = "window"
        events = "*"
        windows = [7, 28]
        aggregations = ["count", "sum"]
    "#;

    fn subs(n: usize) -> String {
        let mut s = String::from("account_id,start,end\n");
        for i in 0..n {
            s += &format!("{},2020-12-01,\n", id(i));
        }
        s
    }

    fn id(i: usize) -> String {
        match i % 3 {
            0 => format!("A{i:05}"),
            1 => format!("{i}"),
            _ => format!("customer-with-a-long-identifier-{i}"),
        }
    }

    /// A messy but valid log: random order, values with fractions, unknown accounts and types,
    /// spaces, CRLF, quotes, blank lines, a last line without a newline.
    fn messy_events(seed: u64, n: usize) -> Vec<u8> {
        let mut rng = Rng::new(seed);
        let d0 = churn_core::date::parse_date("2020-12-20").unwrap();
        let mut out = b"account_id,timestamp,event_type,amount\n".to_vec();
        let types = ["login", "view", "a-very-long-event-type-name", "other"];
        for k in 0..n {
            let acc = if rng.below(50) == 0 { format!("zz{}", rng.below(7)) } else { id(rng.below(40) as usize) };
            let day = format_date(d0 + rng.below(160) as i32);
            let ty = types[rng.below(4) as usize];
            let amount = format!("{}.{}", rng.below(100), rng.below(1000));
            let line = match rng.below(12) {
                0 => format!(" {acc} , {day}T10:00:00 ,{ty}, {amount}\r\n"),
                1 => format!("\"{acc}\",\"{day}\",\"{ty}\",{amount}\n"),
                2 => "\n".to_string(),
                3 => " \t\r\n".to_string(),
                4 => format!("{acc},{day} 23:59:59,{ty},{amount},extra\n"),
                _ => format!("{acc},{day}T{:02}:00:00,{ty},{amount}\n", k % 24),
            };
            out.extend_from_slice(line.as_bytes());
        }
        out.extend_from_slice(format!("{},2021-01-05,login,1", id(1)).as_bytes());
        out
    }

    #[test]
    fn results_do_not_depend_on_chunks_or_threads() {
        let r = check_all_agree(SPEC, &subs(40), &messy_events(1, 3000));
        assert!(!r.starts_with("error"), "{r}");
        // Without a value column (counts only).
        let spec = SPEC.replace("value = \"amount\"\n", "").replace("\"count\", \"sum\"", "\"count\"");
        let r = check_all_agree(&spec, &subs(40), &messy_events(2, 3000));
        assert!(!r.starts_with("error"), "{r}");
    }

    #[test]
    fn the_first_error_is_reported_whatever_the_chunks() {
        let mut events = messy_events(3, 2000);
        let at = events.len() / 2;
        let nl = at + events[at..].iter().position(|&b| b == b'\n').unwrap() + 1;
        let line = 1 + events[..nl].iter().filter(|&&b| b == b'\n').count();
        let mut bad = events.split_off(nl);
        events.extend_from_slice(b"A00000,2021-02-30,login,1\n");
        // A second error later must not win.
        bad.extend_from_slice(b"A00000,2021-01-01,login,abc\n");
        events.extend_from_slice(&bad);
        let r = check_all_agree(SPEC, &subs(40), &events);
        assert_eq!(
            r,
            format!("error: events.csv line {line}, column `timestamp`: cannot parse '2021-02-30' as a date")
        );
        let r = check_all_agree(
            SPEC,
            &subs(40),
            b"account_id,timestamp,event_type,amount\nA00000,2021-01-01,login,1\n\nA00000,2021-01-01,login\n",
        );
        assert_eq!(r, "error: events.csv line 4: expected 4 fields, found 3");
        let r = check_all_agree(
            SPEC,
            &subs(40),
            b"account_id,timestamp,event_type,amount\r\n\"A00000,2021-01-01,login,1\r\n",
        );
        // The CSV reader takes an unterminated quote to the end of the line.
        assert_eq!(r, "error: events.csv line 2: expected 4 fields, found 1");
    }

    #[test]
    fn long_lines_and_unknown_accounts_in_order() {
        let mut events = b"account_id,timestamp,event_type,amount\n".to_vec();
        for i in 0..200 {
            let acc = if i % 3 == 0 { format!("unknown-{}", 9 - i % 10) } else { id(i % 40) };
            let pad = " ".repeat(i * 7 % 500);
            events.extend_from_slice(format!("{acc},2021-01-{:02},view{pad},{i}\n", 1 + i % 28).as_bytes());
        }
        let r = check_all_agree(SPEC, &subs(40), &events);
        assert!(
            r.contains(
                "unknown_account_examples: [\"unknown-9\", \"unknown-6\", \"unknown-3\", \"unknown-0\", \"unknown-7\"]"
            ),
            "{r}"
        );
    }

    /// The window table gives exactly what direct updates give, whatever the order of rows.
    #[test]
    fn window_table_equals_direct_updates() {
        let mut rng = Rng::new(9);
        let accounts = 300;
        let ranges: Vec<Option<(i32, i32)>> = (0..accounts)
            .map(|a| match a % 7 {
                _ if a == 5 => Some((0, 50)),
                0 => None,
                _ => {
                    let lo = rng.below(40) as i32;
                    Some((lo, lo + 1 + rng.below(60) as i32))
                }
            })
            .collect();
        for (order, n) in [("time", 60_000), ("random", 20_000), ("hot", 140_000)] {
            let mut recs: Vec<Rec> = (0..n)
                .map(|i| Rec {
                    acc: if order == "hot" { 5 } else { rng.below(accounts as u64) as u32 },
                    day: match order {
                        "time" => i * 110 / n - 5 + rng.below(3) as i32,
                        "hot" => 20,
                        _ => rng.below(120) as i32 - 10,
                    },
                    ch: if rng.below(5) == 0 { u32::MAX } else { rng.below(3) as u32 },
                })
                .collect();
            if order == "time" {
                recs.sort_by_key(|r| r.day);
            }
            let any = 3;
            let mut direct = Buckets::new(&ranges, 4, false);
            let mut windowed = Buckets::new(&ranges, 4, false);
            let mut applier = Applier::new(&windowed, any);
            let (mut oor_d, mut oor_w) = (0, 0);
            for chunk in recs.chunks(777) {
                oor_d += apply_direct(&mut direct, chunk, &[], any);
                oor_w += applier.apply(&mut windowed, chunk, &[]);
            }
            applier.flush(&mut windowed);
            assert_eq!(oor_d, oor_w, "{order}");
            let all =
                |b: &Buckets| -> Vec<u32> { (0..b.rows.len()).map(|i| b.rows.slice(0, b.rows.len()).get(i)).collect() };
            assert_eq!(all(&direct), all(&windowed), "{order}");
            assert_eq!(direct.used, windowed.used, "{order}");
            assert_eq!(direct.last_before, windowed.last_before, "{order}");
            assert_eq!(matches!(direct.rows, Counts::Wide(_)), order == "hot");
        }
    }

    #[test]
    fn counts_widen_exactly() {
        let mut c = Counts::Narrow(vec![0; 4]);
        for _ in 0..65_535 {
            c.add(1, 1);
        }
        c.add(2, 7);
        assert!(matches!(c, Counts::Narrow(_)));
        c.add(1, 1);
        assert!(matches!(c, Counts::Wide(_)));
        c.add(3, u32::MAX);
        c.add(3, 5);
        let v: Vec<u32> = (0..4).map(|i| c.slice(0, 4).get(i)).collect();
        assert_eq!(v, vec![0, 65_536, 7, u32::MAX]);
        let mut c = Counts::Narrow(vec![65_000; 2]);
        c.add(0, 1_000);
        assert_eq!((c.slice(0, 2).get(0), c.slice(0, 2).get(1)), (66_000, 65_000));
    }

    #[test]
    fn large_counts_per_day_are_exact() {
        // 70,000 events on one day for one account: more than 16 bits, through the window
        // (counts only) and through direct updates (with a value column).
        let mut events = b"account_id,timestamp,event_type,amount\n".to_vec();
        for i in 0..70_000 {
            let ty = if i % 2 == 0 { "login" } else { "view" };
            events.extend_from_slice(format!("A00000,2021-01-{:02},{ty},1\n", 10 + i / 68_000).as_bytes());
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("subs.csv"), subs(3)).unwrap();
        std::fs::write(dir.path().join("events.csv"), &events).unwrap();
        for spec_text in
            [SPEC.to_string(), SPEC.replace("value = \"amount\"\n", "").replace("\"count\", \"sum\"", "\"count\"")]
        {
            let spec = FeatureSpec::from_toml(&spec_text, "test").unwrap();
            let plan = spec.plan().unwrap();
            let acc = crate::subs::read_subscriptions(&spec, &plan, dir.path()).unwrap();
            let (rows, _) = crate::subs::snapshots(&spec, &plan, &acc).unwrap();
            let a = read_activity(&spec, &plan, &acc, &rows, dir.path()).unwrap();
            let b = a.buckets.get(0).unwrap();
            let day = churn_core::date::parse_date("2021-01-10").unwrap() - b.lo;
            let at = |d: i32, c: usize| b.rows.get(d as usize * 4 + c);
            // Channels: login, view, the long type, any.
            assert!(matches!(b.rows, CountsRef::Wide(_)));
            assert_eq!((at(day, 0), at(day, 1), at(day, 3)), (34_000, 34_000, 68_000));
            assert_eq!((at(day + 1, 0), at(day + 1, 1), at(day + 1, 3)), (1_000, 1_000, 2_000));
            let (table, _) = crate::build_features(&spec, dir.path()).unwrap();
            assert_eq!(table.number(0, "login_count_28d"), Some(35_000.0));
            assert_eq!(table.number(0, "view_count_7d"), Some(0.0));
        }
    }

    #[test]
    fn type_lookup_matches_the_declared_types() {
        let ids: Vec<String> = ["login", "view", "", "x", "api_call", "sixteen_bytes_ab", "seventeen_bytes_a"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for n in 0..=ids.len() {
            let t = TypeLookup::new(&ids[..n]);
            for probe in
                ["login", "view", "", "x", "api_call", "sixteen_bytes_ab", "seventeen_bytes_a", "logi", "loginx", "y"]
            {
                let want = ids[..n].iter().position(|i| i == probe);
                let b = probe.as_bytes();
                assert_eq!(t.get(b, crate::input::pad16(b)), want, "{n} types, {probe:?}");
            }
        }
        let many: Vec<String> = (0..40).map(|i| format!("type{i}")).collect();
        let t = TypeLookup::new(&many);
        assert!(t.map.is_none());
        for (i, m) in many.iter().enumerate() {
            assert_eq!(t.get(m.as_bytes(), crate::input::pad16(m.as_bytes())), Some(i));
        }
        assert_eq!(t.get(b"type40", crate::input::pad16(b"type40")), None);
    }
}
