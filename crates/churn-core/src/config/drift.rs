//! The `[drift]` table of `churn.toml`: the thresholds of `churn drift`, typed and validated
//! when the file is read ([`crate::Config::parse`]); `churn-drift` uses them as its `Thresholds`.
//!
//! ```toml
//! [drift]
//! alpha = 0.01          # family-wise false-alarm rate over all checks of one run
//! min_rows = 100        # smaller batches are reported but not judged
//! psi = 0.1             # PSI above which a feature drifts (0.1-0.25 moderate, > 0.25 significant)
//! wasserstein = 0.2     # Wasserstein distance in training standard deviations (numeric features)
//! js = 0.15             # Jensen-Shannon distance, base 2 (categorical features)
//! score_psi = 0.1       # PSI of the calibrated churn probabilities
//! tier_psi = 0.1        # PSI of the risk-tier mix
//! auc_drop = 0.05       # with labels: AUC below the training test AUC by more than this
//! brier_rise = 0.02     # with labels: Brier score above the training test Brier by more than this
//! calibration_gap = 0.05  # with labels: |observed - predicted churn rate| above this
//!
//! [drift.features.MonthlyCharges]   # per-feature overrides
//! psi = 0.25
//! [drift.features.signup_date]
//! ignore = true
//! ```
//!
//! A check fires only when its effect size exceeds **both** its threshold here and the critical
//! value of its null distribution at the run's sample sizes (see the `churn-drift` crate documentation).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Per-feature overrides.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureThresholds {
    /// PSI threshold of this feature.
    pub psi: Option<f64>,
    /// Normalised Wasserstein threshold of this feature.
    pub wasserstein: Option<f64>,
    /// Jensen-Shannon threshold of this feature.
    pub js: Option<f64>,
    /// Report the feature but never flag it.
    #[serde(default)]
    pub ignore: bool,
}

/// Validated drift thresholds (the defaults are [`DriftThresholds::default`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DriftThresholds {
    /// Family-wise false-alarm rate: each of the run's `k` checks is judged at `alpha / k`.
    pub alpha: f64,
    /// Batches with fewer rows are reported but not judged.
    pub min_rows: usize,
    /// Feature PSI threshold.
    pub psi: f64,
    /// Numeric features: Wasserstein distance in training standard deviations.
    pub wasserstein: f64,
    /// Categorical features: Jensen-Shannon distance (base 2).
    pub js: f64,
    /// PSI of the calibrated probabilities.
    pub score_psi: f64,
    /// PSI of the risk-tier mix.
    pub tier_psi: f64,
    /// Largest tolerated drop of AUC below the training test AUC.
    pub auc_drop: f64,
    /// Largest tolerated rise of the Brier score above the training test Brier score.
    pub brier_rise: f64,
    /// Largest tolerated gap between the observed and the mean predicted churn rate.
    pub calibration_gap: f64,
    /// Per-feature overrides, by column name.
    pub features: BTreeMap<String, FeatureThresholds>,
}

impl Default for DriftThresholds {
    fn default() -> Self {
        DriftThresholds {
            alpha: 0.01,
            min_rows: 100,
            psi: 0.1,
            wasserstein: 0.2,
            js: 0.15,
            score_psi: 0.1,
            tier_psi: 0.1,
            auc_drop: 0.05,
            brier_rise: 0.02,
            calibration_gap: 0.05,
            features: BTreeMap::new(),
        }
    }
}

impl DriftThresholds {
    /// The `[drift]` table of the `churn.toml` at `path` (the whole file is read and checked, see
    /// [`crate::Config::load`]; a file without the table gives the defaults).
    pub fn load(path: &Path) -> crate::Result<DriftThresholds> {
        Ok(crate::Config::load(path)?.drift)
    }

    /// The `[drift]` table of `churn.toml` text (the whole text is checked); `path` is used in
    /// messages.
    pub fn parse(text: &str, path: &Path) -> crate::Result<DriftThresholds> {
        Ok(crate::Config::parse(text, path)?.drift)
    }

