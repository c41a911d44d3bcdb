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

use churn_core::blocks::{BlockReader, RecordReader};
use churn_core::date::parse_date;

use crate::error::{io_err, FeatureError};
use crate::input::{
    below_comma16, display_name, open, parse_iso_date, parse_number, prefix16, trim_range, word16, AccountIndex,
    ByteMap, FxBuild, Header, NumericIds,
};
use crate::spec::{FeatureSpec, Plan};
use crate::subs::{Accounts, SnapRow};

/// Where one account's days are in [`Buckets`]: days `lo .. lo + n`, from day-row `off`.
#[derive(Clone, Copy, Default)]
pub(crate) struct Span {
    lo: i32,
    n: u32,
    off: usize,
}

/// Row counts: 16 bits each while they fit, 32 bits (saturating, as always) once one does not.
/// Either way the values are the same; the narrow form halves the memory and the page faults.
pub(crate) enum Counts {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl Counts {
    /// Adds `k` to count `i`.
    #[inline]
    fn add(&mut self, i: usize, k: u32) {
        match self {
            Counts::Narrow(v) => {
                if !v[i].add_fits(k) {
                    self.widen();
                    self.add(i, k);
                }
            }
            Counts::Wide(v) => {
                v[i].add_fits(k);
            }
        }
    }

    /// Switches to 32-bit counts.
    #[cold]
    fn widen(&mut self) {
        if let Counts::Narrow(v) = self {
            let wide: Vec<u32> = v.iter().map(|&c| c as u32).collect();
            *self = Counts::Wide(wide);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        match self {
            Counts::Narrow(v) => v.len(),
            Counts::Wide(v) => v.len(),
        }
    }

    fn slice(&self, start: usize, end: usize) -> CountsRef<'_> {
        match self {
            Counts::Narrow(v) => CountsRef::Narrow(&v[start..end]),
            Counts::Wide(v) => CountsRef::Wide(&v[start..end]),
        }
    }
}

/// A slice of [`Counts`].
#[derive(Clone, Copy)]
pub(crate) enum CountsRef<'a> {
    Narrow(&'a [u16]),
    Wide(&'a [u32]),
}

impl CountsRef<'_> {
    #[inline]
    pub(crate) fn get(&self, i: usize) -> u32 {
        match self {
            CountsRef::Narrow(v) => v[i] as u32,
            CountsRef::Wide(v) => v[i],
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            CountsRef::Narrow(v) => v.len(),
            CountsRef::Wide(v) => v.len(),
        }
    }
}

/// Daily totals of every account, in one allocation per plane. Account `a` keeps days
/// `lo .. lo + n` (`n == 0` when it has no snapshot rows), day-major (`[day * channels +
/// channel]`, so the channels an event updates share a cache line).
pub(crate) struct Buckets {
    nch: usize,
    spans: Vec<Span>,
    /// Whether the account had a row in or before its range (otherwise it has no bucket).
    used: Vec<bool>,
    /// Rows (events, or usage rows) per day and channel.
    rows: Counts,
    /// Sum of the value column per day and channel (empty without a value column).
    vals: Vec<f64>,
    /// Per account and channel: last day before `lo` with a row (`i32::MIN` when none).
    last_before: Vec<i32>,
}

/// Writes one element of every page of a freshly allocated (zeroed, untouched) buffer, in
/// parallel. Otherwise the buckets' first access would be the read of a read-modify-write: the
/// kernel maps the shared zero page, then the write faults again and flushes the TLBs of every
/// core running the process.
fn prefault<T: Copy + Default + Send>(v: &mut [T]) {
    use rayon::prelude::*;
    let per_page = (4096 / size_of::<T>()).max(1);
    v.par_chunks_mut(per_page * 256).for_each(|block| {
        for page in block.chunks_mut(per_page) {
            page[0] = std::hint::black_box(T::default());
        }
    });
}

/// One account's bucket.
#[derive(Clone, Copy)]
pub(crate) struct Bucket<'a> {
    pub(crate) lo: i32,
    pub(crate) n: usize,
    pub(crate) rows: CountsRef<'a>,
    /// Empty without a value column.
    pub(crate) vals: &'a [f64],
    pub(crate) last_before: &'a [i32],
}

