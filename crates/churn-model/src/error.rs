//! Errors of the model layer.

use std::path::PathBuf;

/// A value in one row that cannot be used (the caller knows the file and line).
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    /// Index of the model's input column.
    pub column: usize,
    /// The offending text.
    pub value: String,
    /// What was expected.
    pub expected: &'static str,
}

/// What can go wrong loading, saving or applying a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A data-layer error (file, column, value).
    #[error(transparent)]
    Core(#[from] churn_core::CoreError),
    /// A learner error.
    #[error(transparent)]
    Learn(#[from] churn_learn::LearnError),
    /// The file is not a churn model at all.
    #[error("{}: not a churn model file ({reason})", path.display())]
    NotAModel {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The model file was written by an unknown format version.
    #[error("{}: model format version {found} is not supported by churn {toolkit} (supported: {supported}); {hint}", path.display())]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u64,
        /// Supported versions.
        supported: String,
        /// This toolkit's version.
        toolkit: &'static str,
        /// What to do.
        hint: &'static str,
    },
    /// The model file is truncated or its content does not match the format.
    #[error("{}: corrupt or truncated model file: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        reason: String,
    },
    /// The data does not have the columns the model needs.
    #[error("{}: the data does not match the model's schema: missing column{} {}", path.display(), if missing.len() > 1 { "s" } else { "" }, missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "))]
    SchemaMismatch {
        /// The data file.
        path: PathBuf,
        /// Model columns absent from the data.
        missing: Vec<String>,
    },
    /// An evaluation error.
    #[error(transparent)]
    Eval(#[from] churn_eval::EvalError),
    /// A column excluded from the risk drivers is not a model feature.
    #[error("driver exclusion `{column}` is not a feature of the model (features: {features})")]
    UnknownDriverColumn {
        /// The column given.
        column: String,
        /// The model's feature columns.
        features: String,
    },
    /// The model's `model_id` is not the hash of its content: the file was edited after
    /// training (or damaged), so it must not score under the original id.
    #[error("{}: model_id {} does not match the model's content (hash {computed}): the file was modified after training; retrain it, or restore the original file", path.display(), churn_core::excerpt(stored))]
    IdMismatch {
        /// The file.
        path: PathBuf,
        /// The id stored in the file.
        stored: String,
        /// The hash of the content.
        computed: String,
    },
}
