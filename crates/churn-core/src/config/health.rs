//! The `[health]` table of `churn.toml`: the components of the rule-based health score, typed
//! when the file is read (unknown keys are errors with their line and a "did you mean").
//! `churn-health` checks what the types cannot (weights summing to 100, the fields each
//! normaliser needs) and builds its scorer from them.
//!
//! ```toml
//! [[health.components]]
//! name = "usage"           # display name
//! column = "logins_30d"    # the input column
//! weight = 35              # percent; the weights of all components sum to 100
//! normaliser = "linear"    # linear (target, invert), bands (bands) or trend (target, trend_column)
//! target = 30
//! ```

use serde::{Deserialize, Serialize};

/// The `[health]` table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthSection {
    /// The components, in file order (`[[health.components]]`).
    #[serde(default)]
    pub components: Vec<HealthComponent>,
}

/// One `[[health.components]]` entry, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthComponent {
    /// Display name, e.g. `usage`.
    pub name: String,
    /// The input column.
    pub column: String,
    /// Weight in percent.
    pub weight: f64,
    /// `linear`, `bands` or `trend`.
    pub normaliser: String,
    /// `linear` and `trend`: the value that earns full marks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// `linear`: lower is better.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invert: Option<bool>,
    /// `bands`: the thresholds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bands: Option<Vec<ScoreBand>>,
    /// `trend`: the column holding the trend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trend_column: Option<String>,
}

/// One threshold of a `bands` normaliser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreBand {
    /// Inclusive lower bound of the value.
    pub min: f64,
    /// The component score (0-100) from `min` up to the next band.
    pub score: f64,
}
