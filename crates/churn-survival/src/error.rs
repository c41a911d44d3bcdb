//! The error type of this crate.

/// What can go wrong fitting or evaluating survival models.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SurvivalError {
    /// Parallel inputs differ in length.
    #[error("length mismatch: {times} times but {events} event indicators")]
    Shape {
        /// Number of times.
        times: usize,
        /// Number of event indicators (or scores).
        events: usize,
    },
    /// Nothing to fit or evaluate.
    #[error("no rows")]
    Empty,
    /// A time is negative, missing or infinite.
    #[error("time {value} is not a finite non-negative number")]
    BadTime {
        /// The value.
        value: f64,
    },
    /// A score or parameter is not finite or out of range.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// Which input.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// No pair of rows can be compared (no event followed by a longer time).
    #[error("no comparable pairs: the concordance is undefined")]
    NoComparablePairs,
    /// The censoring curve is zero where a weight is needed, or a time lies beyond it.
    #[error("the censoring distribution is undefined at time {time}: {reason}")]
    Censoring {
        /// The time.
        time: f64,
        /// Why.
        reason: &'static str,
    },
    /// A learner failed.
    #[error(transparent)]
    Learn(#[from] churn_learn::LearnError),
}
