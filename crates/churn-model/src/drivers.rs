//! Which risk drivers a customer-success manager is shown.
//!
//! A driver is an input column whose contribution (one-hot parts summed) moves the account's
//! log-odds away from the reference. Columns listed as excluded (protected attributes such as
//! gender, internal ids) are never named, whatever their contribution, and contributions
//! smaller than a minimum are not named either: `gender=Female (+0.019)` is noise to a CSM.

use churn_learn::path::PathTables;

use crate::error::ModelError;
use crate::file::ModelFile;
use crate::learner::Learner;

/// Contributions (log-odds) below which no driver is named, by default.
pub const DEFAULT_MIN_CONTRIBUTION: f64 = 0.05;

/// Which columns may be named as drivers, and from which contribution.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverFilter {
    /// Per model feature column: never named.
    pub skip: Vec<bool>,
    /// Smallest absolute contribution (log-odds) that is named.
    pub min_contribution: f64,
    /// Tree models: the path-attribution tables drivers are computed with (see
    /// [`churn_learn::path`]); `None`: exact contributions ([`Learner::contributions`]).
    pub tables: Option<PathTables>,
    /// A blend: the same per member (`None` for a logistic member), in member order.
    pub member_tables: Vec<Option<PathTables>>,
}

/// The drivers of one account: risk-raising ones, largest first, and protective ones
/// (lowering the risk), most protective first, as `(column index, contribution)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Drivers {
    /// Contributions > 0.
    pub risk: Vec<(usize, f64)>,
    /// Contributions < 0.
    pub protective: Vec<(usize, f64)>,
}

impl ModelFile {
    /// The filter excluding `exclude` (model feature names; an unknown name is an error, so a
    /// typo never lets a protected attribute through) with a minimum contribution.
    pub fn driver_filter(&self, exclude: &[String], min_contribution: f64) -> Result<DriverFilter, ModelError> {
        let mut skip = vec![false; self.schema.features.len()];
        for c in exclude {
            let Some(j) = self.schema.features.iter().position(|f| f.name == *c) else {
                // A column the model does not use cannot be a driver: accepted only when the
                // model saw and left it out in training.
                if self.schema.excluded.iter().any(|e| e.name == *c) || self.schema.id.as_deref() == Some(c) {
                    continue;
                }
                return Err(ModelError::UnknownDriverColumn {
                    column: c.clone(),
                    features: self.schema.features.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", "),
                });
            };
            skip[j] = true;
        }
        let tables = self.learner.trees().map(|(t, _)| PathTables::new(t));
        let member_tables = match &self.learner {
            Learner::Blend(b) => b.members.iter().map(|m| m.trees().map(|(t, _)| PathTables::new(t))).collect(),
            _ => Vec::new(),
        };
        Ok(DriverFilter { skip, min_contribution, tables, member_tables })
    }

    /// Up to `k` risk drivers and `k` protective factors of a preprocessed row, filtered.
    pub fn drivers(&self, row: &[f64], k: usize, filter: &DriverFilter) -> Drivers {
        let one = |learner: &Learner, tables: Option<&PathTables>| match tables {
            Some(t) => learner.path_contributions(t, row).1,
            None => learner.contributions(row, &self.input_means).1,
        };
        let c = match &self.learner {
            // A blend's drivers: its members' (path attribution for tree members), weighted.
            Learner::Blend(b) => {
                let mut out = vec![0.0; row.len()];
                for ((m, w), t) in b.members.iter().zip(&b.weights).zip(&filter.member_tables) {
                    out.iter_mut().zip(one(m, t.as_ref())).for_each(|(o, v)| *o += w * v);
                }
                out
            }
            learner => one(learner, filter.tables.as_ref()),
        };
        self.rank_drivers(&c, k, filter)
    }

    /// Ranks per-input contributions `c` (one value per learner input) into drivers.
    pub fn rank_drivers(&self, c: &[f64], k: usize, filter: &DriverFilter) -> Drivers {
        let mut per_column = vec![0.0; self.schema.features.len()];
        for (v, &src) in c.iter().zip(&self.input_sources) {
            per_column[src] += v;
        }
        let named = |(j, v): &(usize, f64)| !filter.skip[*j] && v.abs() >= filter.min_contribution && *v != 0.0;
        let mut risk: Vec<(usize, f64)> =
            per_column.iter().copied().enumerate().filter(|d| d.1 > 0.0 && named(d)).collect();
        risk.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        risk.truncate(k);
        let mut protective: Vec<(usize, f64)> =
            per_column.into_iter().enumerate().filter(|d| d.1 < 0.0 && named(d)).collect();
        protective.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        protective.truncate(k);
        Drivers { risk, protective }
    }
}