impl Buckets {
    /// The day of `r` relative to the start of its account's range: negative before it,
    /// `None` after it (or when the account has no range).
    #[inline]
    fn day_in_span(&self, r: &Rec) -> Option<i32> {
        let s = self.spans[r.acc as usize];
        let d = r.day.saturating_sub(s.lo);
        (s.n != 0 && d < s.n as i32).then_some(d)
    }

    fn new(ranges: &[Option<(i32, i32)>], nch: usize, has_vals: bool) -> Buckets {
        let mut off = 0;
        let spans: Vec<Span> = ranges
            .iter()
            .map(|r| {
                let (lo, n) = match r {
                    Some((lo, hi)) => (*lo, (hi - lo) as u32),
                    None => (0, 0),
                };
                let s = Span { lo, n, off };
                off += n as usize;
                s
            })
            .collect();
        let mut rows = vec![0u16; off * nch];
        let mut vals = if has_vals { vec![0.0; off * nch] } else { Vec::new() };
        prefault(&mut rows);
        prefault(&mut vals);
        Buckets {
            nch,
            used: vec![false; spans.len()],
            rows: Counts::Narrow(rows),
            vals,
            last_before: vec![i32::MIN; spans.len() * nch],
            spans,
        }
    }

    /// The bucket of account `a`, if it had any row in or before its range.
    pub(crate) fn get(&self, a: usize) -> Option<Bucket<'_>> {
        if !*self.used.get(a)? {
            return None;
        }
        let s = self.spans[a];
        let (start, end) = (s.off * self.nch, (s.off + s.n as usize) * self.nch);
        Some(Bucket {
            lo: s.lo,
            n: s.n as usize,
            rows: self.rows.slice(start, end),
            vals: if self.vals.is_empty() { &[] } else { &self.vals[start..end] },
            last_before: &self.last_before[a * self.nch..(a + 1) * self.nch],
        })
    }
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
    /// The first and last day of an activity row of a known account.
    pub(crate) days: Option<(i32, i32)>,
}

pub(crate) struct Activity {
    pub(crate) buckets: Buckets,
    pub(crate) stats: ActivityStats,
}

/// Columns of the activity table and what a parser needs to read it (shared by the parsers).
struct Ctx<'a> {
    file: String,
    names: Vec<String>,
    account: usize,
    time: usize,
    typ: usize,
    value: Option<usize>,
    /// The largest of the column indices above.
    max: usize,
    accounts: &'a AccountIndex,
    /// A faster exact lookup when the ids allow one.
    numeric: Option<NumericIds>,
    types: TypeLookup,
}

/// Event type -> channel: a collision-free hash table of the declared types' 16-byte prefixes
/// when there is one (types of at most 16 bytes), otherwise a map.
struct TypeLookup {
    /// (prefix, length + 1 (0 = empty slot), channel) per slot.
    table: Vec<(u128, usize, usize)>,
    mult: u64,
    shift: u32,
    map: Option<ByteMap<usize>>,
}

impl TypeLookup {
    fn new(ids: &[String]) -> TypeLookup {
        let keys: Vec<(u128, usize)> = ids.iter().map(|t| (crate::input::pad16(t.as_bytes()), t.len())).collect();
        if ids.iter().all(|t| t.len() <= 16) {
            let mut mult: u64 = 0x9e37_79b9_7f4a_7c15;
            for bits in (ids.len().max(1) * 2).next_power_of_two().trailing_zeros().max(3)..=12 {
                for _ in 0..64 {
                    let mut table = vec![(0u128, 0usize, 0usize); 1 << bits];
                    let shift = 64 - bits;
                    let ok = keys.iter().enumerate().all(|(ch, &(pad, len))| {
                        let slot = &mut table[Self::slot(pad, len, mult, shift)];
                        let free = slot.1 == 0;
                        *slot = (pad, len + 1, ch);
                        free
                    });
                    if ok {
                        return TypeLookup { table, mult, shift, map: None };
                    }
                    // Next odd multiplier (splitmix64 step).
                    mult = mult.wrapping_add(0x9e37_79b9_7f4a_7c15);
                    let mut z = mult;
                    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                    mult = (z ^ (z >> 31)) | 1;
                }
            }
        }
        let mut map = ByteMap::with_hasher(FxBuild);
        for (i, t) in ids.iter().enumerate() {
            map.entry(t.as_bytes().into()).or_insert(i);
        }
        TypeLookup { table: Vec::new(), mult: 0, shift: 0, map: Some(map) }
    }

