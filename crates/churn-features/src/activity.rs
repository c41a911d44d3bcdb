//! Streaming the activity table into per-account daily buckets.
//!
//! Memory grows with accounts × days (each account keeps only the days its snapshots need),
//! never with the number of events.

use std::path::Path;
use std::sync::mpsc;

use churn_core::date::parse_date;

use crate::error::FeatureError;
use crate::input::{
    display_name, eq_bytes, for_each_chunk, open, parse_number, split_line, trim_range, ByteMap, FxBuild, Header,
};
use crate::spec::{FeatureSpec, Plan};
use crate::subs::{Accounts, SnapRow};

/// Daily totals of one account over days `lo .. lo + n`, day-major (`[day * channels + channel]`,
/// so the channels an event updates share a cache line). Unallocated (empty `rows`) until the
/// account's first event; `n == 0` when the account has no snapshot rows.
#[derive(Default)]
pub(crate) struct Bucket {
    pub(crate) lo: i32,
    pub(crate) n: usize,
    /// Rows (events, or usage rows) per channel and day.
    pub(crate) rows: Vec<u32>,
    /// Sum of the value column per channel and day (empty without a value column).
    pub(crate) vals: Vec<f64>,
    /// Last day before `lo` with a row, per channel (`i32::MIN` when none).
    pub(crate) last_before: Vec<i32>,
}

/// What streaming the activity table saw.
#[derive(Debug, Default, Clone)]
pub(crate) struct ActivityStats {
    pub(crate) rows: u64,
    pub(crate) unknown_account_rows: u64,
    pub(crate) unknown_accounts: u64,
    pub(crate) unknown_account_examples: Vec<String>,
    pub(crate) unlisted_type_rows: u64,
    pub(crate) out_of_range_rows: u64,
}

pub(crate) struct Activity {
    pub(crate) buckets: Vec<Bucket>,
    pub(crate) stats: ActivityStats,
}

/// Columns of the activity table.
struct Cols {
    account: usize,
    time: usize,
    typ: usize,
    value: Option<usize>,
    max: usize,
}

struct Agg<'a> {
    file: String,
    header: Option<Header>,
    cols: Option<Cols>,
    names: Vec<String>,
    line: u64,
    acc: &'a Accounts,
    types: ByteMap<usize>,
    type_list: Vec<Vec<u8>>,
    batch: Vec<Rec>,
    tx: Option<mpsc::SyncSender<Vec<Rec>>>,
    back: mpsc::Receiver<Vec<Rec>>,
    stats: ActivityStats,
    unknown: ByteMap<()>,
    fields: Vec<(usize, usize)>,
    scratch: Vec<u8>,
    last_acc: Vec<u8>,
    last_idx: Option<u32>,
    last_date: [u8; 10],
    last_day: i32,
    last_type: Vec<u8>,
    last_ch: Option<usize>,
    spec: &'a FeatureSpec,
}

pub(crate) fn read_activity(
    spec: &FeatureSpec,
    plan: &Plan,
    acc: &Accounts,
    rows: &[SnapRow],
    data_dir: &Path,
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
    let path = data_dir.join(&spec.activity.file);
    let mut types = ByteMap::with_hasher(FxBuild);
    for (i, t) in plan.type_ids.iter().enumerate() {
        types.insert(t.as_bytes().into(), i);
    }
    let (back_tx, back_rx) = mpsc::channel::<Vec<Rec>>();
    let mut agg = Agg {
        file: display_name(&path),
        header: None,
        cols: None,
        names: Vec::new(),
        line: 0,
        acc,
        types,
        type_list: plan.type_ids.iter().map(|t| t.as_bytes().to_vec()).collect(),
        batch: Vec::with_capacity(BATCH),
        tx: None,
        back: back_rx,
        stats: ActivityStats::default(),
        unknown: ByteMap::with_hasher(FxBuild),
        fields: Vec::with_capacity(16),
        scratch: Vec::new(),
        last_acc: Vec::new(),
        last_idx: None,
        last_date: [0; 10],
        last_day: i32::MIN,
        last_type: Vec::new(),
        last_ch: None,
        spec,
    };
    let nch = plan.n_channels();
    let any = plan.any();
    let has_vals = spec.activity.value.is_some();
    let buckets: Vec<Bucket> = ranges
        .iter()
        .map(|r| match r {
            Some((lo, hi)) => Bucket { lo: *lo, n: (hi - lo) as usize, ..Bucket::default() },
            None => Bucket::default(),
        })
        .collect();
    let reader = open(&path)?;
    // Pipeline: a reader thread (I/O, decompression) -> this thread (parsing, account lookup)
    // -> an applier thread (bucket updates, in input order, so results do not depend on timing).
    let (tx, rx) = mpsc::sync_channel::<Vec<Rec>>(4);
    let (buckets, out_of_range, parsed) = std::thread::scope(|s| {
        let applier = s.spawn(move || {
            let mut buckets = buckets;
            let mut out_of_range = 0u64;
            for batch in rx.iter() {
                out_of_range += apply(&mut buckets, &batch, nch, any, has_vals);
                let _ = back_tx.send(batch);
            }
            (buckets, out_of_range)
        });
        agg.tx = Some(tx);
        let parsed = for_each_chunk(&path, reader, |chunk| agg.chunk(chunk)).and_then(|_| agg.flush());
        agg.tx = None;
        let (buckets, out_of_range) = applier.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        (buckets, out_of_range, parsed)
    });
    parsed?;
    agg.stats.out_of_range_rows += out_of_range;
    if agg.header.is_none() {
        return Err(FeatureError::EmptyFile { file: agg.file });
    }
    agg.stats.unknown_accounts = agg.unknown.len() as u64;
    Ok(Activity { buckets, stats: agg.stats })
}

