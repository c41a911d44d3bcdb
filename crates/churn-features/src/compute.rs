//! Feature computation from daily buckets, in parallel over accounts.

use rayon::prelude::*;

use crate::activity::{Bucket, Buckets, CountsRef};
use crate::cycle::{cycle_stat, days_before, fit_bgnbd, rfm, BgNbd, BgWhat};
use crate::error::FeatureError;
use crate::history::History;
use crate::plan::{Agg, Op, Plan};
use crate::spec::FeatureSpec;
use crate::subs::{Accounts, SnapRow};

/// BG/NBD parameters per (channel, snapshot date), sorted.
pub(crate) type BgFits = Vec<((usize, i32), BgNbd)>;

/// Fits BG/NBD for every channel a feature needs at every snapshot date, on the accounts of the
/// rows at that date with activity of the channel before it.
pub(crate) fn fit_bgnbd_per_snapshot(
    spec: &FeatureSpec,
    plan: &Plan,
    hist: Option<&History>,
    rows: &[SnapRow],
) -> Result<BgFits, FeatureError> {
    let mut chans: Vec<usize> =
        plan.ops.iter().filter_map(|(op, _)| if let Op::Bgnbd { ch, .. } = op { Some(*ch) } else { None }).collect();
    chans.sort_unstable();
    chans.dedup();
    let Some(hist) = hist.filter(|_| !chans.is_empty()) else {
        return Ok(Vec::new());
    };
    let mut dates: Vec<i32> = rows.iter().map(|r| r.t).collect();
    dates.sort_unstable();
    dates.dedup();
    let keys: Vec<(usize, i32)> = chans.iter().flat_map(|&c| dates.iter().map(move |&t| (c, t))).collect();
    keys.par_iter()
        .map(|&(ch, t)| {
            let mut days = Vec::new();
            let mut data = Vec::new();
            for r in rows.iter().filter(|r| r.t == t) {
                days_before(hist, &hist.acts[r.account as usize], ch, t, &mut days);
                if !days.is_empty() {
                    data.push(rfm(&days, t));
                }
            }
            match fit_bgnbd(&data) {
                Some(p) => Ok(((ch, t), p)),
                None => Err(FeatureError::NoRepeatActivity {
                    file: spec.activity.file.clone(),
                    event: if ch == plan.any() {
                        "any".to_string()
                    } else {
                        spec.activity.event_types[ch].name().to_string()
                    },
                    snapshot: churn_core::date::format_date(t),
                }),
            }
        })
        .collect()
}

/// One account's buckets with prefix sums of the integer planes (row counts, active days),
/// day-major like the buckets: index `d * nch + c` holds channel `c`'s total over days
/// `lo .. lo + d` (integers, so every difference is exact, as it was in `f64`). Sums of the
/// value column are added up directly over each window (in day order), so a value never depends
/// on how far back the account's buckets start: training and scoring tables agree bit for bit.
struct Prefix<'a> {
    lo: i32,
    n: usize,
    rows: &'a [u64],
    active: &'a [u64],
    vals: &'a [f64],
    nch: usize,
    usage: bool,
}

/// Reusable prefix-sum buffers of one worker.
#[derive(Default)]
struct PrefixBufs {
    rows: Vec<u64>,
    active: Vec<u64>,
}

impl<'a> Prefix<'a> {
    /// `active` lists the channels whose active days are needed.
    fn new(
        b: Option<Bucket<'a>>,
        nch: usize,
        usage: bool,
        active: &[usize],
        bufs: &'a mut PrefixBufs,
    ) -> Option<Prefix<'a>> {
        let b = b?;
        let n = b.n;
        debug_assert_eq!(b.rows.len(), n * nch);
        match b.rows {
            CountsRef::Narrow(src) => Self::sums(src, n, nch, active, bufs),
            CountsRef::Wide(src) => Self::sums(src, n, nch, active, bufs),
        }
        let len = (n + 1) * nch;
        let active = if active.is_empty() { &[][..] } else { &bufs.active[..len] };
        Some(Prefix { lo: b.lo, n, rows: &bufs.rows[..len], active, vals: b.vals, nch, usage })
    }

    /// Fills `bufs` with the prefix sums of `src` (`n` days of `nch` channels). The buffers only
    /// grow (no zeroing per account); entries past `(n + 1) * nch`, and active-day sums of
    /// channels not in `active`, are stale and never read.
    fn sums<T: Copy + Into<u64>>(src: &[T], n: usize, nch: usize, active: &[usize], bufs: &mut PrefixBufs) {
        let len = (n + 1) * nch;
        let src = &src[..n * nch];
        let rows = &mut bufs.rows;
        if rows.len() < len {
            rows.resize(len, 0);
        }
        let rows = &mut rows[..len];
        rows[..nch].fill(0);
        for k in 0..src.len() {
            rows[k + nch] = rows[k] + src[k].into();
        }
        if !active.is_empty() {
            let act = &mut bufs.active;
            if act.len() < len {
                act.resize(len, 0);
            }
            let act = &mut act[..len];
            act[..nch].fill(0);
            for d in 0..n {
                for &c in active {
                    act[(d + 1) * nch + c] = act[d * nch + c] + (src[d * nch + c].into() > 0) as u64;
                }
            }
        }
    }

    #[inline(always)]
    fn idx(&self, day: i32) -> usize {
        (day - self.lo).clamp(0, self.n as i32) as usize
    }

    #[inline]
    fn val_sum(&self, ch: usize, i: usize, j: usize) -> f64 {
        let mut s = 0.0;
        for d in i..j {
            s += self.vals[d * self.nch + ch];
        }
        s
    }

    /// Aggregation over days `[a, b)`.
    #[inline(always)]
    fn agg(&self, ch: usize, a: i32, b: i32, agg: Agg) -> f64 {
        let (i, j) = (self.idx(a), self.idx(b));
        let (pi, pj) = (i * self.nch + ch, j * self.nch + ch);
        let rows = || (self.rows[pj] - self.rows[pi]) as f64;
        let sum = || {
            if self.vals.is_empty() {
                rows()
            } else {
                self.val_sum(ch, i, j)
            }
        };
        match agg {
            Agg::Count if self.usage => sum(),
            Agg::Count => rows(),
            Agg::Sum => sum(),
            Agg::ActiveDays => (self.active[pj] - self.active[pi]) as f64,
            Agg::Mean => {
                let act = (self.active[pj] - self.active[pi]) as f64;
                if act > 0.0 {
                    sum() / act
                } else {
                    0.0
                }
            }
        }
    }
}

