//! Risk tiers and health states: named, ordered bands over a score range.
//!
//! One definition serves the scorer, the reports and the drift checks, and it is stored in
//! the model file. Bands are validated when built: ordered, covering the whole range without
//! gaps or overlaps, each with a name. A band includes its lower bound and excludes its
//! upper bound, except the top band, which includes the top of the range.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};

/// One named band `[min, max)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Display name, e.g. `Critical`.
    pub name: String,
    /// Inclusive lower bound.
    pub min: f64,
    /// Exclusive upper bound (inclusive for the top band).
    pub max: f64,
    /// What customer success should do for accounts in this band.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// Validated bands, highest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Band>", into = "Vec<Band>")]
pub struct Bands {
    bands: Vec<Band>,
    lo: f64,
    hi: f64,
}

impl Bands {
    /// Validates `bands` as a partition of `[lo, hi]`; they may be given in any order.
    pub fn new(what: &'static str, mut bands: Vec<Band>, lo: f64, hi: f64) -> Result<Bands> {
        let err = |reason: String| CoreError::InvalidBands { what, reason };
        if bands.is_empty() {
            return Err(err("at least one band is needed".into()));
        }
        for b in &bands {
            if b.name.trim().is_empty() {
                return Err(err(format!("a band [{}, {}) has no name", b.min, b.max)));
            }
            if !(b.min.is_finite() && b.max.is_finite()) || b.min >= b.max {
                return Err(err(format!("band `{}` has min {} not below max {}", b.name, b.min, b.max)));
            }
        }
        bands.sort_by(|a, b| b.min.total_cmp(&a.min));
        for w in bands.windows(2) {
            if w[0].name == w[1].name {
                return Err(err(format!("two bands are named `{}`", w[0].name)));
            }
            if w[1].max < w[0].min {
                return Err(err(format!(
                    "gap between `{}` (from {}) and `{}` (up to {})",
                    w[0].name, w[0].min, w[1].name, w[1].max
                )));
            }
            if w[1].max > w[0].min {
                return Err(err(format!(
                    "`{}` (up to {}) overlaps `{}` (from {})",
                    w[1].name, w[1].max, w[0].name, w[0].min
                )));
            }
        }
        let mut names: Vec<&str> = bands.iter().map(|b| b.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err(err("band names must be unique".into()));
        }
        if bands[0].max != hi {
            return Err(err(format!("the top band `{}` must reach {hi}, not {}", bands[0].name, bands[0].max)));
        }
        let last = bands.last().expect("non-empty");
        if last.min != lo {
            return Err(err(format!("the bottom band `{}` must start at {lo}, not {}", last.name, last.min)));
        }
        Ok(Bands { bands, lo, hi })
    }

    /// The default risk tiers over churn probability (Critical > 70%, High 50-70%, Medium
    /// 30-50%, Low 10-30%, Minimal < 10%), with the customer-success actions of the playbook.
    pub fn default_tiers() -> Bands {
        let b = |name: &str, min: f64, max: f64, action: &str| Band {
            name: name.into(),
            min,
            max,
            action: Some(action.into()),
        };
        Bands::new(
            "risk tiers",
            vec![
                b("Critical", 0.70, 1.0, "Immediate executive intervention"),
                b("High", 0.50, 0.70, "CSM manager involvement"),
                b("Medium", 0.30, 0.50, "CSM proactive outreach"),
                b("Low", 0.10, 0.30, "Standard monitoring"),
                b("Minimal", 0.0, 0.10, "Expansion focus"),
            ],
            0.0,
            1.0,
        )
        .expect("default tiers are valid")
    }

    /// The default health states over a 0-100 health score.
    pub fn default_health_states() -> Bands {
        let b = |name: &str, min: f64, max: f64| Band { name: name.into(), min, max, action: None };
        Bands::new(
            "health states",
            vec![
                b("Thriving", 85.0, 100.0),
                b("Healthy", 70.0, 85.0),
                b("Neutral", 50.0, 70.0),
                b("At-Risk", 30.0, 50.0),
                b("Critical", 0.0, 30.0),
            ],
            0.0,
            100.0,
        )
        .expect("default health states are valid")
    }

