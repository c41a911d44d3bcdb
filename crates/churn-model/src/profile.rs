//! The reference profile of the training data, stored in the model file for drift checks.
//!
//! A [`Profile`] summarises, per feature column, the training distribution in a form compact
//! enough to travel in the model file and rich enough for the drift statistics:
//!
//! - numeric, boolean and date columns: [`FEATURE_BINS`] quantile bins (exact counts), a
//!   [`SKETCH_POINTS`]-point quantile sketch with the exact empirical CDF at each point (for the
//!   Kolmogorov-Smirnov and Wasserstein distances), mean and standard deviation;
//! - categorical columns: the frequency of each category (most frequent first, at most
//!   [`MAX_PROFILE_CATEGORIES`], the rest counted together);
//! - every column: its missing count;
//! - the calibrated churn probabilities of held-out rows (quantile bins and sketch as for a
//!   numeric feature), the risk-tier mix, and the estimated AUC and precision those
//!   probabilities imply;
//! - the base churn rate of the profiled rows.
//!
//! ```
//! use churn_core::schema::{ColumnKind, FeatureColumn};
//! use churn_core::{Bands, Table};
//! use churn_model::Profile;
//!
//! let rows: Vec<Vec<String>> = (0..50)
//!     .map(|i| vec![format!("{}", i % 10), if i % 3 == 0 { "pro" } else { "basic" }.to_string()])
//!     .collect();
//! let table = Table::from_rows("t.csv", vec!["logins".into(), "plan".into()], &rows);
//! let features = [
//!     FeatureColumn { name: "logins".into(), kind: ColumnKind::Numeric },
//!     FeatureColumn { name: "plan".into(), kind: ColumnKind::Categorical },
//! ];
//! let all: Vec<usize> = (0..50).collect();
//! let churned: Vec<bool> = (0..50).map(|i| i % 5 == 0).collect();
//! let probabilities = [0.05, 0.2, 0.4, 0.8];
//! let p = Profile::build(&table, &all, &features, &churned, &probabilities, &Bands::default_tiers())?;
//! assert_eq!(p.churn_rate, 0.2);
//! assert_eq!(p.features[0].missing, 0);
//! assert_eq!(p.score.tiers.iter().map(|t| t.count).sum::<u64>(), 4);
//! # Ok::<(), churn_model::ModelError>(())
//! ```

use std::collections::HashMap;

use churn_core::schema::{ColumnKind, FeatureColumn};
use churn_core::table::{is_missing, Table};
use churn_core::Bands;
use serde::{Deserialize, Serialize};

use crate::error::ModelError;

/// Quantile bins per numeric feature (fewer when values tie).
pub const FEATURE_BINS: usize = 10;
/// Points of the quantile sketch: the 0th, 1st, ..., 100th percentile.
pub const SKETCH_POINTS: usize = 101;
/// At most this many categories are listed per categorical column (the most frequent ones).
pub const MAX_PROFILE_CATEGORIES: usize = 200;

/// The training data's reference profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Rows profiled (the training split).
    pub rows: usize,
    /// Churn rate of the profiled rows.
    pub churn_rate: f64,
    /// One profile per model feature, in model order.
    pub features: Vec<FeatureProfile>,
    /// The calibrated churn probabilities of held-out rows.
    pub score: ScoreProfile,
}

/// The training distribution of one feature column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureProfile {
    /// Column name.
    pub name: String,
    /// How the column is read.
    pub kind: ColumnKind,
    /// Rows profiled (missing ones included).
    pub rows: u64,
    /// Rows with a missing value.
    pub missing: u64,
    /// The distribution of the present values.
    pub distribution: Distribution,
}

impl FeatureProfile {
    /// Fraction of rows with a missing value.
    pub fn missing_rate(&self) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            self.missing as f64 / self.rows as f64
        }
    }

    /// Percentile (0–100) of a present raw value: numbers, the share of training values at or
    /// below it (exact at the profile's percentile points, the next lower point's share in
    /// between); categories, the share of training rows with that category.
    pub fn percentile(&self, raw: &str) -> Option<f64> {
        match &self.distribution {
            Distribution::Numeric(n) => {
                let x = churn_core::table::parse_number(raw)
                    .or_else(|| churn_core::table::parse_bool(raw).map(f64::from))?;
                if n.quantiles.is_empty() {
                    return None;
                }
                let k = n.quantiles.partition_point(|&q| q <= x);
                Some(if k == 0 { 0.0 } else { 100.0 * n.cdf[k - 1] })
            }
            Distribution::Categorical(c) => {
                if c.count == 0 {
                    return None;
                }
                let hits = c.categories.iter().find(|k| k.value == raw).map_or(0, |k| k.count);
                Some(100.0 * hits as f64 / c.count as f64)
            }
        }
    }
}

