//! The optional project file `churn.toml`.
//!
//! ```toml
//! [data]
//! id = "customerID"          # identifier column, carried to outputs, never a feature
//! label = "Churn"            # label column
//! positive = "Yes"           # the value that means "churned"
//! negative = ["No"]          # optional: the values that mean "retained" (anything else is an error)
//! drop = ["RowNumber"]       # columns never used as features
//! keep = ["Surname"]         # identifier-like columns to use anyway
//!
//! [columns]                  # type overrides: numeric, boolean, categorical, date
//! SeniorCitizen = "categorical"
//!
//! [[tiers]]                  # risk tiers over the churn probability (defaults shown in README)
//! name = "Critical"
//! min = 0.7
//! max = 1.0
//! action = "Immediate executive intervention"
//!
//! [drift]                    # thresholds of `churn drift` (see [`drift`])
//! psi = 0.2
//!
//! [[health.components]]      # the rule-based health score (see [`health`])
//! name = "usage"
//! column = "logins_30d"
//! weight = 100
//! normaliser = "linear"
//! target = 30
//! ```
//! Command-line flags override the file. The whole file is parsed once, into typed tables:
//! an unknown key in any table is an error naming its line and column, with a "did you mean".

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::bands::{Band, Bands};
use crate::error::{CoreError, Result};
use crate::schema::ColumnKind;

pub mod drift;
pub mod health;

pub use drift::{DriftThresholds, FeatureThresholds};
pub use health::{HealthComponent, HealthSection, ScoreBand};

/// The `[data]` table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSection {
    /// Identifier column.
    pub id: Option<String>,
    /// Label column.
    pub label: Option<String>,
    /// The label value meaning churn.
    pub positive: Option<String>,
    /// The label values meaning retained.
    pub negative: Option<Vec<String>>,
    /// Columns never used as features.
    #[serde(default)]
    pub drop: Vec<String>,
    /// Identifier-like columns to keep as features anyway.
    #[serde(default)]
    pub keep: Vec<String>,
}

/// The `[drivers]` table: what risk drivers may name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriversSection {
    /// Columns never named as drivers (protected attributes, internal codes).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Smallest contribution (log-odds) named as a driver.
    #[serde(default)]
    pub min_contribution: Option<f64>,
}

/// A parsed `churn.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Data options.
    #[serde(default)]
    pub data: DataSection,
    /// Column type overrides.
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnKind>,
    /// Risk tiers (validated by [`Config::tiers`]).
    #[serde(default)]
    pub tiers: Vec<Band>,
    /// Health states over 0-100 (validated by [`Config::health_states`]).
    #[serde(default)]
    pub health_states: Vec<Band>,
    /// Rule-based health score (`[health]`), checked further by `churn-health`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthSection>,
    /// Drift thresholds (`[drift]`; the defaults without the table), validated here.
    #[serde(default)]
    pub drift: DriftThresholds,
    /// Risk-driver options (`[drivers]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drivers: Option<DriversSection>,
    /// Recommended-action rules (`[[actions]]`, see [`crate::actions`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<crate::actions::ActionRule>,
    /// Where the file was read from (not part of the file).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

impl Config {
    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| CoreError::io(path, e))?;
        let mut c = Config::parse(&text, path)?;
        c.source = Some(path.to_path_buf());
        Ok(c)
    }

    /// Parses TOML text; `path` is used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let c: Config =
            toml::from_str(text).map_err(|e| CoreError::Config { path: path.into(), message: toml_message(&e) })?;
        let tiers = c.tiers()?;
        c.health_states()?;
        c.drift
            .validate()
            .map_err(|m| CoreError::Config { path: path.into(), message: format!("invalid [drift] settings: {m}") })?;
        let names: Vec<&str> = tiers.bands().iter().map(|b| b.name.as_str()).collect();
        crate::actions::validate(&c.actions, &names)
            .map_err(|message| CoreError::Config { path: path.into(), message })?;
        Ok(c)
    }

    /// The configured risk tiers, or the defaults.
    pub fn tiers(&self) -> Result<Bands> {
        if self.tiers.is_empty() {
            Ok(Bands::default_tiers())
        } else {
            Bands::new("risk tiers", self.tiers.clone(), 0.0, 1.0)
        }
    }

    /// The configured health states, or the defaults.
    pub fn health_states(&self) -> Result<Bands> {
        if self.health_states.is_empty() {
            Ok(Bands::default_health_states())
        } else {
            Bands::new("health states", self.health_states.clone(), 0.0, 100.0)
        }
    }
}