#[inline(always)]
fn agg_of(p: &Option<Prefix>, ch: usize, a: i32, b: i32, agg: Agg) -> f64 {
    match p {
        Some(p) => p.agg(ch, a, b, agg),
        None => 0.0,
    }
}

/// `sign(x) * ln(1 + |x|)`.
#[inline]
pub fn signed_log1p(x: f64) -> f64 {
    if x < 0.0 {
        -(-x).ln_1p()
    } else {
        x.ln_1p()
    }
}

/// Least-squares slope of `ys` against `0, 1, ..., len - 1`.
pub(crate) fn slope(ys: &[f64]) -> f64 {
    let n = ys.len() as f64;
    let xm = (n - 1.0) / 2.0;
    let ym = ys.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, &y) in ys.iter().enumerate() {
        let dx = i as f64 - xm;
        sxy += dx * (y - ym);
        sxx += dx * dx;
    }
    if sxx > 0.0 {
        sxy / sxx
    } else {
        0.0
    }
}

/// Computes the numeric features of every row; row-major `rows.len() × plan.ops.len()`.
pub(crate) fn compute(
    plan: &Plan,
    acc: &Accounts,
    buckets: &Buckets,
    rows: &[SnapRow],
    usage: bool,
    hist: Option<&History>,
    fits: &BgFits,
) -> Vec<f64> {
    let nops = plan.ops.len();
    // Channels whose active days some feature needs.
    let mut active: Vec<usize> = plan
        .ops
        .iter()
        .filter_map(|(op, _)| match *op {
            Op::Window { ch, agg: Agg::Mean | Agg::ActiveDays, .. }
            | Op::Velocity { ch, agg: Agg::Mean | Agg::ActiveDays, .. }
            | Op::Stickiness { ch, .. } => Some(ch),
            _ => None,
        })
        .collect();
    active.sort_unstable();
    active.dedup();
    debug_assert_eq!(active.is_empty(), !plan.needs_active);
    // Group rows by account (they are contiguous).
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut s = 0;
    for i in 1..=rows.len() {
        if i == rows.len() || rows[i].account != rows[s].account {
            if i > s {
                groups.push((s, i));
            }
            s = i;
        }
    }
    // Each group writes its own part of the output.
    let mut all = vec![0.0; rows.len() * nops];
    let mut parts: Vec<(&[SnapRow], &mut [f64])> = Vec::with_capacity(groups.len());
    let mut rest = all.as_mut_slice();
    for &(s, e) in &groups {
        let (part, tail) = rest.split_at_mut((e - s) * nops);
        parts.push((&rows[s..e], part));
        rest = tail;
    }
    parts.into_par_iter().with_min_len(64).for_each_init(
        || (PrefixBufs::default(), Vec::new(), Vec::new()),
        |(bufs, ys, days), (group, out)| {
            let a = group[0].account as usize;
            let bucket = buckets.get(a);
            let prefix = Prefix::new(bucket, plan.n_channels(), usage, &active, bufs);
            let first_start = acc.rows[a].first().map(|r| r.start);
            for (ri, r) in group.iter().enumerate() {
                let t = r.t;
                let tenure = first_start.map(|f| (t - f) as f64).unwrap_or(0.0);
                let row = &mut out[ri * nops..(ri + 1) * nops];
                for (oi, (op, log1p)) in plan.ops.iter().enumerate() {
                    let v = match *op {
                        Op::Window { ch, w, agg } => agg_of(&prefix, ch, t - w, t, agg),
                        Op::Velocity { ch, w, agg, bounded, zero } => {
                            let a = agg_of(&prefix, ch, t - w, t, agg);
                            let b = agg_of(&prefix, ch, t - 2 * w, t - w, agg);
                            velocity(a, b, bounded, zero)
                        }
                        Op::Trend { ch, n, p, agg, normalize } => {
                            ys.clear();
                            for i in 0..n {
                                let a = t - (n - i) * p;
                                ys.push(agg_of(&prefix, ch, a, a + p, agg));
                            }
                            let sl = slope(ys);
                            if normalize {
                                let m = ys.iter().sum::<f64>() / ys.len() as f64;
                                if m != 0.0 {
                                    sl / m
                                } else {
                                    0.0
                                }
                            } else {
                                sl
                            }
                        }
                        Op::Recency { ch, never } => match last_day_before(bucket, ch, t) {
                            Some(d) => (t - d) as f64,
                            None => never.unwrap_or(tenure),
                        },
                        Op::Tenure => tenure,
                        Op::Ratio { num, den, zero } => {
                            let d = row[den];
                            if d != 0.0 {
                                row[num] / d
                            } else {
                                zero
                            }
                        }
                        Op::Stickiness { ch, short, long } => {
                            let l = agg_of(&prefix, ch, t - long, t, Agg::ActiveDays);
                            if l > 0.0 {
                                agg_of(&prefix, ch, t - short, t, Agg::ActiveDays) / l
                            } else {
                                0.0
                            }
                        }
                        Op::Cycle { ch, stat } => match hist {
                            Some(h) => {
                                let acts = &h.acts[a];
                                days_before(h, acts, ch, t, days);
                                cycle_stat(h, acts, ch, t, days, stat)
                            }
                            None => f64::NAN,
                        },
                        Op::Bgnbd { ch, what } => match hist {
                            Some(h) => {
                                days_before(h, &h.acts[a], ch, t, days);
                                let fit = fits.binary_search_by_key(&(ch, t), |f| f.0).ok().map(|i| fits[i].1);
                                match (fit, days.is_empty()) {
                                    (Some(p), false) => {
                                        let s = rfm(days, t);
                                        match what {
                                            BgWhat::PAlive => p.p_alive(s),
                                            BgWhat::Expected(h) => p.expected(s, h as f64 / 7.0),
                                        }
                                    }
                                    _ => f64::NAN,
                                }
                            }
                            None => f64::NAN,
                        },
                    };
                    row[oi] = if *log1p { signed_log1p(v) } else { v };
                }
            }
        },
    );
    all
}