    #[inline]
    fn slot(pad: u128, len: usize, mult: u64, shift: u32) -> usize {
        ((pad as u64 ^ (pad >> 64) as u64 ^ len as u64).wrapping_mul(mult) >> shift) as usize
    }

    /// The channel of `key` (whose [`prefix16`] is `pad`).
    #[inline(always)]
    fn get(&self, key: &[u8], pad: u128) -> Option<usize> {
        if let Some(m) = &self.map {
            return m.get(key).copied();
        }
        let &(p, l, ch) = &self.table[Self::slot(pad, key.len(), self.mult, self.shift)];
        (p == pad && l == key.len() + 1).then_some(ch)
    }
}

/// One parsed activity row.
#[derive(Clone, Copy)]
struct Rec {
    acc: u32,
    day: i32,
    /// Channel, `u32::MAX` for undeclared types.
    ch: u32,
}

/// What a parser made of one chunk.
#[derive(Default)]
struct Parsed {
    recs: Vec<Rec>,
    /// The value of each record (only with a value column).
    vals: Vec<f64>,
    /// Lines in the chunk.
    lines: u64,
    /// Data rows (lines that are not blank).
    rows: u64,
    unknown_rows: u64,
    /// Distinct unknown accounts, in order of first appearance in the chunk.
    unknown: Vec<Box<[u8]>>,
    unlisted_rows: u64,
    /// The first error, its line counted from the chunk's first line (1).
    err: Option<FeatureError>,
}

impl Parsed {
    fn clear(&mut self) {
        self.recs.clear();
        self.vals.clear();
        self.lines = 0;
        self.rows = 0;
        self.unknown_rows = 0;
        self.unknown.clear();
        self.unlisted_rows = 0;
        self.err = None;
    }
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

/// Days of the [`Applier`]'s window.
const WINDOW: usize = 8;

/// Adds parsed rows to the buckets.
///
/// Rows are usually in time order, so consecutive rows touch each account's bucket about once
/// per day, scattered over memory (a cache and a TLB miss each time). Without a value column
/// (counts only, which add up in any order), the counts of a window of [`WINDOW`] days are
/// therefore gathered in a dense table first (`[day][account][channel]`: a day's rows sweep one
/// slice of it in account order) and added to the
/// buckets when a row comes after the window: one pass, with one miss per account and window
/// instead of per account and day. Rows before the window, and all rows when the window does
/// not pay (rows not in time order), go straight to the buckets.
struct Applier {
    any: usize,
    /// First day of the window (`i32::MIN`: none).
    start: i32,
    /// Counts of the window, `[((day - start) * accounts + account) * nch + channel]` (empty
    /// when not used).
    table: Vec<u32>,
    /// Accounts with counts in `table`, and a flag per account for them.
    touched: Vec<u32>,
    marked: Vec<bool>,
    /// Rows in the window; flushes and rows over the recent flushes.
    rows_in_window: u64,
    flushes: u64,
    rows_flushed: u64,
}

impl Applier {
    fn new(b: &Buckets, any: usize) -> Applier {
        let table =
            if b.vals.is_empty() && !b.spans.is_empty() { vec![0; b.spans.len() * WINDOW * b.nch] } else { Vec::new() };
        let marked = vec![false; if table.is_empty() { 0 } else { b.spans.len() }];
        Applier {
            any,
            start: i32::MIN,
            table,
            touched: Vec::new(),
            marked,
            rows_in_window: 0,
            flushes: 0,
            rows_flushed: 0,
        }
    }

