//! The error type of this crate.

/// Everything that can go wrong when evaluating scores against labels.
///
/// User data never panics: malformed input (mismatched lengths, NaN scores, one-class labels for
/// a ranking metric, out-of-range parameters) comes back as one of these variants.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// `scores` and `labels` (or two parallel inputs) have different lengths.
    #[error("length mismatch: {scores} scores but {labels} labels")]
    LengthMismatch {
        /// Number of scores.
        scores: usize,
        /// Number of labels.
        labels: usize,
    },
    /// Two inputs that must describe the same bins or categories have different lengths.
    #[error("bin count mismatch: {expected} expected bins but {actual} actual bins")]
    BinCountMismatch {
        /// Number of bins of the first (expected / reference) input.
        expected: usize,
        /// Number of bins of the second (actual / current) input.
        actual: usize,
    },
    /// There is nothing to evaluate.
    #[error("no rows to evaluate")]
    Empty,
    /// A ranking metric needs both classes but the labels hold only one.
    #[error("{metric} needs both churned and retained rows, got {positives} churned and {negatives} retained")]
    SingleClass {
        /// The metric that was asked for.
        metric: &'static str,
        /// Number of rows labelled churned.
        positives: usize,
        /// Number of rows labelled retained.
        negatives: usize,
    },
    /// A test needs more rows of each class than the data has.
    #[error("{metric} needs at least {min} churned and {min} retained rows, got {positives} and {negatives}")]
    TooFewPerClass {
        /// The test that was asked for.
        metric: &'static str,
        /// Minimum rows per class.
        min: usize,
        /// Number of rows labelled churned.
        positives: usize,
        /// Number of rows labelled retained.
        negatives: usize,
    },
    /// A score (or sample value) is NaN or infinite.
    #[error("non-finite value {value} at index {index}")]
    NonFinite {
        /// Position of the offending value.
        index: usize,
        /// The value itself.
        value: f64,
    },
    /// A probability metric got a score outside `[0, 1]`.
    #[error("score {value} at index {index} is not a probability in [0, 1]")]
    NotProbability {
        /// Position of the offending score.
        index: usize,
        /// The score itself.
        value: f64,
    },
    /// A frequency, fraction or weight is negative or non-finite.
    #[error("invalid frequency {value} at index {index}: must be finite and non-negative")]
    InvalidFrequency {
        /// Position of the offending value.
        index: usize,
        /// The value itself.
        value: f64,
    },
    /// A distribution (fractions, counts) sums to zero, or fractions do not sum to one.
    #[error("invalid distribution: {reason}")]
    InvalidDistribution {
        /// What is wrong with it.
        reason: String,
    },
    /// A tuning parameter (bins, groups, fraction, cost, ...) is out of range.
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name as in the function signature.
        name: &'static str,
        /// The rejected value, formatted.
        value: String,
        /// The accepted range.
        reason: &'static str,
    },
    /// The bootstrap produced too few usable resamples (each one was single-class).
    #[error("bootstrap of {metric}: only {used} of {requested} resamples had both classes")]
    TooFewResamples {
        /// The metric being bootstrapped.
        metric: &'static str,
        /// Resamples that could be evaluated.
        used: usize,
        /// Resamples that were drawn.
        requested: usize,
    },
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, EvalError>;

impl EvalError {
    pub(crate) fn param(name: &'static str, value: impl std::fmt::Display, reason: &'static str) -> Self {
        EvalError::InvalidParameter { name, value: value.to_string(), reason }
    }
}
