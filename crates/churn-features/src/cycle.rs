//! Purchase-cycle features and the BG/NBD model of repeat buying (Fader, Hardie and Lee 2005,
//! "Counting your customers the easy way"), both from the account's whole history before `t`.
//!
//! BG/NBD works in weeks (days / 7) on each account's `x` (repeat activity days: distinct days
//! with activity minus one), `t_x` (first to last activity day) and `T` (first activity day to
//! the snapshot `t`). The four parameters are fitted by maximum likelihood with Nelder-Mead on
//! their logarithms, restarted until the optimum stops moving.

use churn_eval::stats::ln_gamma;

use crate::compute::slope;
use crate::history::{Act, History};

pub(crate) use churn_spec::engine::{BgWhat, CycleStat};

/// Distinct activity days of channel `ch` before `t`, ascending.
pub(crate) fn days_before(hist: &History, acts: &[Act], ch: usize, t: i32, out: &mut Vec<i32>) {
    out.clear();
    for x in acts.iter().take_while(|x| x.day < t) {
        if hist.matches(x, ch) && out.last() != Some(&x.day) {
            out.push(x.day);
        }
    }
}

/// One purchase-cycle statistic at `t`; `days` are [`days_before`] of the same channel.
pub(crate) fn cycle_stat(hist: &History, acts: &[Act], ch: usize, t: i32, days: &[i32], stat: CycleStat) -> f64 {
    let gaps = || days.windows(2).map(|w| (w[1] - w[0]) as f64);
    let n = days.len();
    let rows = || acts.iter().take_while(move |x| x.day < t).filter(move |x| hist.matches(x, ch));
    match stat {
        CycleStat::Days => n as f64,
        CycleStat::GapMean if n >= 2 => (days[n - 1] - days[0]) as f64 / (n - 1) as f64,
        CycleStat::GapMedian if n >= 2 => {
            let mut g: Vec<f64> = gaps().collect();
            g.sort_by(f64::total_cmp);
            let m = g.len();
            if m % 2 == 1 {
                g[m / 2]
            } else {
                (g[m / 2 - 1] + g[m / 2]) / 2.0
            }
        }
        CycleStat::GapLast if n >= 2 => (days[n - 1] - days[n - 2]) as f64,
        CycleStat::Overdue if n >= 2 => (t - days[n - 1]) as f64 / ((days[n - 1] - days[0]) as f64 / (n - 1) as f64),
        CycleStat::GapMean | CycleStat::GapMedian | CycleStat::GapLast | CycleStat::Overdue => f64::NAN,
        CycleStat::ActiveDays(w) => days.iter().filter(|&&d| d >= t - w).count() as f64,
        CycleStat::ValueSum(w) => rows().filter(|x| x.day >= t - w).map(|x| x.value).sum(),
        CycleStat::ValueMean(w) => mean(rows().filter(|x| x.day >= t - w).map(|x| x.value)),
        CycleStat::ValueMeanAll => mean(rows().map(|x| x.value)),
        CycleStat::ValueTrend(np, p) => {
            let mut ys = vec![0.0; np as usize];
            for x in rows() {
                let k = (t - x.day - 1) / p;
                if k < np {
                    ys[(np - 1 - k) as usize] += x.value;
                }
            }
            let m = ys.iter().sum::<f64>() / np as f64;
            if m != 0.0 {
                slope(&ys) / m
            } else {
                0.0
            }
        }
    }
}

fn mean(it: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut k) = (0.0, 0usize);
    for v in it {
        s += v;
        k += 1;
    }
    if k > 0 {
        s / k as f64
    } else {
        f64::NAN
    }
}

/// An account's BG/NBD summary in weeks: repeat days `x`, recency `t_x`, age `T`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rfm {
    /// Repeat activity days (distinct days minus one).
    pub x: f64,
    /// Weeks from the first to the last activity day.
    pub t_x: f64,
    /// Weeks from the first activity day to the snapshot.
    pub big_t: f64,
}

/// The summary of activity `days` (ascending, distinct, at least one) at `t`.
pub(crate) fn rfm(days: &[i32], t: i32) -> Rfm {
    let first = days[0];
    let last = days[days.len() - 1];
    Rfm { x: (days.len() - 1) as f64, t_x: (last - first) as f64 / 7.0, big_t: (t - first) as f64 / 7.0 }
}

/// The four BG/NBD parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbd {
    /// Shape of the gamma distribution of purchase rates.
    pub r: f64,
    /// Scale (weeks) of the gamma distribution of purchase rates.
    pub alpha: f64,
    /// First shape of the beta distribution of dropout probabilities.
    pub a: f64,
    /// Second shape of the beta distribution of dropout probabilities.
    pub b: f64,
}

/// `ln(e^u + e^v)`.
fn log_add_exp(u: f64, v: f64) -> f64 {
    let m = u.max(v);
    m + ((u - m).exp() + (v - m).exp()).ln()
}