    /// Checks every value's range.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let pos = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!("{name} = {v} must be a positive number"))
            }
        };
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(format!("alpha = {} must be between 0 and 1", self.alpha));
        }
        if self.min_rows == 0 {
            return Err("min_rows must be at least 1".into());
        }
        for (name, v) in [
            ("psi", self.psi),
            ("wasserstein", self.wasserstein),
            ("js", self.js),
            ("score_psi", self.score_psi),
            ("tier_psi", self.tier_psi),
            ("auc_drop", self.auc_drop),
            ("brier_rise", self.brier_rise),
            ("calibration_gap", self.calibration_gap),
        ] {
            pos(name, v)?;
        }
        for (f, o) in &self.features {
            for (name, v) in [("psi", o.psi), ("wasserstein", o.wasserstein), ("js", o.js)] {
                if let Some(v) = v {
                    pos(&format!("features.{f}.{name}"), v)?;
                }
            }
        }
        Ok(())
    }

    /// The PSI threshold of `feature`.
    pub fn psi_for(&self, feature: &str) -> f64 {
        self.features.get(feature).and_then(|f| f.psi).unwrap_or(self.psi)
    }

    /// The normalised Wasserstein threshold of `feature`.
    pub fn wasserstein_for(&self, feature: &str) -> f64 {
        self.features.get(feature).and_then(|f| f.wasserstein).unwrap_or(self.wasserstein)
    }

    /// The Jensen-Shannon threshold of `feature`.
    pub fn js_for(&self, feature: &str) -> f64 {
        self.features.get(feature).and_then(|f| f.js).unwrap_or(self.js)
    }

    /// Whether `feature` is reported but never flagged.
    pub fn ignored(&self, feature: &str) -> bool {
        self.features.get(feature).is_some_and(|f| f.ignore)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_drift_table_and_ignores_others() {
        let text = "[data]\nlabel = \"Churn\"\n[[tiers]]\nname=\"A\"\nmin=0.0\nmax=1.0\n\n[drift]\npsi = 0.2\nmin_rows = 50\n[drift.features.MonthlyCharges]\npsi = 0.3\n[drift.features.tenure]\nignore = true\n";
        let t = DriftThresholds::parse(text, Path::new("churn.toml")).unwrap();
        assert_eq!(t.psi, 0.2);
        assert_eq!(t.min_rows, 50);
        assert_eq!(t.js, 0.15);
        assert_eq!(t.psi_for("MonthlyCharges"), 0.3);
        assert_eq!(t.psi_for("other"), 0.2);
        assert!(t.ignored("tenure"));
        assert_eq!(DriftThresholds::parse("[data]\n", Path::new("c.toml")).unwrap(), DriftThresholds::default());
    }

    #[test]
    fn rejects_unknown_keys_and_bad_values() {
        let e = DriftThresholds::parse("[drift]\npsj = 0.2\n", Path::new("churn.toml")).unwrap_err().to_string();
        assert!(e.starts_with("churn.toml: TOML parse error at line 2, column 1"), "{e}");
        assert!(e.contains("unknown field `psj`") && e.ends_with("did you mean `psi`?"), "{e}");
        let e =
            DriftThresholds::parse("[drift.features.x]\nignor = true\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.contains("line 2, column 1") && e.ends_with("did you mean `ignore`?"), "{e}");
        let e = DriftThresholds::parse("[drift]\nalpha = 1.5\n", Path::new("churn.toml")).unwrap_err().to_string();
        assert_eq!(e, "churn.toml: invalid [drift] settings: alpha = 1.5 must be between 0 and 1");
        let e = DriftThresholds::parse("[drift.features.x]\npsi = -1.0\n", Path::new("churn.toml"))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "churn.toml: invalid [drift] settings: features.x.psi = -1 must be a positive number");
    }
}
