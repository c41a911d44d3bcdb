//! Tier schemes: where the risk tiers' cut points come from, and the one-tier warning.
//!
//! `absolute` tiers are fixed probability bands (the defaults or `[[tiers]]` in `churn.toml`).
//! At real churn rates (1-2% a month) every account falls in the bottom band, so `percentile`
//! tiers put the cut points on a held-out score distribution instead: the top tier holds the
//! top share of accounts, the next tier the next share, and so on. The cut points are computed
//! once, at training, and stored in the model as ordinary bands, so scoring assigns tiers the
//! same way whatever the batch and from run to run.

use serde::{Deserialize, Serialize};

use crate::bands::{Band, Bands};
use crate::error::{CoreError, Result};

/// How risk tiers are defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TierScheme {
    /// Fixed probability bands.
    #[default]
    Absolute,
    /// Cut points at quantiles of the held-out score distribution.
    Percentile,
}

impl TierScheme {
    /// Every scheme.
    pub const ALL: [TierScheme; 2] = [TierScheme::Absolute, TierScheme::Percentile];

    /// The name in `churn.toml`, the model file and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            TierScheme::Absolute => "absolute",
            TierScheme::Percentile => "percentile",
        }
    }
}

impl std::str::FromStr for TierScheme {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim();
        TierScheme::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| format!("unknown tier scheme '{s}': absolute or percentile"))
    }
}

/// Shares of accounts per tier, highest tier first, for `n` tiers: for five tiers 5%, 10%,
/// 15%, 30% and 40% (the top 5% get the most attention, no tier holds more than 40%); for any
/// other count equal shares.
pub fn default_shares(n: usize) -> Vec<f64> {
    if n == 5 {
        vec![0.05, 0.10, 0.15, 0.30, 0.40]
    } else {
        vec![1.0 / n as f64; n]
    }
}

/// The record of percentile tiers stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierSchemeInfo {
    /// `percentile`.
    pub scheme: TierScheme,
    /// Intended share of accounts per tier, highest tier first.
    pub shares: Vec<f64>,
    /// The held-out scores the cut points were computed on (e.g. `test split`).
    pub computed_on: String,
    /// How many scores.
    pub rows: usize,
}

/// Percentile tiers: the names and actions of `template` (highest first), with cut points so
/// that tier `i` holds `shares[i]` of `scores`. A cut point lies halfway between the two
/// adjacent sorted scores, so the split of `scores` itself is exact up to ties. Tiers that ties
/// leave empty (two cut points equal) are dropped, lowest names last, so the result may have
/// fewer tiers than the template.
pub fn percentile_tiers(template: &Bands, shares: &[f64], scores: &[f64]) -> Result<Bands> {
    let err = |reason: String| CoreError::InvalidBands { what: "percentile risk tiers", reason };
    let names = template.bands();
    if shares.len() != names.len() {
        return Err(err(format!("{} shares for {} tiers", shares.len(), names.len())));
    }
    if shares.iter().any(|s| !(s.is_finite() && *s > 0.0)) || (shares.iter().sum::<f64>() - 1.0).abs() > 1e-9 {
        return Err(err("tier shares must be positive and sum to 1".into()));
    }
    let mut sorted: Vec<f64> = scores.iter().copied().filter(|s| s.is_finite()).collect();
    if sorted.len() < 2 * names.len() {
        return Err(err(format!(
            "{} held-out scores are too few to place {} tiers (at least {} needed)",
            sorted.len(),
            names.len(),
            2 * names.len()
        )));
    }
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let (lo, hi) = template.range();
    // Cut points from the bottom: below the lowest tier's share, then the next, ...
    let mut cuts = Vec::with_capacity(names.len() - 1);
    let mut cum = 0.0;
    for s in shares.iter().rev().take(names.len() - 1) {
        cum += s;
        let k = ((cum * n as f64).round() as usize).clamp(1, n - 1);
        let c = 0.5 * (sorted[k - 1] + sorted[k]);
        cuts.push(c.clamp(lo, hi));
    }
    // Bands bottom-up: the lowest tier up to the first cut, and so on.
    let m = names.len();
    let mut bands = Vec::with_capacity(m);
    let mut bottom = lo;
    for (j, band) in names.iter().rev().enumerate() {
        let top = if j + 1 < m { cuts[j] } else { hi };
        if top > bottom {
            bands.push(Band { name: band.name.clone(), min: bottom, max: top, action: band.action.clone() });
            bottom = top;
        }
    }
    if let Some(last) = bands.last_mut() {
        last.max = hi;
    }
    Bands::new("percentile risk tiers", bands, lo, hi)
}