/// One parsed activity row.
#[derive(Clone, Copy)]
struct Rec {
    acc: u32,
    /// Channel, `u32::MAX` for undeclared types.
    ch: u32,
    day: i32,
    value: f64,
}

const BATCH: usize = 1 << 15;

/// Adds a batch of rows to the buckets; returns the number of rows outside every range.
fn apply(buckets: &mut [Bucket], batch: &[Rec], nch: usize, any: usize, has_vals: bool) -> u64 {
    let mut out_of_range = 0;
    for r in batch {
        let b = &mut buckets[r.acc as usize];
        let d = r.day.saturating_sub(b.lo);
        if b.n == 0 || d >= b.n as i32 {
            out_of_range += 1;
            continue;
        }
        if b.rows.is_empty() {
            b.rows = vec![0; b.n * nch];
            if has_vals {
                b.vals = vec![0.0; b.n * nch];
            }
            b.last_before = vec![i32::MIN; nch];
        }
        let ch = (r.ch != u32::MAX).then_some(r.ch as usize);
        if d < 0 {
            out_of_range += 1;
            b.last_before[any] = b.last_before[any].max(r.day);
            if let Some(c) = ch {
                b.last_before[c] = b.last_before[c].max(r.day);
            }
            continue;
        }
        let base = d as usize * nch;
        b.rows[base + any] = b.rows[base + any].saturating_add(1);
        if let Some(c) = ch {
            b.rows[base + c] = b.rows[base + c].saturating_add(1);
        }
        if has_vals {
            b.vals[base + any] += r.value;
            if let Some(c) = ch {
                b.vals[base + c] += r.value;
            }
        }
    }
    out_of_range
}

