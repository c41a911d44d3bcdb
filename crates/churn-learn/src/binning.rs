//! Quantile binning of features into at most 255 value bins plus one missing bin.
//!
//! Tree learners search splits on histograms of binned features. Bin `b` of a feature holds
//! the values `v` with `upper[b - 1] < v <= upper[b]`, so a split "bin <= b goes left" is the
//! same as the raw-value rule `v <= upper[b]`, which is what a fitted tree stores. `NaN` goes
//! to the dedicated missing bin, whose index is the number of value bins.

use crate::Matrix;
use churn_core::rng::Rng;
use rayon::prelude::*;

/// Bins per histogram slot: fixed so that a `u8` bin index never needs a bounds check.
pub(crate) const HIST_STRIDE: usize = 256;

/// Rows sampled to choose bin boundaries (as LightGBM's `bin_construct_sample_cnt`).
const BIN_SAMPLE_ROWS: usize = 200_000;

/// Upper bounds of the value bins of one feature.
#[derive(Debug, Clone)]
pub(crate) struct BinMapper {
    /// `upper[b]` is the inclusive upper bound of bin `b`; the last one is `f64::MAX`.
    pub upper: Vec<f64>,
}

impl BinMapper {
    /// Number of value bins (the missing bin has this index).
    #[inline]
    pub fn n_value_bins(&self) -> usize {
        self.upper.len()
    }

    /// Bin of a raw value.
    #[inline]
    pub fn bin(&self, v: f64) -> u8 {
        if v.is_nan() {
            return self.upper.len() as u8;
        }
        let b = self.upper.partition_point(|&u| u < v);
        b.min(self.upper.len() - 1) as u8
    }

    /// Chooses bin boundaries from (a sample of) the non-missing values of a feature.
    fn from_values(mut values: Vec<f64>, max_bins: usize) -> BinMapper {
        if values.is_empty() {
            return BinMapper { upper: vec![f64::MAX] };
        }
        values.sort_unstable_by(f64::total_cmp);
        let mut distinct: Vec<f64> = Vec::new();
        let mut counts: Vec<usize> = Vec::new();
        for &v in &values {
            // -0.0 and 0.0 compare equal and land in the same bin.
            if distinct.last().is_some_and(|&d| d == v) {
                *counts.last_mut().expect("non-empty") += 1;
            } else {
                distinct.push(v);
                counts.push(1);
            }
        }
        let nd = distinct.len();
        let mut upper = Vec::with_capacity(nd.min(max_bins));
        if nd <= max_bins {
            for i in 0..nd - 1 {
                upper.push(midpoint(distinct[i], distinct[i + 1]));
            }
        } else {
            // Greedy equal-frequency bins; a heavy value gets a bin of its own.
            let mut rest_cnt = values.len() as f64;
            let mut rest_bins = max_bins as f64;
            let mut target = rest_cnt / rest_bins;
            let mut cur = 0.0;
            for i in 0..nd - 1 {
                cur += counts[i] as f64;
                rest_cnt -= counts[i] as f64;
                let next_heavy = counts[i + 1] as f64 >= target;
                if cur >= target || next_heavy {
                    upper.push(midpoint(distinct[i], distinct[i + 1]));
                    rest_bins -= 1.0;
                    cur = 0.0;
                    if rest_bins <= 1.0 {
                        break;
                    }
                    target = rest_cnt / rest_bins;
                }
            }
        }
        upper.push(f64::MAX);
        BinMapper { upper }
    }
}

/// A threshold `t` with `a <= t < b` (for `a < b`), near their midpoint.
fn midpoint(a: f64, b: f64) -> f64 {
    let t = a + (b - a) / 2.0;
    if t >= b || !t.is_finite() {
        a
    } else {
        t
    }
}

/// A binned design matrix: `bins[f * n_rows + i]` is the bin of row `i` in feature `f`.
#[derive(Debug, Clone)]
pub(crate) struct BinnedData {
    pub n_rows: usize,
    pub n_features: usize,
    pub bins: Vec<u8>,
    pub mappers: Vec<BinMapper>,
    /// Whether the feature has any missing value in the training rows.
    pub has_missing: Vec<bool>,
    /// The bin holding at least [`DOMINANT_SHARE`] of the rows of a feature, if any (the zero
    /// of a one-hot or count column): histograms skip its rows and get it by subtraction.
    pub dominant: Vec<Option<u8>>,
}

/// Share of the rows a bin must hold to be a feature's dominant bin.
pub(crate) const DOMINANT_SHARE: f64 = 0.8;

