//! Data layer of the churn toolkit: CSV, gzipped CSV and Parquet reading, column types, the label, `churn.toml`,
//! risk tiers and health states, typed errors, and the portable RNG and dates every crate uses.
//!
//! # Example
//!
//! Read a CSV (or gzipped CSV) file, find the label and choose the feature columns:
//!
//! ```
//! use churn_core::Table;
//!
//! let table = Table::read("../../datasets/customers-small.csv".as_ref())?;
//! assert_eq!(table.n_rows(), 600);
//! let churned = table.column_index("churned")?;
//! assert_eq!(table.field(0, churned), "No");
//! // A missing column is an error that names the file and suggests the closest name.
//! let err = table.column_index("churn").unwrap_err();
//! assert!(err.to_string().contains("churned"));
//! # Ok::<(), churn_core::CoreError>(())
//! ```
#![warn(missing_docs)]

pub mod actions;
mod arrow_schema;
pub mod bands;
pub mod blocks;
pub mod config;
pub mod date;
pub mod error;
pub mod excerpt;
pub mod lines;
pub mod output;
pub mod parquet;
pub mod publish;
pub mod rng;
pub mod schema;
pub mod table;
pub mod text;
pub mod tiers;
pub mod unusable;

pub use bands::{Band, Bands};
pub use config::Config;
pub use error::{CoreError, Result};
pub use excerpt::excerpt;
pub use schema::{ColumnKind, Excluded, FeatureColumn, LabelSpec};
pub use table::Table;
pub use text::{closest_name, csv_field, did_you_mean};

/// The toolkit's version, written into every model file.
pub const TOOLKIT_VERSION: &str = env!("CARGO_PKG_VERSION");
