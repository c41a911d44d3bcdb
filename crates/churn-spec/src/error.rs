//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while reading a spec, reading the input tables or writing the
/// feature table. Messages name the file, line, column and offending value where there is one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeatureError {
    /// A file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The spec is not valid TOML or does not have the expected shape.
    #[error("spec {origin}: {message}")]
    SpecSyntax {
        /// Where the spec came from (file name or `<text>`).
        origin: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A spec field has an invalid value.
    #[error("spec field `{field}`: {message}")]
    InvalidSpec {
        /// The field, e.g. `snapshots.start` or `features[3].windows`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A feature asks for an aggregation that does not exist.
    #[error(
        "spec field `{field}`: unknown aggregation '{value}'{}; valid aggregations: {valid}",
        suggestion_text(suggestion)
    )]
    UnknownAggregation {
        /// The field, e.g. `features[0].aggregations`.
        field: String,
        /// The unknown aggregation.
        value: String,
        /// The closest valid aggregation, if any is close.
        suggestion: Option<String>,
        /// The valid aggregations, comma separated.
        valid: String,
    },
    /// A feature names an event type that the `activity.event_types` list does not declare.
    #[error(
        "spec field `{field}`: unknown event type '{value}'{}; declared event types: {declared}",
        suggestion_text(suggestion)
    )]
    UnknownEventType {
        /// The field, e.g. `features[0].events`.
        field: String,
        /// The unknown event type.
        value: String,
        /// The closest declared event type, if any is close.
        suggestion: Option<String>,
        /// The declared event types, comma separated.
        declared: String,
    },
    /// A ratio refers to a feature that is not defined before it (or is not numeric).
    #[error(
        "spec field `{field}`: no numeric feature named '{value}' is defined before this one{}",
        suggestion_text(suggestion)
    )]
    UnknownFeature {
        /// The field, e.g. `features[4].numerator`.
        field: String,
        /// The unknown name.
        value: String,
        /// The closest defined feature name, if any is close.
        suggestion: Option<String>,
    },
    /// Two output columns would have the same name.
    #[error("spec: two output columns are named `{name}`; give one of them another `name`")]
    DuplicateColumn {
        /// The repeated name.
        name: String,
    },
    /// An input file has no column of the name the spec gives.
    #[error(
        "{file}: no column `{column}` (spec field `{field}`){}; columns are: {available}",
        suggestion_text(suggestion)
    )]
    MissingColumn {
        /// The input file.
        file: String,
        /// The column the spec names.
        column: String,
        /// The spec field that names it.
        field: String,
        /// The closest existing column, if any is close.
        suggestion: Option<String>,
        /// The file's columns, comma separated.
        available: String,
    },
    /// A cell could not be parsed.
    #[error("{file} line {line}, column `{column}`: cannot parse '{value}' as {expected}")]
    BadValue {
        /// The input file.
        file: String,
        /// 1-based line number (the header is line 1).
        line: u64,
        /// The column name.
        column: String,
        /// The offending text.
        value: String,
        /// What was expected, e.g. `a date`.
        expected: String,
    },
    /// A row is malformed (too few fields, inconsistent dates, broken quoting).
    #[error("{file} line {line}: {message}")]
    BadRow {
        /// The input file.
        file: String,
        /// 1-based line number (the header is line 1).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// BG/NBD cannot be fitted: no account of the population has repeat activity.
    #[error(
        "{file}: BG/NBD needs repeat activity, but no account with `{event}` activity before the snapshot {snapshot} was active on two different days"
    )]
    NoRepeatActivity {
        /// The activity file.
        file: String,
        /// The event type (`any` for every row).
        event: String,
        /// The snapshot date.
        snapshot: String,
    },
    /// An input file is empty (not even a header line).
    #[error("{file}: the file is empty (no header line)")]
    EmptyFile {
        /// The input file.
        file: String,
    },
    /// A feature dictionary could not be read or written as JSON.
    #[error("{}: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The JSON error.
        message: String,
    },
}

fn suggestion_text(s: &Option<String>) -> String {
    churn_core::did_you_mean(s.as_deref())
}

/// The closest candidate to a misspelt name: churn-core's, so every error suggests alike.
pub use churn_core::closest_name as closest;

/// Maps an I/O error on `path` to [`FeatureError::Io`].
pub fn io_err(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> FeatureError {
    let path = path.into();
    move |source| FeatureError::Io { path, source }
}
