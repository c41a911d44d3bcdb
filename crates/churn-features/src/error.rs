//! The crate's error type lives in `churn-spec` (the spec's validation returns it too).

pub(crate) use churn_spec::engine::{closest, io_err};
pub use churn_spec::FeatureError;