    /// Index (into [`Bands::bands`], highest first) of the band holding `value`; values
    /// outside the range fall into the nearest end band.
    #[inline]
    pub fn index_of(&self, value: f64) -> usize {
        self.bands.iter().position(|b| value >= b.min).unwrap_or(self.bands.len() - 1)
    }

    /// The band holding `value`.
    pub fn band_of(&self, value: f64) -> &Band {
        &self.bands[self.index_of(value)]
    }

    /// The bands, highest first.
    pub fn bands(&self) -> &[Band] {
        &self.bands
    }

    /// The range `(lo, hi)` the bands cover.
    pub fn range(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }
}

impl TryFrom<Vec<Band>> for Bands {
    type Error = CoreError;
    fn try_from(v: Vec<Band>) -> Result<Bands> {
        // Serialized bands are either tiers over [0, 1] or health states over [0, 100].
        let hi = v.iter().map(|b| b.max).fold(f64::NEG_INFINITY, f64::max);
        if hi > 1.0 {
            Bands::new("health states", v, 0.0, 100.0)
        } else {
            Bands::new("risk tiers", v, 0.0, 1.0)
        }
    }
}

impl From<Bands> for Vec<Band> {
    fn from(b: Bands) -> Vec<Band> {
        b.bands
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_tiers_assign_documented_bands() {
        let t = Bands::default_tiers();
        let name = |p: f64| t.band_of(p).name.clone();
        assert_eq!(name(0.95), "Critical");
        assert_eq!(name(1.0), "Critical");
        assert_eq!(name(0.70), "Critical");
        assert_eq!(name(0.6999), "High");
        assert_eq!(name(0.5), "High");
        assert_eq!(name(0.3), "Medium");
        assert_eq!(name(0.1), "Low");
        assert_eq!(name(0.0999), "Minimal");
        assert_eq!(name(0.0), "Minimal");
        let h = Bands::default_health_states();
        assert_eq!(h.band_of(85.0).name, "Thriving");
        assert_eq!(h.band_of(84.9).name, "Healthy");
        assert_eq!(h.band_of(29.0).name, "Critical");
    }

    #[test]
    fn invalid_bands_are_rejected_with_reasons() {
        let b = |n: &str, min: f64, max: f64| Band { name: n.into(), min, max, action: None };
        let e = |v: Vec<Band>| Bands::new("risk tiers", v, 0.0, 1.0).unwrap_err().to_string();
        assert_eq!(
            e(vec![b("Hi", 0.6, 1.0), b("Lo", 0.0, 0.5)]),
            "invalid risk tiers: gap between `Hi` (from 0.6) and `Lo` (up to 0.5)"
        );
        assert!(e(vec![b("Hi", 0.4, 1.0), b("Lo", 0.0, 0.5)]).contains("overlaps"));
        assert!(e(vec![b("Hi", 0.5, 0.9), b("Lo", 0.0, 0.5)]).contains("must reach 1"));
        assert!(e(vec![b("Hi", 0.5, 1.0), b("Lo", 0.1, 0.5)]).contains("must start at 0"));
        assert!(e(vec![b("", 0.0, 1.0)]).contains("no name"));
        assert!(e(vec![b("A", 0.5, 1.0), b("A", 0.0, 0.5)]).contains("two bands are named"));
        assert!(e(vec![]).contains("at least one"));
    }

    #[test]
    fn serde_round_trip_revalidates() {
        let t = Bands::default_tiers();
        let json = serde_json::to_string(&t).unwrap();
        let back: Bands = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
        let bad = r#"[{"name":"A","min":0.2,"max":1.0}]"#;
        assert!(serde_json::from_str::<Bands>(bad).is_err());
    }
}
