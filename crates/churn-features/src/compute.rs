//! Feature computation from daily buckets, in parallel over accounts.

use rayon::prelude::*;

use crate::activity::Bucket;
use crate::spec::{Agg, Op, Plan};
use crate::subs::{Accounts, SnapRow};

/// One account's buckets with prefix sums of the integer planes (row counts, active days), per
/// channel: index `d` holds the total over days `lo .. lo + d`. Sums of the value column are
/// added up directly over each window (in day order), so a value never depends on how far back
/// the account's buckets start: training and scoring tables agree bit for bit.
struct Prefix<'a> {
    lo: i32,
    n: usize,
    rows: Vec<f64>,
    active: Vec<f64>,
    vals: &'a [f64],
    nch: usize,
    usage: bool,
}

impl<'a> Prefix<'a> {
    fn new(b: Option<&'a Bucket>, nch: usize, usage: bool, need_active: bool) -> Option<Prefix<'a>> {
        let b = b?;
        let n = b.n;
        let stride = n + 1;
        debug_assert_eq!(b.rows.len(), n * nch);
        let mut rows = vec![0.0; nch * stride];
        let mut active = if need_active { vec![0.0; nch * stride] } else { Vec::new() };
        for c in 0..nch {
            let (mut rc, mut ac) = (0.0, 0.0);
            for d in 0..n {
                let r = b.rows[d * nch + c];
                rc += r as f64;
                rows[c * stride + d + 1] = rc;
                if need_active {
                    ac += (r > 0) as u8 as f64;
                    active[c * stride + d + 1] = ac;
                }
            }
        }
        Some(Prefix { lo: b.lo, n, rows, active, vals: &b.vals, nch, usage })
    }

    #[inline]
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
    #[inline]
    fn agg(&self, ch: usize, a: i32, b: i32, agg: Agg) -> f64 {
        let (i, j) = (self.idx(a), self.idx(b));
        let base = ch * (self.n + 1);
        let rows = || self.rows[base + j] - self.rows[base + i];
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
            Agg::ActiveDays => self.active[base + j] - self.active[base + i],
            Agg::Mean => {
                let act = self.active[base + j] - self.active[base + i];
                if act > 0.0 {
                    sum() / act
                } else {
                    0.0
                }
            }
        }
    }
}

#[inline]
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
pub(crate) fn compute(plan: &Plan, acc: &Accounts, buckets: &[Bucket], rows: &[SnapRow], usage: bool) -> Vec<f64> {
    let nops = plan.ops.len();
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
    let parts: Vec<Vec<f64>> = groups
        .par_iter()
        .with_min_len(64)
        .map(|&(s, e)| {
            let a = rows[s].account as usize;
            let bucket = buckets.get(a).filter(|b| !b.rows.is_empty());
            let prefix = Prefix::new(bucket, plan.n_channels(), usage, plan.needs_active);
            let first_start = acc.rows[a].first().map(|r| r.start);
            let mut out = vec![0.0; (e - s) * nops];
            let mut ys: Vec<f64> = Vec::new();
            for (ri, r) in rows[s..e].iter().enumerate() {
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
                            let sl = slope(&ys);
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
                    };
                    row[oi] = if *log1p { signed_log1p(v) } else { v };
                }
            }
            out
        })
        .collect();
    let mut all = Vec::with_capacity(rows.len() * nops);
    for p in parts {
        all.extend_from_slice(&p);
    }
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
fn last_day_before(b: Option<&Bucket>, ch: usize, t: i32) -> Option<i32> {
    let b = b?;
    let end = (t - b.lo).clamp(0, b.n as i32) as usize;
    let nch = b.last_before.len();
    if let Some(d) = (0..end).rev().find(|&d| b.rows[d * nch + ch] > 0) {
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