impl BgNbd {
    /// The log-likelihood of one account (equation 6 of Fader, Hardie and Lee 2005, in the
    /// log-sum-exp form `lifetimes` uses).
    pub fn log_likelihood(&self, s: Rfm) -> f64 {
        let BgNbd { r, alpha, a, b } = *self;
        let Rfm { x, t_x, big_t } = s;
        let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
        let a2 = ln_gamma(a + b) + ln_gamma(b + x) - ln_gamma(b) - ln_gamma(a + b + x);
        let a3 = -(r + x) * (alpha + big_t).ln();
        if x > 0.0 {
            let a4 = a.ln() - (b + x - 1.0).ln() - (r + x) * (alpha + t_x).ln();
            a1 + a2 + log_add_exp(a3, a4)
        } else {
            a1 + a2 + a3
        }
    }

    /// The probability that the account is still alive (1 without repeat activity).
    pub fn p_alive(&self, s: Rfm) -> f64 {
        if s.x == 0.0 {
            return 1.0;
        }
        let BgNbd { r, alpha, a, b } = *self;
        let log_div = (r + s.x) * ((alpha + s.big_t) / (alpha + s.t_x)).ln() + (a / (b + s.x - 1.0)).ln();
        1.0 / (1.0 + log_div.exp())
    }

    /// Expected repeat activity in the next `weeks` weeks (equation 10).
    pub fn expected(&self, s: Rfm, weeks: f64) -> f64 {
        let BgNbd { r, alpha, a, b } = *self;
        let Rfm { x, t_x, big_t } = s;
        let first = (a + b + x - 1.0) / (a - 1.0);
        let hyp = hyp2f1(r + x, b + x, a + b + x - 1.0, weeks / (alpha + big_t + weeks));
        let second = 1.0 - hyp * ((alpha + big_t) / (alpha + big_t + weeks)).powf(r + x);
        let den = if x > 0.0 { 1.0 + a / (b + x - 1.0) * ((alpha + big_t) / (alpha + t_x)).powf(r + x) } else { 1.0 };
        first * second / den
    }
}

/// Gauss's hypergeometric function `2F1(a, b; c; z)` by its power series, for `0 <= z < 1`.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for k in 0..100_000 {
        let k = k as f64;
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        if term.abs() <= 1e-16 * sum.abs() {
            break;
        }
    }
    sum
}

/// The weighted mean negative log-likelihood of distinct summaries `(s, count)` sorted by `x`:
/// the terms of [`BgNbd::log_likelihood`] that depend only on `x` (the ln Γ ones) are computed
/// once per distinct `x`.
fn objective(p: &BgNbd, data: &[(Rfm, f64)], total: f64) -> f64 {
    let BgNbd { r, alpha, a, b } = *p;
    let (ln_alpha, ln_a) = (alpha.ln(), a.ln());
    let base = ln_gamma(a + b) - ln_gamma(b) - ln_gamma(r) + r * ln_alpha;
    let mut ll = 0.0;
    let mut cur_x = f64::NAN;
    let mut gam = 0.0;
    for &(s, w) in data {
        if s.x != cur_x {
            cur_x = s.x;
            gam = base + ln_gamma(r + s.x) + ln_gamma(b + s.x) - ln_gamma(a + b + s.x);
        }
        let a3 = -(r + s.x) * (alpha + s.big_t).ln();
        let l = if s.x > 0.0 {
            let a4 = ln_a - (b + s.x - 1.0).ln() - (r + s.x) * (alpha + s.t_x).ln();
            gam + log_add_exp(a3, a4)
        } else {
            gam + a3
        };
        ll += w * l;
    }
    let v = -ll / total;
    if v.is_finite() {
        v
    } else {
        f64::INFINITY
    }
}

/// Fits BG/NBD by maximum likelihood. `None` when no account has repeat activity (the
/// dropout process is not identified) or there are no accounts.
pub fn fit_bgnbd(summaries: &[Rfm]) -> Option<BgNbd> {
    if !summaries.iter().any(|s| s.x > 0.0) {
        return None;
    }
    // Distinct summaries with their counts: the likelihood is evaluated once per distinct one.
    let mut sorted: Vec<Rfm> = summaries.to_vec();
    sorted.sort_by(|p, q| p.x.total_cmp(&q.x).then(p.t_x.total_cmp(&q.t_x)).then(p.big_t.total_cmp(&q.big_t)));
    let mut data: Vec<(Rfm, f64)> = Vec::new();
    for s in sorted {
        match data.last_mut() {
            Some((l, w)) if *l == s => *w += 1.0,
            _ => data.push((s, 1.0)),
        }
    }
    let total = summaries.len() as f64;
    let f = |v: &[f64; 4]| {
        objective(&BgNbd { r: v[0].exp(), alpha: v[1].exp(), a: v[2].exp(), b: v[3].exp() }, &data, total)
    };
    let mut best = [0.0f64; 4];
    let mut fbest = f(&best);
    for _ in 0..50 {
        let (x, fx) = nelder_mead(&f, best, 0.5, 5000);
        let done = fbest - fx <= 1e-13 * fx.abs().max(1.0);
        if fx < fbest {
            best = x;
            fbest = fx;
        }
        if done {
            break;
        }
    }
    Some(BgNbd { r: best[0].exp(), alpha: best[1].exp(), a: best[2].exp(), b: best[3].exp() })
}