    /// Adds a chunk's rows, in order; returns the number of rows outside every range.
    fn apply(&mut self, b: &mut Buckets, recs: &[Rec], vals: &[f64]) -> u64 {
        if self.table.is_empty() {
            return apply_direct(b, recs, vals, self.any);
        }
        let (nch, any) = (b.nch, self.any);
        let mut out_of_range = 0;
        for (i, r) in recs.iter().enumerate() {
            let a = r.acc as usize;
            let Some(d) = b.day_in_span(r) else {
                out_of_range += 1;
                continue;
            };
            let w = r.day.wrapping_sub(self.start) as u32 as usize;
            if d < 0 || w >= WINDOW {
                if d >= 0 && r.day > self.start {
                    // After the window: flush it and start the next one here.
                    self.flush(b);
                    if self.table.is_empty() {
                        return out_of_range + apply_direct(b, &recs[i..], vals, any);
                    }
                    self.start = r.day;
                } else {
                    // Before the window or the range: straight to the bucket.
                    out_of_range += apply_direct(b, std::slice::from_ref(r), &[], any);
                    continue;
                }
            }
            b.used[a] = true;
            self.rows_in_window += 1;
            let w = (r.day - self.start) as usize;
            let at = (w * b.spans.len() + a) * nch;
            let cell = &mut self.table[at..at + nch];
            if !self.marked[a] {
                self.marked[a] = true;
                self.touched.push(a as u32);
            }
            cell[any] = cell[any].saturating_add(1);
            if r.ch != u32::MAX {
                let c = r.ch as usize;
                cell[c] = cell[c].saturating_add(1);
            }
        }
        out_of_range
    }

    /// Adds the window to the buckets and empties it; gives it up if it does not pay.
    fn flush(&mut self, b: &mut Buckets) {
        if self.start != i32::MIN {
            let accounts = self.marked.len();
            let mut scan = self.touched.len() * 16 >= accounts;
            // A big window is added in parallel (the parsers are waiting meanwhile); what does
            // not fit in 16-bit counts is left for the sequential pass below, after widening.
            if scan && rayon::current_num_threads() > 1 {
                let complete = match &mut b.rows {
                    Counts::Narrow(v) => self.flush_parallel(&b.spans, b.nch, v),
                    Counts::Wide(v) => self.flush_parallel(&b.spans, b.nch, v),
                };
                if complete {
                    self.touched.clear();
                } else {
                    b.rows.widen();
                    scan = true;
                }
            }
            let nch = b.nch;
            // In account order (memory order): sort a short list, or scan the flags.
            if !scan {
                self.touched.sort_unstable();
            } else if !self.touched.is_empty() {
                self.touched.clear();
                self.touched.extend((0..accounts as u32).filter(|&a| self.marked[a as usize]));
            }
            for &a in &self.touched {
                let a = a as usize;
                self.marked[a] = false;
                let s = b.spans[a];
                let (first, last, skip) = window_days(self.start, s);
                for (k, day) in (first..last).enumerate() {
                    let at = ((skip + k) * accounts + a) * nch;
                    let cells = &mut self.table[at..at + nch];
                    let dst = (s.off + day) * nch;
                    for (j, c) in cells.iter_mut().enumerate() {
                        if *c != 0 {
                            b.rows.add(dst + j, *c);
                            *c = 0;
                        }
                    }
                }
            }
            self.touched.clear();
            self.flushes += 1;
            self.rows_flushed += self.rows_in_window;
            self.rows_in_window = 0;
            // Every 256 flushes: fewer than 64 rows per window means the rows are not in time
            // order (with fewer than two rows per account and window, direct updates are as good).
            if self.flushes == 256 {
                if self.rows_flushed < 64 * 256 {
                    self.table = Vec::new();
                }
                self.flushes = 0;
                self.rows_flushed = 0;
            }
        }
        self.start = i32::MIN;
    }

