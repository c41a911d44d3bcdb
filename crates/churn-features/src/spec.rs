//! The spec types live in `churn-spec`; the engine's files import them from here.

pub(crate) use churn_spec::engine::{common_dates, parse_spec_date, Plan};
pub(crate) use churn_spec::{Censored, FeatureSpec, Mode, SnapshotSpec};