/// Velocity with its zero cases.
pub(crate) fn velocity(a: f64, b: f64, bounded: bool, zero: f64) -> f64 {
    if bounded {
        if a + b != 0.0 {
            (a - b) / (a + b)
        } else {
            0.0
        }
    } else if b != 0.0 {
        (a - b) / b
    } else if a == 0.0 {
        0.0
    } else {
        zero
    }
}

/// The last day before `t` with a row in channel `ch`.
fn last_day_before(b: Option<Bucket>, ch: usize, t: i32) -> Option<i32> {
    let b = b?;
    let end = (t - b.lo).clamp(0, b.n as i32) as usize;
    let nch = b.last_before.len();
    if let Some(d) = (0..end).rev().find(|&d| b.rows.get(d * nch + ch) > 0) {
        return Some(b.lo + d as i32);
    }
    let lb = b.last_before[ch];
    (lb != i32::MIN && lb < t).then_some(lb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn velocity_zero_cases() {
        assert_eq!(velocity(0.0, 0.0, false, 7.0), 0.0);
        assert_eq!(velocity(3.0, 0.0, false, 7.0), 7.0);
        assert_eq!(velocity(3.0, 2.0, false, 7.0), 0.5);
        assert_eq!(velocity(0.0, 2.0, false, 7.0), -1.0);
        assert_eq!(velocity(0.0, 0.0, true, 7.0), 0.0);
        assert_eq!(velocity(3.0, 0.0, true, 7.0), 1.0);
        assert_eq!(velocity(0.0, 3.0, true, 7.0), -1.0);
        assert_eq!(velocity(3.0, 1.0, true, 7.0), 0.5);
    }

    #[test]
    fn slopes() {
        assert_eq!(slope(&[1.0, 2.0, 3.0, 4.0]), 1.0);
        assert_eq!(slope(&[5.0, 5.0, 5.0]), 0.0);
        assert_eq!(slope(&[4.0, 2.0, 0.0]), -2.0);
        assert!((slope(&[1.0, 0.0, 3.0, 2.0]) - 0.6).abs() < 1e-15);
    }

    #[test]
    fn signed_log() {
        assert_eq!(signed_log1p(0.0), 0.0);
        assert_eq!(signed_log1p(std::f64::consts::E - 1.0), 1.0);
        assert_eq!(signed_log1p(-(std::f64::consts::E - 1.0)), -1.0);
    }
}