/// Accounts per band for `values` (in [`Bands::bands`] order, highest first).
pub fn counts(bands: &Bands, values: &[f64]) -> Vec<u64> {
    let mut c = vec![0u64; bands.bands().len()];
    for &v in values {
        c[bands.index_of(v)] += 1;
    }
    c
}

/// Share of accounts in one tier from which a warning is given.
pub const ONE_TIER_WARNING_SHARE: f64 = 0.9;

/// The warning when [`ONE_TIER_WARNING_SHARE`] or more of the accounts fall in one band, or
/// `None`. `counts` are accounts per band in [`Bands::bands`] order.
pub fn one_tier_warning(bands: &Bands, counts: &[u64]) -> Option<String> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let (i, &top) = counts.iter().enumerate().max_by_key(|&(i, c)| (*c, std::cmp::Reverse(i)))?;
    let share = top as f64 / total as f64;
    (share >= ONE_TIER_WARNING_SHARE).then(|| {
        format!(
            "warning: {:.1}% of the accounts ({top} of {total}) fall in the risk tier `{}`: the tiers do not \
             separate these accounts; train with --tier-scheme percentile for tiers by rank",
            100.0 * share,
            bands.bands()[i].name
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_tiers_split_the_scores_by_share() {
        // 1000 small probabilities, as at a 1.6% churn rate: all in `Minimal` by the defaults.
        let scores: Vec<f64> = (0..1000).map(|i| 0.001 + 0.00005 * ((i * 7919) % 1000) as f64).collect();
        let abs = Bands::default_tiers();
        let c = counts(&abs, &scores);
        assert_eq!(c, vec![0, 0, 0, 0, 1000]);
        assert!(one_tier_warning(&abs, &c).unwrap().contains("100.0% of the accounts (1000 of 1000)"));
        let t = percentile_tiers(&abs, &default_shares(5), &scores).unwrap();
        let names: Vec<&str> = t.bands().iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["Critical", "High", "Medium", "Low", "Minimal"]);
        // Counted by brute force against the sorted ranks.
        assert_eq!(counts(&t, &scores), vec![50, 100, 150, 300, 400]);
        assert_eq!(one_tier_warning(&t, &counts(&t, &scores)), None);
        // The actions follow the names; the bands rise with the probability.
        assert_eq!(t.bands()[0].action.as_deref(), Some("Immediate executive intervention"));
        for w in t.bands().windows(2) {
            assert!(w[0].min > w[1].min);
        }
        // Cuts halfway between sorted scores 400 and 401 (bottom 40%) and 950 and 951 (top 5%).
        let mut s = scores.clone();
        s.sort_by(f64::total_cmp);
        assert_eq!(t.bands()[3].min, 0.5 * (s[399] + s[400]));
        assert_eq!(t.bands()[0].min, 0.5 * (s[949] + s[950]));
    }

    #[test]
    fn ties_drop_empty_tiers_and_too_few_scores_fail() {
        let mut scores = vec![0.01; 90];
        scores.extend((0..10).map(|i| 0.5 + i as f64 * 0.01));
        let t = percentile_tiers(&Bands::default_tiers(), &default_shares(5), &scores).unwrap();
        // Every cut below the 90th score falls on the tie at 0.01: those tiers are empty.
        assert!(t.bands().len() < 5);
        assert_eq!(counts(&t, &scores).iter().sum::<u64>(), 100);
        let e = percentile_tiers(&Bands::default_tiers(), &default_shares(5), &[0.1, 0.2]).unwrap_err();
        assert!(e.to_string().contains("too few"), "{e}");
        let e = percentile_tiers(&Bands::default_tiers(), &[0.5, 0.5], &scores).unwrap_err();
        assert!(e.to_string().contains("2 shares for 5 tiers"), "{e}");
    }

    #[test]
    fn warning_names_the_dominant_tier() {
        let t = Bands::default_tiers();
        assert_eq!(one_tier_warning(&t, &[0, 0, 0, 11, 89]), None);
        let w = one_tier_warning(&t, &[0, 0, 0, 10, 90]).unwrap();
        assert!(w.contains("90.0% of the accounts (90 of 100) fall in the risk tier `Minimal`"), "{w}");
        assert_eq!(one_tier_warning(&t, &[0, 0, 0, 0, 0]), None);
        assert_eq!("percentile".parse::<TierScheme>(), Ok(TierScheme::Percentile));
        assert!("rank".parse::<TierScheme>().is_err());
    }
}
