//! The versioned model file.

use std::path::Path;

use churn_core::schema::{Excluded, FeatureColumn, LabelSpec};
use churn_core::table::{find_column, Fnv64, Table};
use churn_core::Bands;
use churn_learn::{Matrix, Platt};
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, RowError};
use crate::learner::Learner;
use crate::preprocess::Preprocessor;

/// The `format` field of every model file.
pub const FORMAT_NAME: &str = "churn-model";
/// The format version this toolkit writes.
pub const FORMAT_VERSION: u64 = 1;
/// Format versions this toolkit reads.
pub const SUPPORTED_VERSIONS: &[u64] = &[1];

/// The input side of the model: which columns it reads and how the label is defined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// Identifier column carried to outputs, if any.
    pub id: Option<String>,
    /// The label definition used in training (ignored when scoring).
    pub label: LabelSpec,
    /// Feature columns, in model order.
    pub features: Vec<FeatureColumn>,
    /// Columns seen in training but not used, with the reason.
    pub excluded: Vec<Excluded>,
}

/// Sizes and churn rates of one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitInfo {
    /// Rows.
    pub rows: usize,
    /// Churned rows.
    pub churned: usize,
    /// Churn rate.
    pub churn_rate: f64,
}

/// Metrics of raw (`sigmoid(log-odds)`) and Platt-calibrated probabilities on one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitMetrics {
    /// Before calibration (distorted by class weighting).
    pub raw: churn_eval::Metrics,
    /// After Platt scaling.
    pub calibrated: churn_eval::Metrics,
}

/// One trained candidate of the model search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderboardEntry {
    /// Learner family (`logistic`, `gbdt`, ...).
    pub model: String,
    /// Its hyperparameters, described.
    pub settings: String,
    /// Whether this candidate was selected.
    pub selected: bool,
    /// Under cross-validation, the folds the candidate was judged on: all of them, or 1 for a
    /// challenger screened out on the first fold (its validation figures are that fold's, and
    /// it could not be selected). `None`: judged on the validation split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv_folds: Option<usize>,
    /// Calibrated metrics on the validation split (used for selection).
    pub validation: churn_eval::Metrics,
    /// Calibrated metrics on the test split (reported only, never used to choose).
    pub test: churn_eval::Metrics,
    /// Why the candidate was selected or passed over (the guard's test and p-value when it beat
    /// its family's defaults on held-out rows but not by more than the noise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The check that decided whether Platt scaling is used: log loss and Brier score of the raw
/// probabilities and of cross-fitted Platt probabilities (each fold's from a fit on the other
/// folds) on the same held-out rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationCheck {
    /// Log loss of `sigmoid(raw)`.
    pub raw_log_loss: f64,
    /// Log loss of the cross-fitted Platt probabilities.
    pub platt_log_loss: f64,
    /// Brier score of `sigmoid(raw)`.
    pub raw_brier: f64,
    /// Brier score of the cross-fitted Platt probabilities.
    pub platt_brier: f64,
    /// Folds of the cross-fitting.
    pub folds: usize,
    /// Whether Platt scaling is used (its log loss is lower); otherwise the calibration is the
    /// identity and probabilities are the learner's own.
    pub platt: bool,
}

/// Which inputs the model relies on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Importance {
    /// How `native` was measured.
    pub method: String,
    /// The learner's own importance per learner input, as `(input, value)`, largest first.
    pub native: Vec<(String, f64)>,
    /// Permutation importance per input column on the validation split: the mean drop in
    /// AUC when the column is shuffled (3 seeded repeats), as `(column, drop)`, largest first.
    pub permutation: Vec<(String, f64)>,
}

/// How the model was trained and how well it did on rows it never saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// The training file's name (without folders, so the model file does not depend on them).
    pub data_file: String,
    /// Fingerprint of the training data (header and every field).
    pub data_fingerprint: String,
    /// Seed of the split and of every random choice.
    pub seed: u64,
    /// Training split.
    pub train: SplitInfo,
    /// Validation split (model selection, early stopping, calibration).
    pub validation: SplitInfo,
    /// Test split (reported only).
    pub test: SplitInfo,
    /// `account` when rows of one account (snapshots) were kept in one split, else `row`.
    #[serde(default = "default_split_by")]
    pub split_by: String,
    /// Whether the learner was refitted on train + validation after calibration.
    pub refit: bool,
    /// Sample weight of churned rows.
    pub weight_churned: f64,
    /// Sample weight of retained rows.
    pub weight_retained: f64,
    /// The metric candidates were ranked by on the validation split.
    pub selected_by: String,
    /// Every candidate, in training order.
    pub leaderboard: Vec<LeaderboardEntry>,
    /// When candidates were ranked and calibrated by k-fold cross-validation on train +
    /// validation (small data sets), k; the validation figures are then out-of-fold figures of
    /// those rows. `None`: the validation split alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv_folds: Option<usize>,
    /// Validation metrics.
    pub validation_metrics: SplitMetrics,
    /// Test metrics: the honest figures.
    pub test_metrics: SplitMetrics,
    /// Feature importance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importance: Option<Importance>,
    /// The check that decided between Platt scaling and the raw probabilities (absent in models
    /// trained before it existed: those always use Platt scaling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<CalibrationCheck>,
}