/// Nelder-Mead minimisation from `x0` with an initial simplex of side `step`.
fn nelder_mead<F: Fn(&[f64; 4]) -> f64>(f: &F, x0: [f64; 4], step: f64, max_iter: usize) -> ([f64; 4], f64) {
    const N: usize = 4;
    let mut pts: Vec<([f64; N], f64)> = Vec::with_capacity(N + 1);
    pts.push((x0, f(&x0)));
    for i in 0..N {
        let mut x = x0;
        x[i] += step;
        pts.push((x, f(&x)));
    }
    for _ in 0..max_iter {
        pts.sort_by(|p, q| p.1.total_cmp(&q.1));
        let (fl, fh) = (pts[0].1, pts[N].1);
        if (fh - fl).abs() <= 1e-15 * (fl.abs() + fh.abs()) + 1e-300 {
            let spread = (0..N).map(|i| (pts[N].0[i] - pts[0].0[i]).abs()).fold(0.0, f64::max);
            if spread < 1e-10 {
                break;
            }
        }
        let mut c = [0.0; N];
        for p in &pts[..N] {
            for (ci, pi) in c.iter_mut().zip(p.0) {
                *ci += pi / N as f64;
            }
        }
        let along = |t: f64| -> [f64; N] {
            let mut x = [0.0; N];
            for i in 0..N {
                x[i] = c[i] + t * (pts[N].0[i] - c[i]);
            }
            x
        };
        let xr = along(-1.0);
        let fr = f(&xr);
        if fr < pts[0].1 {
            let xe = along(-2.0);
            let fe = f(&xe);
            pts[N] = if fe < fr { (xe, fe) } else { (xr, fr) };
        } else if fr < pts[N - 1].1 {
            pts[N] = (xr, fr);
        } else {
            let (xc, fc) = if fr < fh {
                let x = along(-0.5);
                (x, f(&x))
            } else {
                let x = along(0.5);
                (x, f(&x))
            };
            if fc < fr.min(fh) {
                pts[N] = (xc, fc);
            } else {
                let x0 = pts[0].0;
                for p in pts.iter_mut().skip(1) {
                    for (pi, x0i) in p.0.iter_mut().zip(x0) {
                        *pi = x0i + 0.5 * (*pi - x0i);
                    }
                    p.1 = f(&p.0);
                }
            }
        }
    }
    pts.sort_by(|p, q| p.1.total_cmp(&q.1));
    (pts[0].0, pts[0].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypergeometric_closed_forms() {
        // 2F1(1, 1; 2; z) = -ln(1 - z) / z
        for z in [0.1, 0.5, 0.9] {
            let want = -(1.0f64 - z).ln() / z;
            assert!((hyp2f1(1.0, 1.0, 2.0, z) - want).abs() < 1e-12 * want, "{z}");
        }
        // 2F1(a, b; b; z) = (1 - z)^-a
        let want = (1.0f64 - 0.3).powf(-2.5);
        assert!((hyp2f1(2.5, 1.7, 1.7, 0.3) - want).abs() < 1e-12 * want);
    }

    #[test]
    fn the_grouped_objective_equals_the_sum_of_log_likelihoods() {
        let p = BgNbd { r: 0.3, alpha: 5.0, a: 0.9, b: 2.0 };
        let data: Vec<(Rfm, f64)> = vec![
            (Rfm { x: 0.0, t_x: 0.0, big_t: 30.0 }, 3.0),
            (Rfm { x: 0.0, t_x: 0.0, big_t: 12.0 }, 1.0),
            (Rfm { x: 2.0, t_x: 10.0, big_t: 30.0 }, 2.0),
            (Rfm { x: 2.0, t_x: 4.5, big_t: 20.0 }, 1.0),
            (Rfm { x: 7.0, t_x: 28.0, big_t: 29.0 }, 1.0),
        ];
        let want = -data.iter().map(|(s, w)| w * p.log_likelihood(*s)).sum::<f64>() / 8.0;
        assert!((objective(&p, &data, 8.0) - want).abs() < 1e-13 * want.abs());
    }

    #[test]
    fn nelder_mead_finds_a_quadratic_minimum() {
        let f = |v: &[f64; 4]| (v[0] - 1.0).powi(2) + 2.0 * (v[1] + 2.0).powi(2) + (v[2] - 0.5).powi(2) + v[3] * v[3];
        let (x, fx) = nelder_mead(&f, [0.0; 4], 0.5, 10_000);
        assert!(fx < 1e-14, "{fx}");
        for (got, want) in x.iter().zip([1.0, -2.0, 0.5, 0.0]) {
            assert!((got - want).abs() < 1e-6, "{x:?}");
        }
    }
}