    /// Adds the marked accounts' window counts to `rows`, in parallel over ranges of accounts
    /// (disjoint parts of `rows`, of the table and of the flags). Counts that do not fit stay
    /// in the table, their accounts marked; returns whether everything fitted.
    fn flush_parallel<T: Count>(&mut self, spans: &[Span], nch: usize, rows: &mut [T]) -> bool {
        use rayon::prelude::*;
        let accounts = self.marked.len();
        let parts = (rayon::current_num_threads() * 8).min(accounts).max(1);
        let bounds: Vec<usize> = (0..=parts).map(|i| i * accounts / parts).collect();
        let total_days = rows.len() / nch;
        let day_of = |a: usize| if a < accounts { spans[a].off } else { total_days };
        let ends: Vec<usize> = bounds[1..].iter().map(|&a| day_of(a) * nch).collect();
        // Split rows, each day of the table, and the flags at the same accounts.
        let mut row_parts = Vec::with_capacity(parts);
        let mut at = day_of(0) * nch;
        let mut rest = &mut rows[at..];
        for &end in &ends {
            let (head, tail) = rest.split_at_mut(end - at);
            row_parts.push((at, head));
            rest = tail;
            at = end;
        }
        let mut cell_parts: Vec<Vec<&mut [u32]>> = (0..parts).map(|_| Vec::with_capacity(WINDOW)).collect();
        for day in self.table.chunks_mut(accounts * nch) {
            let (mut rest, mut at) = (day, 0);
            for (i, &a) in bounds[1..].iter().enumerate() {
                let (head, tail) = rest.split_at_mut(a * nch - at);
                cell_parts[i].push(head);
                rest = tail;
                at = a * nch;
            }
        }
        let mut mark_parts = Vec::with_capacity(parts);
        let (mut rest, mut at) = (&mut self.marked[..], 0);
        for &a in &bounds[1..] {
            let (head, tail) = rest.split_at_mut(a - at);
            mark_parts.push(head);
            rest = tail;
            at = a;
        }
        let start = self.start;
        row_parts
            .into_par_iter()
            .zip(cell_parts)
            .zip(mark_parts)
            .enumerate()
            .map(|(i, (((row_at, rows), mut cells), marks))| {
                let mut complete = true;
                for (k, mark) in marks.iter_mut().enumerate() {
                    if !*mark {
                        continue;
                    }
                    let s = spans[bounds[i] + k];
                    let (first, last, skip) = window_days(start, s);
                    let mut left = false;
                    for (kk, day) in (first..last).enumerate() {
                        let src = &mut cells[skip + kk][k * nch..(k + 1) * nch];
                        let dst = &mut rows[(s.off + day) * nch - row_at..(s.off + day + 1) * nch - row_at];
                        for (d, c) in dst.iter_mut().zip(src.iter_mut()) {
                            if *c != 0 {
                                if d.add_fits(*c) {
                                    *c = 0;
                                } else {
                                    left = true;
                                }
                            }
                        }
                    }
                    *mark = left;
                    complete &= !left;
                }
                complete
            })
            .reduce(|| true, |a, b| a && b)
    }
}

/// The days of the window starting at `start` in an account's range (all rows of the window
/// were in range): days `first..last` of the range are window days `skip..`.
fn window_days(start: i32, s: Span) -> (usize, usize, usize) {
    let from = start - s.lo;
    let first = from.max(0) as usize;
    let last = (from as i64 + WINDOW as i64).min(s.n as i64) as usize;
    let skip = (first as i64 - from as i64) as usize;
    (first, last, skip)
}

/// A bucket count: adds what fits.
pub(crate) trait Count: Copy + Send + Sync {
    /// Adds `k` unless the sum does not fit this width; whether it did.
    fn add_fits(&mut self, k: u32) -> bool;
}

impl Count for u16 {
    #[inline]
    fn add_fits(&mut self, k: u32) -> bool {
        let sum = *self as u32 + k;
        if sum <= u16::MAX as u32 {
            *self = sum as u16;
            true
        } else {
            false
        }
    }
}

impl Count for u32 {
    #[inline]
    fn add_fits(&mut self, k: u32) -> bool {
        *self = self.saturating_add(k);
        true
    }
}

/// Adds rows straight to the buckets, in order; returns the number of rows outside every range.
fn apply_direct(b: &mut Buckets, recs: &[Rec], vals: &[f64], any: usize) -> u64 {
    let nch = b.nch;
    let has_vals = !b.vals.is_empty();
    let mut out_of_range = 0;
    for (i, r) in recs.iter().enumerate() {
        let a = r.acc as usize;
        let Some(d) = b.day_in_span(r) else {
            out_of_range += 1;
            continue;
        };
        b.used[a] = true;
        let ch = (r.ch != u32::MAX).then_some(r.ch as usize);
        if d < 0 {
            out_of_range += 1;
            let lb = &mut b.last_before[a * nch..(a + 1) * nch];
            lb[any] = lb[any].max(r.day);
            if let Some(c) = ch {
                lb[c] = lb[c].max(r.day);
            }
            continue;
        }
        let base = (b.spans[a].off + d as usize) * nch;
        b.rows.add(base + any, 1);
        if let Some(c) = ch {
            b.rows.add(base + c, 1);
        }
        if has_vals {
            let v = vals[i];
            b.vals[base + any] += v;
            if let Some(c) = ch {
                b.vals[base + c] += v;
            }
        }
    }
    out_of_range
}

/// Byte ranges of the fields a row needs.
#[derive(Clone, Copy)]
struct Fields {
    account: (usize, usize),
    time: (usize, usize),
    typ: (usize, usize),
    value: Option<(usize, usize)>,
}

/// One parser thread's state: reusable buffers and caches of the last date and account.
struct Parser<'a> {
    ctx: &'a Ctx<'a>,
    /// Start of each field of the current line up to field `max + 1` (so field `k <= max` is
    /// `bounds[k] .. bounds[k + 1] - 1`), then a slot for the fields after those.
    bounds: Vec<usize>,
    fields: Vec<(usize, usize)>,
    scratch: Vec<u8>,
    /// Splits the lines with quotes.
    records: RecordReader,
    /// The first 10 bytes of the last date parsed by the fast path (`u128::MAX`: none), its day.
    last_date: u128,
    last_day: i32,
    /// The last account id: prefix, length (`usize::MAX`: none), the id if longer than 16 bytes,
    /// and its index.
    last_acc: u128,
    last_acc_len: usize,
    last_acc_long: Vec<u8>,
    last_idx: Option<u32>,
    /// Unknown accounts seen in the current chunk.
    seen_unknown: ByteMap<()>,
}