fn default_split_by() -> String {
    "row".into()
}

/// A complete model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// Always `churn-model`.
    pub format: String,
    /// Format version.
    pub format_version: u64,
    /// Version of the toolkit that wrote the file.
    pub toolkit_version: String,
    /// Content hash identifying this model.
    pub model_id: String,
    /// Model name (default: the training file's stem).
    pub name: String,
    /// User-chosen version label.
    pub version: String,
    /// Input schema.
    pub schema: Schema,
    /// Fitted preprocessing.
    pub preprocessing: Preprocessor,
    /// Names of the learner inputs (after preprocessing).
    pub inputs: Vec<String>,
    /// Training means of the learner inputs: the reference "average account" of logistic
    /// risk drivers.
    pub input_means: Vec<f64>,
    /// The learner.
    pub learner: Learner,
    /// Platt calibrator fitted on the validation split.
    pub calibrator: Platt,
    /// Risk tiers over the calibrated probability.
    pub tiers: Bands,
    /// Health states over the health score.
    pub health_states: Bands,
    /// Training summary.
    pub training: TrainingSummary,
    /// Reference profile of the training data for drift checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<crate::Profile>,
    /// How the feature columns were built from raw activity (`churn features`), so they can be
    /// recomputed at scoring time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<churn_spec::FeatureDictionary>,
    /// Time to churn (`churn train --time`): the time column, horizons and how survival curves
    /// are built from the learner. `None`: a classification model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survival: Option<churn_survival::SurvivalSection>,
    /// How the risk tiers were made when they are percentile tiers (absent: absolute bands).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_scheme: Option<churn_core::tiers::TierSchemeInfo>,
    /// A sketch of the rows the model was fitted and calibrated on (absent in older models), so
    /// that an evaluation on training rows is noticed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_rows: Option<crate::rows::RowSketch>,
    /// Input column of each learner input (derived on load).
    #[serde(skip)]
    pub input_sources: Vec<usize>,
}

