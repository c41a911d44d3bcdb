//! The typed errors of the data layer.

use std::path::PathBuf;

/// Everything that can go wrong while reading data, configuration or tiers.
///
/// Messages name the file, line (1-based, counting the header as line 1), column and
/// offending value wherever there is one, so a user can go straight to the problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// The file does not exist.
    #[error("file not found: {}", path.display())]
    FileNotFound {
        /// The missing path.
        path: PathBuf,
    },
    /// An operating-system error while reading or writing a file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file has no header or no data rows.
    #[error("{}: the file is empty{}", path.display(), if *header_only { " (a header but no data rows)" } else { "" })]
    EmptyFile {
        /// The file concerned.
        path: PathBuf,
        /// True when a header row exists but no data follows.
        header_only: bool,
    },
    /// A malformed CSV record (bad quoting, invalid UTF-8, ...).
    #[error("{} line {line}: malformed CSV: {message}", path.display())]
    Csv {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What the CSV parser reported.
        message: String,
    },
    /// A record with a different number of fields than the header.
    #[error("{} line {line}: expected {expected} fields (as in the header), found {found}", path.display())]
    RaggedRow {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// Number of header fields.
        expected: usize,
        /// Number of fields in this record.
        found: usize,
    },
    /// The header names the same column twice.
    #[error("{}: column `{}` appears more than once in the header", path.display(), crate::excerpt(column))]
    DuplicateColumn {
        /// The file concerned.
        path: PathBuf,
        /// The repeated name.
        column: String,
    },
    /// A column named by the user or the model is not in the data.
    #[error("{}: no column `{}`{}", path.display(), crate::excerpt(column), crate::did_you_mean(suggestion.as_deref()))]
    MissingColumn {
        /// The data file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// The closest existing column name, if any is close.
        suggestion: Option<String>,
    },
    /// A value that cannot be parsed as the column's declared or inferred type.
    #[error("{} line {line}, column `{}`: cannot read '{}' as {expected}{}", path.display(), crate::excerpt(column), crate::excerpt(value), crate::excerpt::range_note(expected, value))]
    BadValue {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// Column name.
        column: String,
        /// The offending text.
        value: String,
        /// What was expected ("a number", "a date (YYYY-MM-DD)", ...).
        expected: &'static str,
    },
    /// The label column has a missing value.
    #[error("{} line {line}: the label column `{column}` is empty", path.display())]
    MissingLabel {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The label column.
        column: String,
    },
    /// The label column holds a value that is neither the positive nor the negative class.
    #[error("{} line {line}, label column `{column}`: unexpected value '{}' (expected '{positive}' for churn or {negative})", path.display(), crate::excerpt(value))]
    UnexpectedLabel {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The label column.
        column: String,
        /// The offending value.
        value: String,
        /// The positive (churn) value.
        positive: String,
        /// Description of the negative value(s).
        negative: String,
    },
    /// The label column has only one class, so nothing can be learned or evaluated.
    #[error("{}: the label column `{column}` has a single class ('{value}'): need both churned and retained rows", path.display())]
    SingleClass {
        /// The file concerned.
        path: PathBuf,
        /// The label column.
        column: String,
        /// The only value present.
        value: String,
    },
    /// The label column has more than two classes, or a positive class that cannot be guessed.
    #[error("{}: cannot tell the churn class of label column `{column}` (values: {values}); pass --positive VALUE", path.display())]
    AmbiguousLabel {
        /// The file concerned.
        path: PathBuf,
        /// The label column.
        column: String,
        /// The distinct values seen (abbreviated).
        values: String,
    },
    /// The declared positive value never occurs in the label column.
    #[error("{}: the positive value '{positive}' never occurs in label column `{column}` (values: {values})", path.display())]
    PositiveNotFound {
        /// The file concerned.
        path: PathBuf,
        /// The label column.
        column: String,
        /// The declared positive value.
        positive: String,
        /// The distinct values seen.
        values: String,
    },
    /// A configuration file or option is invalid.
    #[error("{}: {message}", path.display())]
    Config {
        /// The configuration file (or `<command line>`).
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A Parquet file that cannot be read or written, or that holds a column the toolkit
    /// cannot read (nested lists, maps and structs, unknown types or codecs).
    #[error("{}: {message}", path.display())]
    Parquet {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong (names the column when there is one).
        message: String,
    },
    /// Risk-tier or health-state bands are invalid.
    #[error("invalid {what}: {reason}")]
    InvalidBands {
        /// "risk tiers" or "health states".
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Two paths of one run (inputs or outputs) are the same file: writing would replace an
    /// input or another output.
    #[error("{first} and {second} name the same file {}", path.display())]
    SamePath {
        /// The path (as the second option gave it).
        path: PathBuf,
        /// The first option naming it.
        first: String,
        /// The second option naming it.
        second: String,
    },
}

/// Result alias of the data layer.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

impl CoreError {
    /// An I/O error for `path`, turning `NotFound` into [`CoreError::FileNotFound`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            CoreError::FileNotFound { path }
        } else {
            CoreError::Io { path, source }
        }
    }
}

pub use crate::text::closest_name;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_column_message() {
        let e = CoreError::MissingColumn {
            path: "data.csv".into(),
            column: "Churm".into(),
            suggestion: Some("Churn".into()),
        };
        assert_eq!(e.to_string(), "data.csv: no column `Churm` (did you mean `Churn`?)");
    }
}
