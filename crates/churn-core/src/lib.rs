//! Data layer of the churn toolkit: CSV reading, column types, the label, `churn.toml`,
//! risk tiers and health states, typed errors, and the portable RNG and dates every crate uses.
#![warn(missing_docs)]

pub mod bands;
pub mod config;
pub mod date;
pub mod error;
pub mod excerpt;
pub mod output;
pub mod publish;
pub mod rng;
pub mod schema;
pub mod table;

pub use bands::{Band, Bands};
pub use config::Config;
pub use error::{CoreError, Result};
pub use excerpt::excerpt;
pub use schema::{ColumnKind, Excluded, FeatureColumn, LabelSpec};
pub use table::Table;

/// The toolkit's version, written into every model file.
pub const TOOLKIT_VERSION: &str = env!("CARGO_PKG_VERSION");