impl BinnedData {
    /// Bins `x` with at most `max_bins` (≤ 255) value bins per feature. Boundaries come from
    /// at most 200,000 rows sampled with `seed` (all rows when there are fewer).
    pub fn new(x: &Matrix, max_bins: usize, seed: u64) -> BinnedData {
        let n = x.n_rows();
        let p = x.n_cols();
        let max_bins = max_bins.clamp(2, HIST_STRIDE - 1);
        let sample: Option<Vec<usize>> = (n > BIN_SAMPLE_ROWS).then(|| {
            let mut rng = Rng::derive(seed, 0xB1B5);
            // Floyd-free approach: partial Fisher-Yates on the index range, then sort.
            let mut idx: Vec<usize> = (0..n).collect();
            for i in 0..BIN_SAMPLE_ROWS {
                let j = i + rng.below((n - i) as u64) as usize;
                idx.swap(i, j);
            }
            idx.truncate(BIN_SAMPLE_ROWS);
            idx.sort_unstable();
            idx
        });
        let per_feature: Vec<(BinMapper, Vec<u8>, bool)> = (0..p)
            .into_par_iter()
            .map(|j| {
                let col = x.col(j);
                let values: Vec<f64> = match &sample {
                    Some(s) => s.iter().map(|&i| col[i]).filter(|v| !v.is_nan()).collect(),
                    None => col.iter().copied().filter(|v| !v.is_nan()).collect(),
                };
                let mapper = BinMapper::from_values(values, max_bins);
                let mut has_missing = false;
                let bins: Vec<u8> = col
                    .iter()
                    .map(|&v| {
                        has_missing |= v.is_nan();
                        mapper.bin(v)
                    })
                    .collect();
                (mapper, bins, has_missing)
            })
            .collect();
        let mut bins = Vec::with_capacity(n * p);
        let mut mappers = Vec::with_capacity(p);
        let mut has_missing = Vec::with_capacity(p);
        let mut dominant = Vec::with_capacity(p);
        for (m, b, h) in per_feature {
            let mut counts = [0usize; HIST_STRIDE];
            for &v in &b {
                counts[v as usize] += 1;
            }
            let (top, &count) =
                counts.iter().enumerate().max_by_key(|&(i, &c)| (c, std::cmp::Reverse(i))).expect("256 bins");
            dominant.push((n > 0 && count as f64 >= DOMINANT_SHARE * n as f64).then_some(top as u8));
            bins.extend_from_slice(&b);
            mappers.push(m);
            has_missing.push(h);
        }
        BinnedData { n_rows: n, n_features: p, bins, mappers, has_missing, dominant }
    }

    /// Binned column `f`.
    #[inline]
    pub fn col(&self, f: usize) -> &[u8] {
        &self.bins[f * self.n_rows..(f + 1) * self.n_rows]
    }

    /// Value bins of feature `f` (its missing bin has this index).
    #[inline]
    pub fn n_value_bins(&self, f: usize) -> usize {
        self.mappers[f].n_value_bins()
    }

    /// Raw threshold of the split "bin <= `b`" on feature `f`.
    #[inline]
    pub fn threshold(&self, f: usize, b: usize) -> f64 {
        self.mappers[f].upper[b]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_one_bin_each_and_thresholds_separate_them() {
        let m = BinMapper::from_values(vec![3.0, 1.0, 2.0, 2.0, 1.0], 255);
        assert_eq!(m.upper, vec![1.5, 2.5, f64::MAX]);
        assert_eq!(m.bin(1.0), 0);
        assert_eq!(m.bin(1.5), 0);
        assert_eq!(m.bin(1.6), 1);
        assert_eq!(m.bin(3.0), 2);
        assert_eq!(m.bin(99.0), 2);
        assert_eq!(m.bin(f64::INFINITY), 2);
        assert_eq!(m.bin(f64::NAN), 3);
    }

    #[test]
    fn many_values_respect_max_bins_and_are_roughly_equal_frequency() {
        let values: Vec<f64> = (0..10_000).map(|i| (i as f64).sqrt()).collect();
        let m = BinMapper::from_values(values.clone(), 16);
        assert!(m.n_value_bins() <= 16 && m.n_value_bins() >= 14, "{}", m.n_value_bins());
        let mut counts = vec![0usize; m.n_value_bins()];
        for v in values {
            counts[m.bin(v) as usize] += 1;
        }
        for c in counts {
            assert!((400..=900).contains(&c), "bin count {c}");
        }
    }

    #[test]
    fn heavy_value_gets_its_own_bin() {
        let mut values = vec![0.0; 5000];
        values.extend((1..=5000).map(|i| i as f64));
        let m = BinMapper::from_values(values, 10);
        assert_eq!(m.bin(0.0), 0);
        assert_eq!(m.bin(1.0), 1);
    }
}