/// The distribution of a column's present values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Distribution {
    /// Numbers (also booleans as 0/1 and dates as day numbers).
    Numeric(NumericProfile),
    /// Categories.
    Categorical(CategoricalProfile),
}

/// Quantile bins and a quantile sketch of numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumericProfile {
    /// Present values.
    pub count: u64,
    /// Their mean (0 when there are none).
    pub mean: f64,
    /// Their population standard deviation.
    pub std: f64,
    /// Interior cut points, increasing: bin 0 holds `x <= cuts[0]`, bin `i` holds
    /// `cuts[i-1] < x <= cuts[i]`, the last bin `x > cuts[last]`. Every bin is non-empty in
    /// the profiled data.
    pub cuts: Vec<f64>,
    /// Values per bin (`cuts.len() + 1` entries).
    pub counts: Vec<u64>,
    /// The 0th, 1st, ..., 100th percentiles (the lower order statistic `x[floor(u (n − 1))]`
    /// of the sorted values); empty when there are no values.
    pub quantiles: Vec<f64>,
    /// Fraction of values `<=` each quantile (the exact empirical CDF there).
    pub cdf: Vec<f64>,
}

/// The index of the bin of `x` given interior cut points (see [`NumericProfile::cuts`]).
#[inline]
pub fn bin_of(cuts: &[f64], x: f64) -> usize {
    cuts.partition_point(|&c| c < x)
}

impl NumericProfile {
    /// Profiles `values` (sorted in place; all finite).
    pub fn from_values(values: &mut [f64]) -> NumericProfile {
        values.sort_unstable_by(f64::total_cmp);
        let n = values.len();
        if n == 0 {
            return NumericProfile {
                count: 0,
                mean: 0.0,
                std: 0.0,
                cuts: Vec::new(),
                counts: vec![0],
                quantiles: Vec::new(),
                cdf: Vec::new(),
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let std = (values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        let at = |u: f64| values[((u * (n - 1) as f64).floor() as usize).min(n - 1)];
        let max = values[n - 1];
        let mut cuts: Vec<f64> = Vec::with_capacity(FEATURE_BINS - 1);
        for k in 1..FEATURE_BINS {
            let c = at(k as f64 / FEATURE_BINS as f64);
            if c < max && cuts.last().is_none_or(|&l| c > l) {
                cuts.push(c);
            }
        }
        let mut counts = vec![0u64; cuts.len() + 1];
        for &x in values.iter() {
            counts[bin_of(&cuts, x)] += 1;
        }
        let quantiles: Vec<f64> = (0..SKETCH_POINTS).map(|k| at(k as f64 / (SKETCH_POINTS - 1) as f64)).collect();
        let cdf = quantiles.iter().map(|&q| values.partition_point(|&x| x <= q) as f64 / n as f64).collect();
        NumericProfile { count: n as u64, mean, std, cuts, counts, quantiles, cdf }
    }
}

/// One category and how often it occurred.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryCount {
    /// The category text (trimmed).
    pub value: String,
    /// Rows with it.
    pub count: u64,
}

/// Category frequencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoricalProfile {
    /// Present values.
    pub count: u64,
    /// The most frequent categories, most frequent first (ties by text).
    pub categories: Vec<CategoryCount>,
    /// Rows with a category seen in training but not listed (beyond
    /// [`MAX_PROFILE_CATEGORIES`]). When 0, every category seen in training is listed, so a
    /// category not listed was never seen.
    pub other: u64,
}

impl CategoricalProfile {
    /// Profiles category texts (already trimmed, none missing).
    pub fn from_values<'a>(values: impl Iterator<Item = &'a str>) -> CategoricalProfile {
        let mut counts: HashMap<&str, u64> = HashMap::new();
        let mut total = 0u64;
        for v in values {
            *counts.entry(v).or_default() += 1;
            total += 1;
        }
        let mut cats: Vec<(&str, u64)> = counts.into_iter().collect();
        cats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let other = cats.iter().skip(MAX_PROFILE_CATEGORIES).map(|c| c.1).sum();
        cats.truncate(MAX_PROFILE_CATEGORIES);
        CategoricalProfile {
            count: total,
            categories: cats.into_iter().map(|(v, count)| CategoryCount { value: v.to_string(), count }).collect(),
            other,
        }
    }
}

/// Rows of one risk tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierCount {
    /// Tier name.
    pub name: String,
    /// Rows whose calibrated probability falls in it.
    pub count: u64,
}

