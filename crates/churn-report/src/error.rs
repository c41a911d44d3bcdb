//! Errors of the report layer.

use std::path::PathBuf;

/// What can go wrong building, rendering, writing, reading or comparing reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A model error (schema mismatch, unreadable value), or below it a data-layer error (file,
    /// column, value) or a metric that could not be computed, as `ModelError` carries them.
    #[error(transparent)]
    Model(#[from] churn_model::ModelError),
    /// A survival metric could not be computed.
    #[error(transparent)]
    Survival(#[from] churn_survival::SurvivalError),
    /// The data has no label column: a report needs outcomes.
    #[error("{}: no label column `{column}`: a report needs labeled data (the model was trained with label `{trained}`){}", path.display(), suggestion.as_ref().map(|s| format!("; did you mean `{s}`? pass --label COL")).unwrap_or_else(|| "; pass --label COL if the outcome has another name".into()))]
    NoLabel {
        /// The data file.
        path: PathBuf,
        /// The label column looked for.
        column: String,
        /// The label column of the model's training data.
        trained: String,
        /// A similar column name, if any.
        suggestion: Option<String>,
    },
    /// A `--segment-by` column is not in the data.
    #[error("{}: no column `{column}` to segment by (--segment-by){}", path.display(), churn_core::did_you_mean(suggestion.as_deref()))]
    NoSegmentColumn {
        /// The data file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// A similar column name, if any.
        suggestion: Option<String>,
    },
    /// An option is out of range.
    #[error("invalid {option}: {reason}")]
    InvalidOption {
        /// The option, as spelled on the command line.
        option: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// Inputs of [`crate::build`] disagree in length.
    #[error("report inputs disagree: {what} has {found} values for {expected} rows")]
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// Its length.
        found: usize,
        /// The number of labels.
        expected: usize,
    },
    /// A chart could not be drawn.
    #[error("drawing the {chart} chart: {reason}")]
    Chart {
        /// The chart's file stem.
        chart: &'static str,
        /// The drawing backend's complaint.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a churn report.
    #[error("{}: not a churn report ({reason}); pass the report.json written by `churn report`", path.display())]
    NotAReport {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The report was written by an unknown format version.
    #[error("{}: report format version {found} is not supported (supported: {supported})", path.display())]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u64,
        /// Supported versions.
        supported: String,
    },
    /// `compare` needs at least two reports.
    #[error("compare needs at least two reports, got {found}")]
    TooFewReports {
        /// Reports given.
        found: usize,
    },
}

impl From<churn_core::CoreError> for ReportError {
    fn from(e: churn_core::CoreError) -> Self {
        ReportError::Model(e.into())
    }
}

impl From<churn_eval::EvalError> for ReportError {
    fn from(e: churn_eval::EvalError) -> Self {
        ReportError::Model(e.into())
    }
}

impl ReportError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> ReportError {
        ReportError::Io { path: path.into(), source }
    }
}

/// Result alias of this crate.
pub type Result<T, E = ReportError> = std::result::Result<T, E>;