impl Learner {
    /// Path attribution of the log-odds of one row (tree models; `tables` built from
    /// [`Learner::trees`]): `(base, contributions)` with `base + Σ contributions` equal to
    /// the raw prediction. Logistic regression has no trees: its exact contributions relative
    /// to zero means would be wrong, so call [`Learner::contributions`] for it.
    pub fn path_contributions(&self, tables: &PathTables, row: &[f64]) -> (f64, Vec<f64>) {
        let n = self.n_inputs();
        let mut phi = vec![0.0; n];
        match self.trees() {
            None => (0.0, phi),
            Some((trees, false)) => {
                tables.add(trees, row, &mut phi, 1.0);
                let init = self.single().map_or(0.0, |m| m.init_score());
                (tables.expected_sum() + init, phi)
            }
            Some((trees, true)) => {
                let scale = 1.0 / trees.len() as f64;
                tables.add(trees, row, &mut phi, scale);
                let base_p = tables.expected_sum() * scale;
                churn_learn::cart::prob_phi_to_raw(trees, base_p, phi, row)
            }
        }
    }
}

/// Drivers in words (models carrying the feature dictionary): the dictionary's phrasing of a
/// column's value, followed by `(high)` / `(low)` when the value is at or above the 90th / at or
/// below the 10th percentile of the training rows (the model's profile).
#[derive(Debug, Clone)]
pub struct ModelWords<'a> {
    words: churn_spec::words::DriverWords,
    model: &'a ModelFile,
}

impl ModelFile {
    /// The words of this model's drivers, when it carries a feature dictionary.
    pub fn driver_words(&self) -> Option<ModelWords<'_>> {
        let d = self.features.as_ref()?;
        Some(ModelWords { words: d.driver_words(), model: self })
    }
}

impl ModelWords<'_> {
    fn level(&self, name: &str, raw: &str) -> Option<churn_spec::words::Level> {
        let p = self.model.profile.as_ref()?.feature(name)?;
        if !matches!(p.distribution, crate::profile::Distribution::Numeric(_)) {
            return None;
        }
        churn_spec::words::Level::of_percentile(p.percentile(raw.trim()))
    }

    /// Compact form (a CSV cell), e.g. `28-day post events fell 60%`; `None`: not phrased.
    pub fn short(&self, name: &str, raw: &str) -> Option<String> {
        self.words.short(name, raw, self.level(name, raw))
    }

    /// Full sentence (the JSONL `text` field).
    pub fn long(&self, name: &str, raw: &str) -> Option<String> {
        self.words.long(name, raw, self.level(name, raw))
    }
}

/// A contribution rounded to 3 decimals, as shown.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A field value as shown in a driver: numbers with more than 3 decimals rounded to 3
/// (`0.2916666666666667` → `0.292`), anything else as is.
pub fn display_value(v: &str) -> std::borrow::Cow<'_, str> {
    let t = v.trim();
    match (t.parse::<f64>(), t.split_once('.')) {
        (Ok(x), Some((_, frac))) if x.is_finite() && frac.len() > 3 => {
            let s = format!("{x:.3}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            std::borrow::Cow::Owned(if s == "-0" { "0".into() } else { s.into() })
        }
        _ => std::borrow::Cow::Borrowed(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_rounded_for_display() {
        assert_eq!(display_value("0.2916666666666667"), "0.292");
        assert_eq!(display_value("12.5"), "12.5");
        assert_eq!(display_value("3.00001"), "3");
        assert_eq!(display_value(" Female "), "Female");
        assert_eq!(display_value("-0.00001"), "0");
        assert_eq!(round3(0.12345), 0.123);
    }
}
