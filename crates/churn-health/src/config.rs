//! The `[health]` table of a `churn.toml`, checked and turned into scoring rules.

use std::path::{Path, PathBuf};

use churn_core::config::HealthComponent;
pub use churn_core::config::ScoreBand;
use churn_core::{Bands, Config};
use serde::{Deserialize, Serialize};

use crate::error::HealthError;

/// How a raw value becomes a 0-100 component score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Normaliser {
    /// `min(value / target, 1) * 100`, or with `invert` (lower is better)
    /// `max(0, 1 - value / target) * 100`.
    Linear {
        /// The value that earns full marks (or, inverted, zero).
        target: f64,
        /// Lower is better.
        invert: bool,
    },
    /// The score of the highest band whose `min` is at most the value; 0 below every band.
    Bands {
        /// The thresholds, ascending by `min`.
        bands: Vec<ScoreBand>,
    },
    /// The value scored `Linear` to `target`, then `base * (1 + trend * 0.2)`, clamped to 0-100.
    Trend {
        /// The value that earns full base marks.
        target: f64,
        /// The column holding the trend (e.g. -1 falling, 0 flat, +1 rising).
        trend_column: String,
    },
}

impl Normaliser {
    /// The 0-100 score of `value` (with `trend` for the trend normaliser; ignored otherwise).
    pub fn apply(&self, value: f64, trend: f64) -> f64 {
        match self {
            Normaliser::Linear { target, invert: false } => (value / target).clamp(0.0, 1.0) * 100.0,
            Normaliser::Linear { target, invert: true } => (1.0 - value / target).clamp(0.0, 1.0) * 100.0,
            Normaliser::Bands { bands } => {
                // Sorted ascending by `min` at load time.
                bands.iter().rev().find(|b| b.min <= value).map_or(0.0, |b| b.score)
            }
            Normaliser::Trend { target, .. } => {
                let base = (value / target).clamp(0.0, 1.0) * 100.0;
                (base * (1.0 + trend * 0.2)).clamp(0.0, 100.0)
            }
        }
    }
}

/// One weighted component of the health score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    /// Display name, e.g. `usage`.
    pub name: String,
    /// The input column.
    pub column: String,
    /// Weight in percent; the weights of all components sum to 100.
    pub weight: f64,
    /// How the column's value becomes a 0-100 score.
    pub normaliser: Normaliser,
}

/// A validated health-score configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthConfig {
    /// The components, in file order.
    pub components: Vec<Component>,
    /// The health states over 0-100.
    pub states: Bands,
    /// Where the configuration came from (for messages).
    pub source: PathBuf,
}

impl HealthConfig {
    /// Reads the file at `path` (the whole file is parsed and checked, see
    /// [`Config::load`]) and validates its `[health]` table.
    pub fn load(path: &Path) -> Result<HealthConfig, HealthError> {
        HealthConfig::from_config(&Config::load(path)?, path)
    }

    /// Parses TOML `text` (the whole file is checked) and validates its `[health]` table; `path`
    /// is used in messages.
    pub fn from_toml(text: &str, path: &Path) -> Result<HealthConfig, HealthError> {
        HealthConfig::from_config(&Config::parse(text, path)?, path)
    }

    /// Validates the `[health]` table of a parsed `churn.toml` (with its health states) read
    /// from `path` (used in messages).
    pub fn from_config(config: &Config, path: &Path) -> Result<HealthConfig, HealthError> {
        let states = config.health_states()?;
        let raw = config.health.as_ref().map(|h| h.components.as_slice()).unwrap_or_default();
        if raw.is_empty() {
            return Err(HealthError::NoComponents { path: path.into() });
        }
        let mut components = Vec::with_capacity(raw.len());
        for r in raw {
            let c = to_component(r, path)?;
            if components.iter().any(|o: &Component| o.name == c.name) {
                return Err(HealthError::Component {
                    path: path.into(),
                    component: c.name,
                    reason: "two components have this name".into(),
                });
            }
            components.push(c);
        }
        let sum: f64 = components.iter().map(|c| c.weight).sum();
        if (sum - 100.0).abs() > 1e-6 {
            return Err(HealthError::WeightSum { path: path.into(), sum });
        }
        Ok(HealthConfig { components, states, source: path.into() })
    }
}

fn to_component(r: &HealthComponent, path: &Path) -> Result<Component, HealthError> {
    let bad = |reason: String| HealthError::Component { path: path.into(), component: r.name.clone(), reason };
    if r.name.trim().is_empty() {
        return Err(HealthError::Config { path: path.into(), message: "a health component has an empty name".into() });
    }
    if !(r.weight.is_finite() && r.weight > 0.0) {
        return Err(bad(format!("weight must be a positive number, not {}", r.weight)));
    }
    let target = || match r.target {
        Some(t) if t.is_finite() && t > 0.0 => Ok(t),
        Some(t) => Err(bad(format!("target must be a positive number, not {t}"))),
        None => Err(bad(format!("the `{}` normaliser needs a `target`", r.normaliser))),
    };
    let unexpected = |field: &str, present: bool| {
        if present {
            Err(bad(format!("`{field}` does not apply to the `{}` normaliser", r.normaliser)))
        } else {
            Ok(())
        }
    };
    let normaliser = match r.normaliser.as_str() {
        "linear" => {
            unexpected("bands", r.bands.is_some())?;
            unexpected("trend_column", r.trend_column.is_some())?;
            Normaliser::Linear { target: target()?, invert: r.invert.unwrap_or(false) }
        }
        "bands" => {
            unexpected("target", r.target.is_some())?;
            unexpected("invert", r.invert.is_some())?;
            unexpected("trend_column", r.trend_column.is_some())?;
            let mut bands = r.bands.clone().unwrap_or_default();
            if bands.is_empty() {
                return Err(bad("the `bands` normaliser needs `bands = [{ min = .., score = .. }, ..]`".into()));
            }
            for b in &bands {
                if !b.min.is_finite() || !(0.0..=100.0).contains(&b.score) {
                    return Err(bad(format!(
                        "band {{ min = {}, score = {} }}: min must be finite and score within 0-100",
                        b.min, b.score
                    )));
                }
            }
            bands.sort_by(|a, b| a.min.total_cmp(&b.min));
            if let Some(w) = bands.windows(2).find(|w| w[0].min == w[1].min) {
                return Err(bad(format!("two bands start at {}", w[0].min)));
            }
            Normaliser::Bands { bands }
        }
        "trend" => {
            unexpected("bands", r.bands.is_some())?;
            unexpected("invert", r.invert.is_some())?;
            let Some(tc) = r.trend_column.clone().filter(|t| !t.trim().is_empty()) else {
                return Err(bad("the `trend` normaliser needs a `trend_column`".into()));
            };
            Normaliser::Trend { target: target()?, trend_column: tc }
        }
        other => {
            return Err(bad(format!("unknown normaliser `{other}`: expected `linear`, `bands` or `trend`")));
        }
    };
    Ok(Component { name: r.name.clone(), column: r.column.clone(), weight: r.weight, normaliser })
}
