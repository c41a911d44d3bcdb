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
//! ```
//! Command-line flags override the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::bands::{Band, Bands};
use crate::error::{CoreError, Result};
use crate::schema::ColumnKind;

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
    /// Rule-based health score (`[health]`), read by `churn health` itself.
    #[serde(default)]
    pub health: Option<toml::Value>,
    /// Drift thresholds (`[drift]`), read by `churn drift` itself.
    #[serde(default)]
    pub drift: Option<toml::Value>,
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
        let c: Config = toml::from_str(text)
            .map_err(|e| CoreError::Config { path: path.into(), message: crate::actions::toml_message(&e) })?;
        let tiers = c.tiers()?;
        c.health_states()?;
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
}
