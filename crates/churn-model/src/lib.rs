//! The churn model file: everything scoring, reporting and drift checks need, in one
//! versioned, human-readable JSON document.
//!
//! # Example
//!
//! A model file is plain JSON with a format name and version; loading checks both, rebuilds the
//! preprocessing and refuses a file whose parts do not fit together. Scoring a table gives the
//! learner's log-odds and the calibrated churn probabilities:
//!
//! ```
//! use churn_model::ModelFile;
//!
//! let model = ModelFile::load("../../models/golden-v1.json".as_ref())?;
//! assert_eq!(model.format, "churn-model");
//! let table = churn_core::Table::read("../../datasets/customers-small.csv".as_ref())?;
//! let (raw, p) = model.score_table(&table)?;
//! assert_eq!(p.len(), table.n_rows());
//! assert!(p.iter().all(|p| (0.0..=1.0).contains(p)));
//! assert_eq!(p[0], model.calibrator.probability(raw[0]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod drivers;
pub mod error;
pub mod file;
pub mod learner;
pub mod preprocess;
pub mod profile;
pub mod rows;
pub mod target_stats;
pub mod validate;

pub use drivers::DriverFilter;
pub use error::{ModelError, RowError};
pub use file::{
    CalibrationCheck, Importance, LeaderboardEntry, ModelFile, Schema, SplitInfo, SplitMetrics, TrainingSummary,
    FORMAT_VERSION,
};
pub use learner::{Blend, CandidateParams, Learner, ModelKind};
pub use preprocess::Preprocessor;
pub use profile::Profile;
