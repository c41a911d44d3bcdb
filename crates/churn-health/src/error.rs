//! Errors of the health score.

use std::path::PathBuf;

/// Why a health configuration, its binding to a data file, or a validation failed.
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    /// The `[health]` table is invalid in a way its types do not catch (the file itself is read
    /// and parsed by `churn_core::Config`, whose errors arrive as [`HealthError::Core`]).
    #[error("{}: {message}", path.display())]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The file has no `[health]` table or it lists no component.
    #[error("{}: no health components: add `[[health.components]]` entries", path.display())]
    NoComponents {
        /// The configuration file.
        path: PathBuf,
    },
    /// The component weights do not add up to 100.
    #[error("{}: health component weights sum to {sum}, not 100", path.display())]
    WeightSum {
        /// The configuration file.
        path: PathBuf,
        /// The sum of the configured weights.
        sum: f64,
    },
    /// One component is invalid.
    #[error("{}: health component `{component}`: {reason}", path.display())]
    Component {
        /// The configuration file.
        path: PathBuf,
        /// The component name.
        component: String,
        /// What is wrong.
        reason: String,
    },
    /// A component reads a column the data file does not have.
    #[error("{}: health component `{component}` reads column `{column}`, which is not in the data{}",
        path.display(), churn_core::did_you_mean(suggestion.as_deref()))]
    MissingColumn {
        /// The data file.
        path: PathBuf,
        /// The component name.
        component: String,
        /// The column asked for.
        column: String,
        /// The closest existing column, if any is close.
        suggestion: Option<String>,
    },
    /// A row value cannot be read.
    #[error("{}, line {line}: {source}", path.display())]
    Row {
        /// The data file.
        path: PathBuf,
        /// The line of the row in the file.
        line: u64,
        /// What is wrong.
        source: RowError,
    },
    /// The labels do not match the table.
    #[error("{}: {labels} labels for {rows} rows", path.display())]
    Labels {
        /// The data file.
        path: PathBuf,
        /// Rows in the table.
        rows: usize,
        /// Labels given.
        labels: usize,
    },
    /// The data layer failed.
    #[error(transparent)]
    Core(#[from] churn_core::CoreError),
    /// A metric failed (e.g. only one class among scored rows).
    #[error(transparent)]
    Eval(#[from] churn_eval::EvalError),
}

/// A row whose value cannot be scored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("column `{column}`: {reason} (value `{value}`)")]
pub struct RowError {
    /// The column (or, when every component is missing, the columns) at fault.
    pub column: String,
    /// The offending text.
    pub value: String,
    /// What is wrong.
    pub reason: String,
}
