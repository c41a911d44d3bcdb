//! The validated plan lives in `churn-spec`; the engine's files import its internals from here.

pub(crate) use churn_spec::engine::{Agg, Op, Plan, Source};
