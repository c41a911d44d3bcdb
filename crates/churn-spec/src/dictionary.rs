//! The feature dictionary: written beside a feature table and carried into model files.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{io_err, FeatureError};
use crate::plan::FeaturePlan;
use crate::spec::{FeatureDef, FeatureSpec, Mode};
use crate::{DICTIONARY_VERSION, LABEL_COLUMN, SNAPSHOT_COLUMN};

/// The feature dictionary written beside a feature table and carried into model files: the
/// definition of every column and the spec that produced them, so that scoring can recompute the
/// same features (`churn_features::features_at`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDictionary {
    /// Format version ([`DICTIONARY_VERSION`]).
    pub format_version: u32,
    /// Id column name.
    pub id_column: String,
    /// Snapshot date column name.
    pub snapshot_column: String,
    /// Label column name (training tables).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_column: Option<String>,
    /// The feature columns, in output order.
    pub features: Vec<FeatureDef>,
    /// The spec (file names relative to a data directory).
    pub spec: FeatureSpec,
}

impl FeatureDictionary {
    /// The dictionary of a spec (validates it).
    pub fn new(spec: &FeatureSpec) -> Result<FeatureDictionary, FeatureError> {
        Ok(FeaturePlan::new(spec.clone())?.dictionary())
    }

    /// The dictionary of a validated plan.
    pub(crate) fn of_plan(plan: &FeaturePlan) -> FeatureDictionary {
        let spec = plan.spec();
        FeatureDictionary {
            format_version: DICTIONARY_VERSION,
            id_column: spec.id_column().to_string(),
            snapshot_column: SNAPSHOT_COLUMN.to_string(),
            label_column: (spec.mode == Mode::Training).then(|| LABEL_COLUMN.to_string()),
            features: plan.columns().to_vec(),
            spec: spec.clone(),
        }
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses JSON, checking the format version first.
    pub fn from_json(text: &str, origin: &Path) -> Result<FeatureDictionary, FeatureError> {
        let v: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| FeatureError::Json { path: origin.to_path_buf(), message: e.to_string() })?;
        match v.get("format_version").and_then(|x| x.as_u64()) {
            Some(n) if n == DICTIONARY_VERSION as u64 => {}
            other => {
                return Err(FeatureError::Json {
                    path: origin.to_path_buf(),
                    message: format!(
                    "unsupported feature dictionary format_version {other:?} (this build reads {DICTIONARY_VERSION})"
                ),
                })
            }
        }
        let d: FeatureDictionary = serde_json::from_value(v)
            .map_err(|e| FeatureError::Json { path: origin.to_path_buf(), message: e.to_string() })?;
        d.spec.plan()?;
        Ok(d)
    }

    /// Reads a dictionary file.
    pub fn load(path: &Path) -> Result<FeatureDictionary, FeatureError> {
        let text = std::fs::read_to_string(path).map_err(io_err(path))?;
        FeatureDictionary::from_json(&text, path)
    }
}