/// The distribution of calibrated churn probabilities on held-out rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreProfile {
    /// Quantile bins and sketch of the probabilities.
    pub distribution: NumericProfile,
    /// The risk tiers (highest first) the mix refers to.
    pub tier_bands: Bands,
    /// Rows per tier, in the order of `tier_bands`.
    pub tiers: Vec<TierCount>,
    /// AUC the probabilities imply if they are calibrated, see [`expected_auc`].
    pub expected_auc: Option<f64>,
    /// Precision in the top decile the probabilities imply, see [`expected_precision_top`].
    pub expected_precision_top_decile: Option<f64>,
}

impl ScoreProfile {
    /// Profiles calibrated probabilities under the risk tiers `tiers`.
    pub fn from_probabilities(probabilities: &[f64], tiers: &Bands) -> ScoreProfile {
        let mut counts = vec![0u64; tiers.bands().len()];
        for &p in probabilities {
            counts[tiers.index_of(p)] += 1;
        }
        let mut v = probabilities.to_vec();
        ScoreProfile {
            distribution: NumericProfile::from_values(&mut v),
            tier_bands: tiers.clone(),
            tiers: tiers
                .bands()
                .iter()
                .zip(counts)
                .map(|(b, count)| TierCount { name: b.name.clone(), count })
                .collect(),
            expected_auc: expected_auc(probabilities),
            expected_precision_top_decile: expected_precision_top(probabilities, 0.1),
        }
    }
}

/// The AUC to expect if `probabilities` are calibrated: each account churns with its own
/// probability, so a pair (i, j) is a (churned, retained) pair with weight `p_i (1 − p_j)`, and
/// the expected AUC is `Σ_{i≠j} p_i (1 − p_j) [s_i > s_j] / Σ_{i≠j} p_i (1 − p_j)` with ties
/// counting half. `O(n log n)`. `None` for fewer than two rows or when no pair has weight.
pub fn expected_auc(probabilities: &[f64]) -> Option<f64> {
    let n = probabilities.len();
    if n < 2 || probabilities.iter().any(|p| !(0.0..=1.0).contains(p)) {
        return None;
    }
    let mut p: Vec<f64> = probabilities.to_vec();
    p.sort_unstable_by(f64::total_cmp);
    // Walk groups of tied scores from the lowest; `below` = Σ (1 − p_j) over lower scores.
    let (mut num, mut below, mut i) = (0.0f64, 0.0f64, 0usize);
    while i < n {
        let mut j = i;
        let (mut pos, mut neg, mut cross) = (0.0, 0.0, 0.0);
        while j < n && p[j] == p[i] {
            pos += p[j];
            neg += 1.0 - p[j];
            cross += p[j] * (1.0 - p[j]);
            j += 1;
        }
        // Pairs inside a tie group (i ≠ j) count half.
        num += pos * below + 0.5 * (pos * neg - cross);
        below += neg;
        i = j;
    }
    let sp: f64 = p.iter().sum();
    let sn: f64 = p.iter().map(|x| 1.0 - x).sum();
    let den = sp * sn - p.iter().map(|x| x * (1.0 - x)).sum::<f64>();
    (den > 0.0).then(|| num / den)
}

/// The precision to expect among the `fraction` of accounts with the highest probabilities
/// (at least one account) if the probabilities are calibrated: their mean probability.
/// `None` for no rows or a fraction outside `(0, 1]`.
pub fn expected_precision_top(probabilities: &[f64], fraction: f64) -> Option<f64> {
    if probabilities.is_empty() || !(fraction > 0.0 && fraction <= 1.0) {
        return None;
    }
    let mut p = probabilities.to_vec();
    p.sort_unstable_by(|a, b| b.total_cmp(a));
    let k = ((p.len() as f64 * fraction).round() as usize).clamp(1, p.len());
    Some(p[..k].iter().sum::<f64>() / k as f64)
}

/// Reads the present values of column `col` of a [`FeatureColumn`] as numbers, failing on a
/// value that is not of the column's kind. Returns the values and the number of missing rows.
pub fn numeric_values(
    table: &Table,
    col: usize,
    feature: &FeatureColumn,
    rows: impl Iterator<Item = usize>,
) -> Result<(Vec<f64>, u64), ModelError> {
    let mut out = Vec::new();
    let mut missing = 0u64;
    for i in rows {
        let v = table.field(i, col);
        if is_missing(v) {
            missing += 1;
            continue;
        }
        let x = feature.kind.parse(v).ok_or_else(|| churn_core::CoreError::BadValue {
            path: table.path().into(),
            line: table.line(i),
            column: feature.name.clone(),
            value: v.to_string(),
            expected: feature.kind.expected(),
        })?;
        out.push(x);
    }
    Ok((out, missing))
}