impl ModelFile {
    /// Assembles a model and computes its id from its content.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: String,
        version: String,
        schema: Schema,
        preprocessing: Preprocessor,
        input_means: Vec<f64>,
        learner: Learner,
        calibrator: Platt,
        tiers: Bands,
        health_states: Bands,
        training: TrainingSummary,
        profile: Option<crate::Profile>,
        features: Option<churn_spec::FeatureDictionary>,
    ) -> ModelFile {
        let inputs = preprocessing.output_names();
        let mut m = ModelFile {
            format: FORMAT_NAME.into(),
            format_version: FORMAT_VERSION,
            toolkit_version: churn_core::TOOLKIT_VERSION.into(),
            model_id: String::new(),
            name,
            version,
            schema,
            preprocessing,
            inputs,
            input_means,
            learner,
            calibrator,
            tiers,
            health_states,
            training,
            profile,
            features,
            survival: None,
            tier_scheme: None,
            training_rows: None,
            input_sources: Vec::new(),
        };
        m.input_sources = m.preprocessing.output_sources();
        m.set_id();
        m
    }

    /// The model with a survival section, its id recomputed.
    pub fn with_survival(mut self, survival: churn_survival::SurvivalSection) -> ModelFile {
        self.survival = Some(survival);
        self.set_id();
        self
    }

    /// The model with the sketch of its training rows, its id recomputed.
    pub fn with_training_rows(mut self, sketch: crate::rows::RowSketch) -> ModelFile {
        self.training_rows = Some(sketch);
        self.set_id();
        self
    }

    /// The model with percentile tiers recorded, its id recomputed.
    pub fn with_tier_scheme(mut self, info: churn_core::tiers::TierSchemeInfo) -> ModelFile {
        self.tier_scheme = Some(info);
        self.set_id();
        self
    }

    /// Sets `model_id` to the hash of the content (with an empty id).
    fn set_id(&mut self) {
        self.model_id = String::new();
        let mut h = Fnv64::new();
        h.write(self.to_json().as_bytes());
        self.model_id = format!("{:016x}", h.finish());
    }

    /// Pretty JSON, deterministic (fields in declaration order, floats round-trip exactly).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("model serializes");
        s.push('\n');
        s
    }

    /// Writes the model atomically.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        churn_core::output::write_atomic(path, self.to_json().as_bytes())?;
        Ok(())
    }

    /// Reads a model file, checking the format and version before anything else.
    pub fn load(path: &Path) -> Result<ModelFile, ModelError> {
        let bytes = std::fs::read(path).map_err(|e| churn_core::CoreError::io(path, e))?;
        Self::from_bytes(&bytes, path)
    }

    /// Parses model file bytes; `path` is used in messages.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<ModelFile, ModelError> {
        let not_a_model = |reason: &str| ModelError::NotAModel { path: path.into(), reason: reason.into() };
        // Editors on Windows save UTF-8 with a byte-order mark; it is not content.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'{') {
            return Err(not_a_model(if bytes.is_empty() { "the file is empty" } else { "it is not a JSON object" }));
        }
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
            if e.is_eof() {
                ModelError::Corrupt { path: path.into(), reason: format!("the JSON ends early ({e})") }
            } else {
                ModelError::Corrupt { path: path.into(), reason: e.to_string() }
            }
        })?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
            return Err(not_a_model("no \"format\": \"churn-model\" field"));
        }
        let version =
            value.get("format_version").and_then(|v| v.as_u64()).ok_or_else(|| not_a_model("no format_version"))?;
        if !SUPPORTED_VERSIONS.contains(&version) {
            return Err(ModelError::UnsupportedVersion {
                path: path.into(),
                found: version,
                supported: SUPPORTED_VERSIONS.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
                toolkit: churn_core::TOOLKIT_VERSION,
                hint: if version > FORMAT_VERSION { "upgrade churn to read it" } else { "retrain the model" },
            });
        }
        let mut m: ModelFile = serde_json::from_value(value)
            .map_err(|e| ModelError::Corrupt { path: path.into(), reason: e.to_string() })?;
        m.preprocessing.rebuild();
        m.input_sources = m.preprocessing.output_sources();
        let extra = m.survival.as_ref().map_or(0, |s| s.extra_inputs());
        if m.learner.n_inputs() != m.preprocessing.width() + extra || m.inputs.len() != m.preprocessing.width() {
            return Err(ModelError::Corrupt {
                path: path.into(),
                reason: format!(
                    "the learner expects {} inputs but preprocessing produces {}",
                    m.learner.n_inputs(),
                    m.preprocessing.width()
                ),
            });
        }
        crate::validate::validate(&m, path)?;
        Ok(m)
    }

    /// For each model feature column, its index among `headers` of the data file `path`.
    /// Every missing column is named in one error.
    pub fn bind_columns(&self, path: &Path, headers: &[String]) -> Result<Vec<usize>, ModelError> {
        let mut cols = Vec::with_capacity(self.schema.features.len());
        let mut missing = Vec::new();
        for f in &self.schema.features {
            match find_column(path, headers, &f.name) {
                Ok(j) => cols.push(j),
                Err(_) => missing.push(f.name.clone()),
            }
        }
        if missing.is_empty() {
            Ok(cols)
        } else {
            Err(ModelError::SchemaMismatch { path: path.into(), missing })
        }
    }

    /// Calibrated churn probability of one row given its raw fields in model column order;
    /// `buf` is scratch space of [`Preprocessor::width`].
    #[inline]
    pub fn score_fields(&self, fields: &[&str], buf: &mut [f64]) -> Result<(f64, f64), RowError> {
        self.preprocessing.transform_row(fields, buf)?;
        let raw = self.learner.predict_raw_row(buf);
        Ok((raw, self.calibrator.probability(raw)))
    }

    /// Raw log-odds and calibrated probabilities for every row of a table.
    pub fn score_table(&self, table: &Table) -> Result<(Vec<f64>, Vec<f64>), ModelError> {
        let x = self.design_matrix(table)?;
        let raw = self.learner.predict_raw(&x);
        let p = raw.iter().map(|&r| self.calibrator.probability(r)).collect();
        Ok((raw, p))
    }

    /// The top `k` risk drivers of a preprocessed row: input columns (one-hot parts summed)
    /// ranked by how much they raise the log-odds, as `(column index, contribution)`.
    /// Only risk-raising drivers are listed.
    pub fn risk_drivers(&self, row: &[f64], k: usize) -> Vec<(usize, f64)> {
        let (_, c) = self.learner.contributions(row, &self.input_means);
        let mut per_column = vec![0.0; self.schema.features.len()];
        for (v, &src) in c.iter().zip(&self.input_sources) {
            per_column[src] += v;
        }
        let mut ranked: Vec<(usize, f64)> = per_column.into_iter().enumerate().filter(|(_, v)| *v > 0.0).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(k);
        ranked
    }

    /// The preprocessed design matrix of a whole table.
    pub fn design_matrix(&self, table: &Table) -> Result<Matrix, ModelError> {
        let cols = self.bind_columns(table.path(), table.headers())?;
        let rows: Vec<usize> = (0..table.n_rows()).collect();
        self.preprocessing.transform_table(table, &cols, &rows)
    }
}