/// A `toml` error as the crate formats it (line, column, the source line and a caret), kept on
/// its lines, with a "did you mean" ([`crate::text::closest_name`]) after an unknown field.
fn toml_message(e: &toml::de::Error) -> String {
    let text = e.to_string().trim_end().to_string();
    // serde: "unknown field `labl`, expected one of `id`, `label`, ..." (or "expected `x`").
    let Some(rest) = e.message().strip_prefix("unknown field `") else { return text };
    let Some((field, expected)) = rest.split_once('`') else { return text };
    let candidates = expected.split('`').skip(1).step_by(2);
    match crate::text::closest_name(field, candidates) {
        Some(c) => format!("{text}\ndid you mean `{c}`?"),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_file() {
        let text = r#"
[data]
id = "customerID"
label = "Churn"
positive = "Yes"
negative = ["No"]
drop = ["gender"]

[columns]
SeniorCitizen = "categorical"

[[tiers]]
name = "Red"
min = 0.5
max = 1.0
action = "Call"

[[tiers]]
name = "Green"
min = 0.0
max = 0.5
"#;
        let c = Config::parse(text, Path::new("churn.toml")).unwrap();
        assert_eq!(c.data.label.as_deref(), Some("Churn"));
        assert_eq!(c.columns["SeniorCitizen"], ColumnKind::Categorical);
        let t = c.tiers().unwrap();
        assert_eq!(t.band_of(0.7).name, "Red");
        assert_eq!(t.band_of(0.2).name, "Green");
    }

    #[test]
    fn rejects_unknown_keys_and_bad_tiers() {
        let e = Config::parse("[data]\nlabl = \"x\"\n", Path::new("churn.toml")).unwrap_err().to_string();
        assert!(e.starts_with("churn.toml: ") && e.contains("unknown field `labl`"), "{e}");
        let e =
            Config::parse("[[tiers]]\nname=\"A\"\nmin=0.2\nmax=1.0\n", Path::new("c.toml")).unwrap_err().to_string();
        assert_eq!(e, "invalid risk tiers: the bottom band `A` must start at 0, not 0.2");
        let e = Config::parse("[columns]\nx = \"text\"\n", Path::new("c.toml")).unwrap_err().to_string();
        assert!(e.contains("unknown variant `text`"), "{e}");
    }

    #[test]
    fn typed_health_and_drift_tables_name_a_misspelt_key() {
        let good = "[drift]\npsi = 0.2\n\n[[health.components]]\nname = \"usage\"\ncolumn = \"logins\"\nweight = 100\nnormaliser = \"bands\"\nbands = [{ min = 0, score = 0 }, { min = 7, score = 60 }]\n";
        let c = Config::parse(good, Path::new("c.toml")).unwrap();
        assert_eq!(c.drift.psi, 0.2);
        assert_eq!(c.drift.js, DriftThresholds::default().js);
        let h = &c.health.as_ref().unwrap().components[0];
        assert_eq!((h.name.as_str(), h.column.as_str(), h.weight), ("usage", "logins", 100.0));
        assert_eq!(h.bands.as_ref().unwrap()[1], ScoreBand { min: 7.0, score: 60.0 });
        assert_eq!(Config::parse("", Path::new("c.toml")).unwrap().drift, DriftThresholds::default());
        // A misspelt key of a component, of a band and of the table itself: line, column, suggestion.
        for (from, to, line, key, want) in [
            ("column =", "colum =", 6, "colum", "column"),
            ("score = 60", "scroe = 60", 9, "scroe", "score"),
            ("[[health.components]]", "[[health.component]]", 4, "component", "components"),
            ("psi = 0.2", "pis = 0.2", 2, "pis", "psi"),
        ] {
            let e = Config::parse(&good.replace(from, to), Path::new("c.toml")).unwrap_err().to_string();
            assert!(e.starts_with(&format!("c.toml: TOML parse error at line {line}, column ")), "{e}");
            assert!(e.contains(&format!("unknown field `{key}`")), "{e}");
            assert!(e.ends_with(&format!("did you mean `{want}`?")), "{e}");
        }
    }
}
