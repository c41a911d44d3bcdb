//! Feature specs and models compiled to SQL, so the toolkit runs where the data lives
//! (DuckDB, Apache Spark, BigQuery, Snowflake), with the Rust engine as the reference the SQL
//! must match.
//!
//! * [`features_sql`]: a feature spec as one query returning the rows and columns of
//!   `churn features` (rows ordered by account and snapshot date).
//! * [`model_sql`]: a model as one query over a table of its input columns, returning what
//!   `churn score` returns (probability, risk tier, health score and state, model id/version).
//!
//! Every identifier taken from a spec or a model is quoted, so column names with spaces,
//! quotes or keywords are names, never SQL. Anything a dialect cannot express (or that this
//! generator does not know) is an error naming it and the dialect.

mod dialect;
mod exprs;
mod features;
mod model;

pub use dialect::{Dialect, DIALECTS};
pub use features::{default_tables, features_sql, features_sql_planned, table_names};
pub use model::model_sql;

/// What can go wrong compiling to SQL.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// An unknown dialect name.
    #[error("unknown SQL dialect '{value}' (valid: {valid})")]
    UnknownDialect {
        /// The name given.
        value: String,
        /// The valid names.
        valid: String,
    },
    /// Something the generator cannot express in the dialect.
    #[error("{what} cannot be compiled to SQL for the {dialect} dialect (not supported by the SQL generator)")]
    Unsupported {
        /// What it is (feature, spec field, model part).
        what: String,
        /// The dialect.
        dialect: Dialect,
    },
    /// `--table NAME=...` for a table the spec does not read.
    #[error("--table {name}=...: the query reads no table '{name}' (its tables: {valid})")]
    UnknownTable {
        /// The name given.
        name: String,
        /// The tables the query reads.
        valid: String,
    },
    /// An empty table name or part.
    #[error("--table {name}='{value}': not a table name")]
    BadTableName {
        /// The logical table.
        name: String,
        /// The value given.
        value: String,
    },
    /// No name for a table the query reads.
    #[error("no table name for '{name}'")]
    MissingTable {
        /// The logical table.
        name: String,
    },
    /// The spec is invalid.
    #[error(transparent)]
    Spec(#[from] churn_features::FeatureError),
    /// The model cannot be read.
    #[error(transparent)]
    Model(#[from] churn_model::ModelError),
    /// A bug.
    #[error("internal error: {0}")]
    Internal(String),
}
