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

    #[inline(always)]
    pub fn sub(&self, o: &Stats) -> Stats {
        Stats { g: self.g - o.g, h: self.h - o.h, c: self.c - o.c }
    }
}

/// The histogram of one feature: value bins `0..nb` and the missing bin `nb`.
pub(crate) type FeatureHist = [Stats; HIST_STRIDE];

/// An all-zero feature histogram.
pub(crate) const EMPTY_HIST: FeatureHist = [Stats { g: 0.0, h: 0.0, c: 0.0 }; HIST_STRIDE];

/// Histogram of `col` over `rows`, reading `gh[row]` directly.
#[inline]
pub(crate) fn build_hist_gathered(col: &[u8], rows: &[u32], gh: &[[f32; 2]], hist: &mut FeatureHist) {
    *hist = EMPTY_HIST;
    for &r in rows {
        let g = &gh[r as usize];
        let b = &mut hist[col[r as usize] as usize];
        b.g += g[0] as f64;
        b.h += g[1] as f64;
        b.c += 1.0;
    }
}

/// Histogram of all of `col`, with `gh[i]` the gradient/hessian of row `i`.
#[inline]
pub(crate) fn build_hist_dense(col: &[u8], gh: &[[f32; 2]], hist: &mut FeatureHist) {
    *hist = EMPTY_HIST;
    for (&bin, g) in col.iter().zip(gh) {
        let b = &mut hist[bin as usize];
        b.g += g[0] as f64;
        b.h += g[1] as f64;
        b.c += 1.0;
    }
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