impl Agg<'_> {
    /// Sends the pending rows to the applier.
    fn flush(&mut self) -> Result<(), FeatureError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let mut next = self.back.try_recv().unwrap_or_else(|_| Vec::with_capacity(BATCH));
        next.clear();
        let full = std::mem::replace(&mut self.batch, next);
        if let Some(tx) = &self.tx {
            // The applier only stops early if it panicked; join() reports that.
            let _ = tx.send(full);
        }
        Ok(())
    }

    fn chunk(&mut self, chunk: &[u8]) -> Result<(), FeatureError> {
        let mut pos = 0;
        if self.header.is_none() {
            let end = chunk.iter().position(|&b| b == b'\n').unwrap_or(chunk.len());
            let mut line = &chunk[..end];
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            self.line += 1;
            self.set_header(line)?;
            pos = (end + 1).min(chunk.len());
        }
        let rest = &chunk[pos..];
        if !rest.contains(&b'"') {
            // Fast path: one pass per line finds the commas and the line end.
            let mut fields = std::mem::take(&mut self.fields);
            let r = self.fast_lines(rest, &mut fields);
            self.fields = fields;
            return r;
        }
        let mut pos = 0;
        while pos < rest.len() {
            let end = rest[pos..].iter().position(|&b| b == b'\n').map(|p| pos + p).unwrap_or(rest.len());
            let mut line = &rest[pos..end];
            pos = end + 1;
            self.line += 1;
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            if line.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            self.row(line)?;
        }
        Ok(())
    }

    fn fast_lines(&mut self, data: &[u8], fields: &mut Vec<(usize, usize)>) -> Result<(), FeatureError> {
        let n = data.len();
        let mut i = 0;
        while i < n {
            fields.clear();
            let mut start = i;
            while i < n {
                let b = data[i];
                if b == b',' {
                    fields.push(trim_range(data, start, i));
                    start = i + 1;
                } else if b == b'\n' {
                    break;
                }
                i += 1;
            }
            let mut end = i;
            if end > start && data[end - 1] == b'\r' {
                end -= 1;
            }
            fields.push(trim_range(data, start, end));
            i += 1;
            self.line += 1;
            if fields.len() == 1 && fields[0].0 == fields[0].1 {
                continue;
            }
            self.process(data, fields)?;
        }
        Ok(())
    }

    fn set_header(&mut self, line: &[u8]) -> Result<(), FeatureError> {
        let h = Header::parse(&self.file, line)?;
        let a = &self.spec.activity;
        let account = h.find(&a.account, "activity.account")?;
        let time = h.find(&a.time, "activity.time")?;
        let typ = h.find(&a.type_column, "activity.type")?;
        let value = match &a.value {
            Some(v) => Some(h.find(v, "activity.value")?),
            None => None,
        };
        let max = account.max(time).max(typ).max(value.unwrap_or(0));
        self.cols = Some(Cols { account, time, typ, value, max });
        self.names = h.names.clone();
        self.header = Some(h);
        Ok(())
    }

    fn bad(&self, col: usize, value: &[u8], expected: &str) -> FeatureError {
        FeatureError::BadValue {
            file: self.file.clone(),
            line: self.line,
            column: self.names[col].clone(),
            value: String::from_utf8_lossy(value).into_owned(),
            expected: expected.to_string(),
        }
    }

    fn row(&mut self, line: &[u8]) -> Result<(), FeatureError> {
        let mut fields = std::mem::take(&mut self.fields);
        let mut scratch = std::mem::take(&mut self.scratch);
        let r = self.row_inner(line, &mut fields, &mut scratch);
        self.fields = fields;
        self.scratch = scratch;
        r
    }

    #[inline]
    fn row_inner(
        &mut self,
        line: &[u8],
        fields: &mut Vec<(usize, usize)>,
        scratch: &mut Vec<u8>,
    ) -> Result<(), FeatureError> {
        let quoted = line.contains(&b'"');
        if !split_line(line, fields, scratch) {
            return Err(FeatureError::BadRow {
                file: self.file.clone(),
                line: self.line,
                message: "malformed quoted field (quoted fields may not span lines)".into(),
            });
        }
        let buf: &[u8] = if quoted { scratch } else { line };
        self.process(buf, fields)
    }

    #[inline]
    fn process(&mut self, buf: &[u8], fields: &[(usize, usize)]) -> Result<(), FeatureError> {
        let Some(cols) = &self.cols else {
            return Ok(());
        };
        let (ca, ct, cy, cv, cmax) = (cols.account, cols.time, cols.typ, cols.value, cols.max);
        if fields.len() <= cmax {
            return Err(FeatureError::BadRow {
                file: self.file.clone(),
                line: self.line,
                message: format!("expected {} fields, found {}", self.names.len(), fields.len()),
            });
        }
        let f = |i: usize| &buf[fields[i].0..fields[i].1];
        self.stats.rows += 1;

        // Date (cached: consecutive rows usually share the day).
        let tb = f(ct);
        let day =
            if tb.len() >= 10 && tb[..10] == self.last_date && (tb.len() == 10 || tb[10] == b'T' || tb[10] == b' ') {
                self.last_day
            } else {
                let d = std::str::from_utf8(tb).ok().and_then(parse_date).ok_or_else(|| self.bad(ct, tb, "a date"))?;
                self.last_date.copy_from_slice(&tb[..10]);
                self.last_day = d;
                d
            };
        let value = match cv {
            Some(c) => {
                let vb = f(c);
                Some(parse_number(vb).ok_or_else(|| self.bad(c, vb, "a number"))?)
            }
            None => None,
        };
        // Account.
        let ab = f(ca);
        let idx = if !self.last_acc.is_empty() && eq_bytes(ab, &self.last_acc) {
            self.last_idx
        } else {
            let i = self.acc.map.get(ab);
            self.last_acc.clear();
            self.last_acc.extend_from_slice(ab);
            self.last_idx = i;
            i
        };
        let Some(idx) = idx else {
            self.stats.unknown_account_rows += 1;
            if !self.unknown.contains_key(ab) {
                if self.stats.unknown_account_examples.len() < 5 {
                    self.stats.unknown_account_examples.push(String::from_utf8_lossy(ab).into_owned());
                }
                self.unknown.insert(ab.into(), ());
            }
            return Ok(());
        };
        // Event type.
        let yb = f(cy);
        let ch = if !self.last_type.is_empty() && eq_bytes(yb, &self.last_type) {
            self.last_ch
        } else {
            let c = if self.type_list.len() <= 16 {
                self.type_list.iter().position(|t| eq_bytes(t, yb))
            } else {
                self.types.get(yb).copied()
            };
            self.last_type.clear();
            self.last_type.extend_from_slice(yb);
            self.last_ch = c;
            c
        };
        if ch.is_none() {
            self.stats.unlisted_type_rows += 1;
        }

        self.batch.push(Rec {
            acc: idx,
            ch: ch.map(|c| c as u32).unwrap_or(u32::MAX),
            day,
            value: value.unwrap_or(0.0),
        });
        if self.batch.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }
}
