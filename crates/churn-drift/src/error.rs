//! Errors of the drift checks.

use std::path::PathBuf;

/// What can go wrong checking drift.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriftError {
    /// A model-layer error (including data missing the model's columns), or below it a
    /// data-layer (file, column, value) or statistics error, as `ModelError` carries them.
    #[error(transparent)]
    Model(#[from] churn_model::ModelError),
    /// The model file carries no training profile (it predates drift checks).
    #[error("{}: the model has no training profile (it was written by an older version of churn); retrain it to enable drift checks", path.display())]
    NoProfile {
        /// The model file.
        path: PathBuf,
    },
    /// The profile does not describe a model feature.
    #[error("the training profile has no entry for feature `{feature}`; the model file is inconsistent, retrain it")]
    ProfileMismatch {
        /// The feature without a profile.
        feature: String,
    },
    /// Probabilities and rows disagree in number.
    #[error("{rows} rows but {probabilities} probabilities")]
    LengthMismatch {
        /// Rows of the current data.
        rows: usize,
        /// Probabilities given.
        probabilities: usize,
    },
}

impl From<churn_core::CoreError> for DriftError {
    fn from(e: churn_core::CoreError) -> Self {
        DriftError::Model(e.into())
    }
}

impl From<churn_eval::EvalError> for DriftError {
    fn from(e: churn_eval::EvalError) -> Self {
        DriftError::Model(e.into())
    }
}

/// Result alias of this crate.
pub type Result<T, E = DriftError> = std::result::Result<T, E>;
