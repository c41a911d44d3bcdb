//! Gradient/hessian histograms over binned features and the split search on them.
//!
//! Both boosting (g = gradient, h = hessian) and forests (g = weighted positives, h = weight)
//! reduce to the same search: maximise `score(left) + score(right) - score(parent)` over the
//! thresholds of each feature, trying the missing bin on either side.

use crate::binning::HIST_STRIDE;

/// Sums of one histogram bin or one node.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Stats {
    pub g: f64,
    pub h: f64,
    /// Row count (kept in `f64` so bins subtract uniformly; exact below 2^53).
    pub c: f64,
}

impl Stats {
    #[inline(always)]
    pub fn add(&mut self, o: &Stats) {
        self.g += o.g;
        self.h += o.h;
        self.c += o.c;
    }

    /// Adds one row with gradient and hessian `gh`.
    #[inline(always)]
    fn add_row(&mut self, gh: &[f32; 2]) {
        self.g += gh[0] as f64;
        self.h += gh[1] as f64;
        self.c += 1.0;
    }

    #[inline(always)]
    pub fn sub(&self, o: &Stats) -> Stats {
        Stats { g: self.g - o.g, h: self.h - o.h, c: self.c - o.c }
    }
}

/// The histogram of one feature: value bins `0..nb` and the missing bin `nb`.
pub(crate) type FeatureHist = [Stats; HIST_STRIDE];

/// An all-zero feature histogram.
pub(crate) const EMPTY_HIST: FeatureHist = [Stats { g: 0.0, h: 0.0, c: 0.0 }; HIST_STRIDE];

/// Features with at most this many bins (value bins and the missing bin) are accumulated into
/// [`WAYS`] interleaved partial histograms: with so few bins, consecutive rows mostly hit the
/// same bin, and one accumulator would make every addition wait for the previous one.
const FEW_BINS: usize = 16;
/// Partial histograms of a few-bin feature.
const WAYS: usize = 4;

/// Sums `gh` of the rows yielded by `rows` (as `(bin, row)`) into the first `n` bins of
/// `hist`. With `dominant = Some((d, total))`, where `total` sums all the rows, rows of bin `d`
/// are skipped and bin `d` is `total` minus the other bins. Deterministic: the order of every
/// floating-point sum depends only on the rows.
#[inline(always)]
fn accumulate<I: Iterator<Item = (u8, usize)>>(
    rows: I,
    len: usize,
    gh: &[[f32; 2]],
    hist: &mut FeatureHist,
    n: usize,
    dominant: Option<(u8, &Stats)>,
) {
    hist[..n].fill(Stats::default());
    if let Some((d, total)) = dominant {
        for (b, r) in rows {
            if b != d {
                hist[b as usize].add_row(&gh[r]);
            }
        }
        let mut rest = *total;
        for (b, e) in hist[..n].iter().enumerate() {
            if b != d as usize {
                rest = rest.sub(e);
            }
        }
        hist[d as usize] = rest;
    } else if n <= FEW_BINS && len >= 4 * WAYS * n {
        // Row k goes to partial histogram k % WAYS; the partials are added in order.
        let mut part = [[Stats::default(); FEW_BINS]; WAYS];
        let mut rows = rows;
        loop {
            let mut done = false;
            for p in part.iter_mut() {
                match rows.next() {
                    Some((b, r)) => p[b as usize & (FEW_BINS - 1)].add_row(&gh[r]),
                    None => {
                        done = true;
                        break;
                    }
                }
            }
            if done {
                break;
            }
        }
        for p in &part {
            for (h, e) in hist[..n].iter_mut().zip(p) {
                h.add(e);
            }
        }
    } else {
        for (b, r) in rows {
            hist[b as usize].add_row(&gh[r]);
        }
    }
}

/// Histogram of `col` over `rows`, reading `gh[row]` directly. Only the first `n` bins (the
/// value bins and the missing bin of the feature) are cleared and filled: the others are
/// never read. `dominant`: as in [`accumulate`].
#[inline]
pub(crate) fn build_hist_gathered(
    col: &[u8],
    rows: &[u32],
    gh: &[[f32; 2]],
    hist: &mut FeatureHist,
    n: usize,
    dominant: Option<(u8, &Stats)>,
) {
    accumulate(rows.iter().map(|&r| (col[r as usize], r as usize)), rows.len(), gh, hist, n, dominant);
}

/// Histogram of all of `col`, with `gh[i]` the gradient/hessian of row `i` (first `n` bins
/// and `dominant`, as [`build_hist_gathered`]).
#[inline]
pub(crate) fn build_hist_dense(
    col: &[u8],
    gh: &[[f32; 2]],
    hist: &mut FeatureHist,
    n: usize,
    dominant: Option<(u8, &Stats)>,
) {
    accumulate(col.iter().enumerate().map(|(r, &b)| (b, r)), col.len(), gh, hist, n, dominant);
}