impl<'a> Parser<'a> {
    fn new(ctx: &'a Ctx<'a>) -> Parser<'a> {
        Parser {
            ctx,
            bounds: vec![0; ctx.max + 3],
            fields: Vec::with_capacity(16),
            scratch: Vec::new(),
            records: RecordReader::new(),
            last_date: u128::MAX,
            last_day: 0,
            last_acc: 0,
            last_acc_len: usize::MAX,
            last_acc_long: Vec::new(),
            last_idx: None,
            seen_unknown: ByteMap::with_hasher(FxBuild),
        }
    }

    /// Parses a chunk of whole lines into `out` (stops at the first error, left in `out.err`).
    fn parse(&mut self, data: &[u8], out: &mut Parsed) {
        self.seen_unknown.clear();
        if let Err(e) = self.parse_lines(data, out) {
            out.err = Some(e);
        }
    }

    /// Splits the chunk into lines and fields: from each field's start, the next byte below `,`
    /// is found eight bytes at a time (fields of a fixed width take the same path every line, so
    /// the branches are well predicted). Commas and newlines split; any other such byte (space,
    /// tab, carriage return, quote, control byte) marks its line as one to read the careful way
    /// (trimming, quotes). The other lines are split at the commas found.
    fn parse_lines(&mut self, data: &[u8], out: &mut Parsed) -> Result<(), FeatureError> {
        let last_slot = self.ctx.max + 2;
        let n = data.len();
        let (mut line_start, mut ncommas, mut line) = (0usize, 0usize, 0u64);
        let mut odd = false;
        let mut p = 0;
        self.bounds[0] = 0;
        while p < n {
            let mut m = below_comma16(word16(data, p));
            while m == 0 {
                p += 16;
                if p >= n {
                    break;
                }
                m = below_comma16(word16(data, p));
            }
            if m == 0 {
                break;
            }
            let pos = p + (m.trailing_zeros() / 8) as usize;
            p = pos + 1;
            let c = data[pos];
            if c == b',' {
                ncommas += 1;
                self.bounds[ncommas.min(last_slot)] = p;
            } else if c == b'\n' {
                line += 1;
                self.bounds[(ncommas + 1).min(last_slot)] = p;
                if odd {
                    self.odd_line(data, line_start, pos, ncommas, line, out)?;
                    odd = false;
                } else {
                    self.clean_line(data, line_start, pos, ncommas, line, out)?;
                }
                line_start = p;
                ncommas = 0;
                self.bounds[0] = p;
            } else {
                odd = true;
            }
        }
        if line_start < n {
            line += 1;
            self.bounds[(ncommas + 1).min(last_slot)] = n + 1;
            if odd {
                self.odd_line(data, line_start, n, ncommas, line, out)?;
            } else {
                self.clean_line(data, line_start, n, ncommas, line, out)?;
            }
        }
        out.lines = line;
        Ok(())
    }

    /// The line `data[s..e]` (without its newline) with `ncommas` commas, the first ones in
    /// `self.commas`, and no other byte below `,`: nothing to trim, no quotes.
    #[inline(always)]
    fn clean_line(
        &mut self,
        data: &[u8],
        s: usize,
        e: usize,
        ncommas: usize,
        line: u64,
        out: &mut Parsed,
    ) -> Result<(), FeatureError> {
        if ncommas < self.ctx.max {
            if ncommas == 0 && s == e {
                return Ok(()); // blank
            }
            return Err(self.short_row(ncommas + 1, line));
        }
        let bounds = &self.bounds[..];
        let field = |k: usize| (bounds[k], bounds[k + 1] - 1);
        let f = Fields {
            account: field(self.ctx.account),
            time: field(self.ctx.time),
            typ: field(self.ctx.typ),
            value: self.ctx.value.map(field),
        };
        self.record(data, f, line, out)
    }

    /// A line with spaces, tabs, a carriage return, quotes or control bytes.
    #[cold]
    #[inline(never)]
    fn odd_line(
        &mut self,
        data: &[u8],
        s: usize,
        e: usize,
        ncommas: usize,
        line: u64,
        out: &mut Parsed,
    ) -> Result<(), FeatureError> {
        if data[s..e].contains(&b'"') {
            self.quoted_line(&data[s..e], line, out)
        } else {
            self.plain_line(data, s, e, ncommas, line, out)
        }
    }

    /// The line `data[s..e]` (without its newline, and without quotes) with `ncommas` commas,
    /// its fields in `self.bounds`.
    fn plain_line(
        &mut self,
        data: &[u8],
        s: usize,
        mut e: usize,
        ncommas: usize,
        line: u64,
        out: &mut Parsed,
    ) -> Result<(), FeatureError> {
        if e > s && data[e - 1] == b'\r' {
            e -= 1;
        }
        if ncommas == 0 && data[s..e].iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(());
        }
        if ncommas < self.ctx.max {
            return Err(self.short_row(ncommas + 1, line));
        }
        let bounds = &self.bounds[..];
        // The last field ends at `e` (before a carriage return).
        let field = |k: usize| trim_range(data, bounds[k], if k < ncommas { bounds[k + 1] - 1 } else { e });
        let f = Fields {
            account: field(self.ctx.account),
            time: field(self.ctx.time),
            typ: field(self.ctx.typ),
            value: self.ctx.value.map(field),
        };
        self.record(data, f, line, out)
    }

    /// A line (without its newline) that may contain quotes, through the CSV parser.
    fn quoted_line(&mut self, text: &[u8], line: u64, out: &mut Parsed) -> Result<(), FeatureError> {
        let mut fields = std::mem::take(&mut self.fields);
        let mut scratch = std::mem::take(&mut self.scratch);
        let r = self.quoted_line_inner(text, line, out, &mut fields, &mut scratch);
        self.fields = fields;
        self.scratch = scratch;
        r
    }

    fn quoted_line_inner(
        &mut self,
        mut text: &[u8],
        line: u64,
        out: &mut Parsed,
        fields: &mut Vec<(usize, usize)>,
        scratch: &mut Vec<u8>,
    ) -> Result<(), FeatureError> {
        if let [rest @ .., b'\r'] = text {
            text = rest;
        }
        if text.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(());
        }
        // The fields, unquoted into `scratch` by churn-core's record reader, trimmed.
        fields.clear();
        scratch.clear();
        let (mut input, mut at) = (text, line);
        let Some(rec) = self.records.next_record(&mut input, &mut at) else {
            return Err(FeatureError::BadRow {
                file: self.ctx.file.clone(),
                line,
                message: "malformed quoted field (quoted fields may not span lines)".into(),
            });
        };
        scratch.extend_from_slice(rec.fields);
        let mut start = 0;
        for &end in rec.ends {
            fields.push(trim_range(scratch, start, end));
            start = end;
        }
        if fields.len() <= self.ctx.max {
            return Err(self.short_row(fields.len(), line));
        }
        let f = Fields {
            account: fields[self.ctx.account],
            time: fields[self.ctx.time],
            typ: fields[self.ctx.typ],
            value: self.ctx.value.map(|c| fields[c]),
        };
        self.record(scratch, f, line, out)
    }

    #[cold]
    #[inline(never)]
    fn short_row(&self, found: usize, line: u64) -> FeatureError {
        FeatureError::BadRow {
            file: self.ctx.file.clone(),
            line,
            message: format!("expected {} fields, found {found}", self.ctx.names.len()),
        }
    }

    #[cold]
    #[inline(never)]
    fn bad(&self, col: usize, value: &[u8], line: u64, expected: &str) -> FeatureError {
        FeatureError::BadValue {
            file: self.ctx.file.clone(),
            line,
            column: self.ctx.names[col].clone(),
            value: String::from_utf8_lossy(value).into_owned(),
            expected: expected.to_string(),
        }
    }

    /// One data row whose fields are the given ranges of `buf`.
    #[inline(always)]
    fn record(&mut self, buf: &[u8], f: Fields, line: u64, out: &mut Parsed) -> Result<(), FeatureError> {
        out.rows += 1;
        // Date: consecutive rows usually share the day.
        let (ts, te) = f.time;
        let tb = &buf[ts..te];
        let fast = tb.len() >= 10 && (tb.len() == 10 || tb[10] == b'T' || tb[10] == b' ');
        let day = if fast && prefix16(buf, ts, ts + 10) == self.last_date {
            self.last_day
        } else if let Some(d) = parse_iso_date(tb) {
            self.last_date = prefix16(buf, ts, ts + 10);
            self.last_day = d;
            d
        } else {
            std::str::from_utf8(tb)
                .ok()
                .and_then(parse_date)
                .ok_or_else(|| self.bad(self.ctx.time, tb, line, "a date"))?
        };
        let value = match (self.ctx.value, f.value) {
            (Some(c), Some((vs, ve))) => {
                let vb = &buf[vs..ve];
                Some(parse_number(vb).ok_or_else(|| self.bad(c, vb, line, "a number"))?)
            }
            _ => None,
        };
        // Account: consecutive rows often share it.
        let (as_, ae) = f.account;
        let ab = &buf[as_..ae];
        let pad = prefix16(buf, as_, ae);
        let idx = if ab.len() == self.last_acc_len
            && pad == self.last_acc
            && (ab.len() <= 16 || ab == self.last_acc_long.as_slice())
        {
            self.last_idx
        } else {
            let i = match &self.ctx.numeric {
                Some(n) => n.get(ab, pad),
                None => self.ctx.accounts.get_padded(ab, pad),
            };
            self.last_acc = pad;
            self.last_acc_len = ab.len();
            if ab.len() > 16 {
                self.last_acc_long.clear();
                self.last_acc_long.extend_from_slice(ab);
            }
            self.last_idx = i;
            i
        };
        let Some(idx) = idx else {
            out.unknown_rows += 1;
            if !self.seen_unknown.contains_key(ab) {
                self.seen_unknown.insert(ab.into(), ());
                out.unknown.push(ab.into());
            }
            return Ok(());
        };
        // Event type.
        let (ys, ye) = f.typ;
        let ch = self.ctx.types.get(&buf[ys..ye], prefix16(buf, ys, ye));
        if ch.is_none() {
            out.unlisted_rows += 1;
        }
        out.recs.push(Rec { acc: idx, day, ch: ch.map(|c| c as u32).unwrap_or(u32::MAX) });
        if let Some(v) = value {
            out.vals.push(v);
        }
        Ok(())
    }
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
