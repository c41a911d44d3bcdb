//! The churn model file: everything scoring, reporting and drift checks need, in one
//! versioned, human-readable JSON document.
#![warn(missing_docs)]

pub mod error;
pub mod file;
pub mod learner;
pub mod preprocess;
pub mod profile;
pub mod validate;

pub use error::{ModelError, RowError};
pub use file::{
    Importance, LeaderboardEntry, ModelFile, Schema, SplitInfo, SplitMetrics, TrainingSummary, FORMAT_VERSION,
};
pub use learner::Learner;
pub use preprocess::Preprocessor;
pub use profile::Profile;
