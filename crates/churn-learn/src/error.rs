//! The error type shared by every learner of this crate.

use thiserror::Error;

/// Why fitting or validating a learner failed.
///
/// User data never panics a learner: shape mismatches, one-class labels, invalid
/// hyperparameters and non-finite inputs all come back as one of these variants.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum LearnError {
    /// The number of labels (or weights) does not match the number of rows.
    #[error("shape mismatch: {rows} rows but {labels} {what}")]
    Shape {
        /// Rows of the design matrix.
        rows: usize,
        /// Length of the offending vector.
        labels: usize,
        /// Which vector is mismatched (`"labels"`, `"weights"`, ...).
        what: &'static str,
    },
    /// The number of columns differs from the number the model was fitted on.
    #[error("feature count mismatch: model expects {expected} features, got {got}")]
    FeatureCount {
        /// Columns at fit time.
        expected: usize,
        /// Columns supplied.
        got: usize,
    },
    /// The design matrix has no rows (or all weights are zero).
    #[error("no training data: {what}")]
    Empty {
        /// What was empty.
        what: &'static str,
    },
    /// All (positively weighted) labels belong to one class.
    #[error("only one class present in the labels (all {}): cannot fit a binary classifier", if *.positive { "churned" } else { "retained" })]
    SingleClass {
        /// `true` when every label is positive (churned).
        positive: bool,
    },
    /// A hyperparameter is outside its valid range.
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParam {
        /// Parameter name as spelled in the params struct.
        name: &'static str,
        /// The offending value, rendered.
        value: String,
        /// What the valid range is.
        reason: &'static str,
    },
    /// An input that must be finite is NaN or infinite (e.g. a weight).
    #[error("non-finite value in {what}")]
    NonFinite {
        /// Which input (`"weights"`, `"features"`, ...).
        what: &'static str,
    },
    /// A sample weight is negative.
    #[error("negative sample weight {value} at row {row}")]
    NegativeWeight {
        /// Row index (0-based).
        row: usize,
        /// The weight.
        value: f64,
    },
    /// linfa refused the data set handed to a learner's `Fit` (see [`crate::linfa_api`]).
    #[error("linfa: {message}")]
    Linfa {
        /// linfa's message.
        message: String,
    },
    /// An iterative solver stopped before converging.
    #[error("solver did not converge within {iterations} iterations")]
    NotConverged {
        /// Iterations performed.
        iterations: usize,
    },
    /// A fitted model read from a file is not well formed (index out of range, cycle, array
    /// lengths that disagree, non-finite number, ...).
    #[error("{reason}")]
    InvalidModel {
        /// What is wrong, naming the tree and node where there is one.
        reason: String,
    },
}