/// `a -= b` bin by bin over the first `n` bins.
#[inline]
pub(crate) fn subtract_hist(a: &mut FeatureHist, b: &FeatureHist, n: usize) {
    for (x, y) in a[..n].iter_mut().zip(&b[..n]) {
        *x = x.sub(y);
    }
}

/// Constraints a split must satisfy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SplitRules {
    /// Minimum rows on each side.
    pub min_count: f64,
    /// Minimum `h` on each side (must be > 0 for probability trees).
    pub min_h: f64,
    /// The gain must exceed this.
    pub min_gain: f64,
}

/// The best split of one node on one feature.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Split {
    pub gain: f64,
    pub feature: usize,
    /// Rows with `bin <= bin` (value bins) go left.
    pub bin: usize,
    pub default_left: bool,
    pub left: Stats,
    pub right: Stats,
}

/// Best split of a node with totals `total` on one feature's histogram (`nb` value bins,
/// missing bin `nb`), or `None` when no split satisfies `rules` with positive gain.
#[inline]
pub(crate) fn best_split<F: Fn(f64, f64) -> f64>(
    hist: &FeatureHist,
    nb: usize,
    feature: usize,
    total: &Stats,
    rules: &SplitRules,
    score: F,
) -> Option<Split> {
    let miss = hist[nb.min(HIST_STRIDE - 1)];
    scan_split(hist[..nb].iter().enumerate(), miss, feature, total, rules, score)
}

/// Best split over value bins given as `(bin, stats)` in increasing bin order (empty bins
/// may be left out) and the missing bin's stats `miss`. Missing values are tried on the
/// right, then (when there are any) on the left; the first best candidate wins ties.
#[inline]
pub(crate) fn scan_split<'a, I, F>(
    bins: I,
    miss: Stats,
    feature: usize,
    total: &Stats,
    rules: &SplitRules,
    score: F,
) -> Option<Split>
where
    I: Iterator<Item = (usize, &'a Stats)> + Clone,
    F: Fn(f64, f64) -> f64,
{
    let parent = score(total.g, total.h);
    let mut best: Option<Split> = None;
    let mut best_gain = rules.min_gain;
    let ok = |s: &Stats| s.h >= rules.min_h;
    let has_missing = miss.c > 0.0;
    let passes: &[bool] = if has_missing { &[false, true] } else { &[false] };
    for &missing_left in passes {
        let mut left = if missing_left { miss } else { Stats::default() };
        for (t, b) in bins.clone() {
            // An empty bin leaves both sides as they were after the previous bin: the same
            // gain, which cannot beat the best so far.
            if b.c == 0.0 {
                continue;
            }
            left.add(b);
            if left.c < rules.min_count {
                continue;
            }
            let right = total.sub(&left);
            if right.c < rules.min_count {
                break;
            }
            if !ok(&left) || !ok(&right) {
                continue;
            }
            let gain = score(left.g, left.h) + score(right.g, right.h) - parent;
            if gain > best_gain {
                best_gain = gain;
                let default_left = missing_left || (!has_missing && left.c >= right.c);
                best = Some(Split { gain, feature, bin: t, default_left, left, right });
            }
        }
    }
    best
}

/// The better of two candidate splits; on equal gain the first wins (deterministic order).
#[inline]
pub(crate) fn better(a: Option<Split>, b: Option<Split>) -> Option<Split> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.gain > x.gain { y } else { x }),
        (x, None) => x,
        (None, y) => y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use churn_core::rng::Rng;

    #[test]
    fn dominant_bin_by_subtraction_equals_the_direct_sum() {
        let mut rng = Rng::new(6);
        let n = 3000;
        let col: Vec<u8> = (0..n).map(|_| if rng.next_f64() < 0.9 { 0 } else { 1 + rng.below(3) as u8 }).collect();
        let gh: Vec<[f32; 2]> = (0..n).map(|_| [rng.next_f64() as f32 - 0.5, 0.25 * rng.next_f64() as f32]).collect();
        let rows: Vec<u32> = (0..n as u32).filter(|_| rng.next_f64() < 0.4).collect();
        let mut total = Stats::default();
        for &r in &rows {
            total.add(&Stats { g: gh[r as usize][0] as f64, h: gh[r as usize][1] as f64, c: 1.0 });
        }
        let (mut direct, mut skipped) = (EMPTY_HIST, EMPTY_HIST);
        build_hist_gathered(&col, &rows, &gh, &mut direct, 5, None);
        build_hist_gathered(&col, &rows, &gh, &mut skipped, 5, Some((0, &total)));
        for (d, s) in direct[..5].iter().zip(&skipped[..5]) {
            assert_eq!(d.c, s.c);
            assert!((d.g - s.g).abs() < 1e-9 && (d.h - s.h).abs() < 1e-9, "{d:?} vs {s:?}");
        }
    }
}
