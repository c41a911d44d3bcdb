//! The per-account daily buckets of the activity table, and the [`Applier`] that adds parsed
//! rows to them (through a window table for time-ordered counts).

use super::parser::Rec;

/// Where one account's days are in [`Buckets`]: days `lo .. lo + n`, from day-row `off`.
#[derive(Clone, Copy, Default)]
pub(crate) struct Span {
    pub(crate) lo: i32,
    pub(crate) n: u32,
    pub(crate) off: usize,
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
    pub(crate) fn add(&mut self, i: usize, k: u32) {
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
    pub(crate) fn widen(&mut self) {
        if let Counts::Narrow(v) = self {
            let wide: Vec<u32> = v.iter().map(|&c| c as u32).collect();
            *self = Counts::Wide(wide);
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        match self {
            Counts::Narrow(v) => v.len(),
            Counts::Wide(v) => v.len(),
        }
    }

    pub(crate) fn slice(&self, start: usize, end: usize) -> CountsRef<'_> {
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
    pub(crate) nch: usize,
    pub(crate) spans: Vec<Span>,
    /// Whether the account had a row in or before its range (otherwise it has no bucket).
    pub(crate) used: Vec<bool>,
    /// Rows (events, or usage rows) per day and channel.
    pub(crate) rows: Counts,
    /// Sum of the value column per day and channel (empty without a value column).
    pub(crate) vals: Vec<f64>,
    /// Per account and channel: last day before `lo` with a row (`i32::MIN` when none).
    pub(crate) last_before: Vec<i32>,
}

/// Writes one element of every page of a freshly allocated (zeroed, untouched) buffer, in
/// parallel. Otherwise the buckets' first access would be the read of a read-modify-write: the
/// kernel maps the shared zero page, then the write faults again and flushes the TLBs of every
/// core running the process.
pub(crate) fn prefault<T: Copy + Default + Send>(v: &mut [T]) {
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
    pub(crate) fn day_in_span(&self, r: &Rec) -> Option<i32> {
        let s = self.spans[r.acc as usize];
        let d = r.day.saturating_sub(s.lo);
        (s.n != 0 && d < s.n as i32).then_some(d)
    }

    pub(crate) fn new(ranges: &[Option<(i32, i32)>], nch: usize, has_vals: bool) -> Buckets {
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

/// Days of the [`Applier`]'s window.
pub(crate) const WINDOW: usize = 8;

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
pub(crate) struct Applier {
    pub(crate) any: usize,
    /// First day of the window (`i32::MIN`: none).
    pub(crate) start: i32,
    /// Counts of the window, `[((day - start) * accounts + account) * nch + channel]` (empty
    /// when not used).
    pub(crate) table: Vec<u32>,
    /// Accounts with counts in `table`, and a flag per account for them.
    pub(crate) touched: Vec<u32>,
    pub(crate) marked: Vec<bool>,
    /// Rows in the window; flushes and rows over the recent flushes.
    pub(crate) rows_in_window: u64,
    pub(crate) flushes: u64,
    pub(crate) rows_flushed: u64,
}

impl Applier {
    pub(crate) fn new(b: &Buckets, any: usize) -> Applier {
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
    pub(crate) fn apply(&mut self, b: &mut Buckets, recs: &[Rec], vals: &[f64]) -> u64 {
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
    pub(crate) fn flush(&mut self, b: &mut Buckets) {
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
    pub(crate) fn flush_parallel<T: Count>(&mut self, spans: &[Span], nch: usize, rows: &mut [T]) -> bool {
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
pub(crate) fn window_days(start: i32, s: Span) -> (usize, usize, usize) {
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
pub(crate) fn apply_direct(b: &mut Buckets, recs: &[Rec], vals: &[f64], any: usize) -> u64 {
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