impl Profile {
    /// Builds the profile.
    ///
    /// - `rows`: the rows of `table` to profile (the training split);
    /// - `features`: the model's feature columns;
    /// - `churned`: the label of each row in `rows` (same order), for the base churn rate;
    /// - `probabilities`: calibrated churn probabilities of rows the final model did not learn
    ///   from (the test split), so the reference score distribution is out-of-sample like the
    ///   scores of new data;
    /// - `tiers`: the model's risk tiers.
    ///
    /// Errors: a feature column absent from `table`, a value not of its column's kind, a
    /// length mismatch between `rows` and `churned`, a probability outside `[0, 1]`.
    pub fn build(
        table: &Table,
        rows: &[usize],
        features: &[FeatureColumn],
        churned: &[bool],
        probabilities: &[f64],
        tiers: &Bands,
    ) -> Result<Profile, ModelError> {
        if churned.len() != rows.len() {
            return Err(churn_eval::EvalError::LengthMismatch { scores: rows.len(), labels: churned.len() }.into());
        }
        if let Some(index) = probabilities.iter().position(|p| !(0.0..=1.0).contains(p)) {
            return Err(churn_eval::EvalError::NotProbability { index, value: probabilities[index] }.into());
        }
        let mut out = Vec::with_capacity(features.len());
        for f in features {
            let j = table.column_index(&f.name)?;
            let (distribution, missing) = match f.kind {
                ColumnKind::Categorical => {
                    let missing = rows.iter().filter(|&&i| is_missing(table.field(i, j))).count() as u64;
                    let present = rows.iter().map(|&i| table.field(i, j)).filter(|v| !is_missing(v)).map(str::trim);
                    (Distribution::Categorical(CategoricalProfile::from_values(present)), missing)
                }
                _ => {
                    let (mut values, missing) = numeric_values(table, j, f, rows.iter().copied())?;
                    (Distribution::Numeric(NumericProfile::from_values(&mut values)), missing)
                }
            };
            out.push(FeatureProfile {
                name: f.name.clone(),
                kind: f.kind,
                rows: rows.len() as u64,
                missing,
                distribution,
            });
        }
        let n_churned = churned.iter().filter(|&&b| b).count();
        Ok(Profile {
            rows: rows.len(),
            churn_rate: if rows.is_empty() { 0.0 } else { n_churned as f64 / rows.len() as f64 },
            features: out,
            score: ScoreProfile::from_probabilities(probabilities, tiers),
        })
    }

    /// The profile of the feature `name`, if the model has it.
    pub fn feature(&self, name: &str) -> Option<&FeatureProfile> {
        self.features.iter().find(|f| f.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_bins_are_non_empty_and_ties_share_a_bin() {
        // 60% zeros, then 1..=40.
        let mut v: Vec<f64> = std::iter::repeat_n(0.0, 60).chain((1..=40).map(f64::from)).collect();
        let p = NumericProfile::from_values(&mut v);
        assert_eq!(p.cuts[0], 0.0);
        assert!(p.counts.iter().all(|&c| c > 0), "{:?}", p.counts);
        assert_eq!(p.counts[0], 60);
        assert_eq!(p.counts.iter().sum::<u64>(), 100);
        assert_eq!(p.quantiles.len(), SKETCH_POINTS);
        assert_eq!(p.quantiles[0], 0.0);
        assert_eq!(p.quantiles[100], 40.0);
        assert_eq!(p.cdf[0], 0.6);
        assert_eq!(p.cdf[100], 1.0);
        let mut c = vec![5.0; 10];
        let p = NumericProfile::from_values(&mut c);
        assert!(p.cuts.is_empty());
        assert_eq!(p.counts, vec![10]);
        assert_eq!(p.std, 0.0);
    }

    fn brute_expected_auc(p: &[f64]) -> f64 {
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..p.len() {
            for j in 0..p.len() {
                if i != j {
                    let w = p[i] * (1.0 - p[j]);
                    den += w;
                    num += w * if p[i] > p[j] {
                        1.0
                    } else if p[i] == p[j] {
                        0.5
                    } else {
                        0.0
                    };
                }
            }
        }
        num / den
    }

    #[test]
    fn expected_auc_matches_brute_force_with_ties() {
        let mut rng = churn_core::rng::Rng::new(3);
        for trial in 0..50 {
            let n = 2 + trial % 17;
            let p: Vec<f64> = (0..n).map(|_| (rng.below(6) as f64) / 5.0).collect();
            let got = expected_auc(&p);
            let want = brute_expected_auc(&p);
            match got {
                Some(g) => assert!((g - want).abs() < 1e-12, "{p:?}: {g} vs {want}"),
                None => assert!(want.is_nan(), "{p:?}"),
            }
        }
        assert_eq!(expected_auc(&[0.3, 0.3, 0.3]), Some(0.5));
        assert_eq!(expected_auc(&[0.0, 1.0]), Some(1.0));
        assert_eq!(expected_auc(&[0.5]), None);
        assert_eq!(expected_precision_top(&[0.1, 0.9, 0.5, 0.2], 0.5), Some(0.7));
    }
}
