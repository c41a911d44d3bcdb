//! A rule-based customer health score (0-100) and its validation against observed churn.
//!
//! The score is configured in the `[health]` table of a `churn.toml`:
//!
//! ```toml
//! [[health.components]]
//! name = "usage"
//! column = "logins_30d"
//! weight = 60
//! normaliser = "linear"      # min(value / target, 1) * 100
//! target = 30
//!
//! [[health.components]]
//! name = "support"
//! column = "tickets"
//! weight = 40
//! normaliser = "linear"
//! target = 5
//! invert = true              # lower is better: max(0, 1 - value / target) * 100
//! ```
//!
//! Other normalisers are `bands` (`bands = [{ min = 0, score = 0 }, { min = 7, score = 60 }]`:
//! the score of the highest band whose `min` is at most the value; 0 below every band) and
//! `trend` (`target`, `trend_column`: the value scored linearly to `target`, then adjusted
//! `base * (1 + trend * 0.2)` and clamped to 0-100). Weights must sum to 100.
//!
//! **Missing values.** A component whose value (or, for `trend`, whose trend value) is missing
//! is left out of that row's score, and the weights of the components present are rescaled to
//! sum to 100: an account with usage 80 (weight 60) and no support data scores 80, not 48. A
//! row with every component missing cannot be scored. Values are numbers; yes/no, true/false
//! read as 1/0.
//!
//! The health states are the top-level `health_states` bands of the same file (as in
//! `churn_core::Config`), by default Thriving 85+, Healthy 70-84, Neutral 50-69, At-Risk
//! 30-49, Critical < 30.

mod config;
mod error;
mod scorer;
mod validate;

pub use config::{Component, HealthConfig, Normaliser, ScoreBand};
pub use error::{HealthError, RowError};
pub use scorer::HealthScorer;
pub use validate::{validate, ComponentValidation, ProposedWeights, StateRow, Validation};
