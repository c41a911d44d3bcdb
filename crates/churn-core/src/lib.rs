//! Data layer of the churn toolkit.
#![warn(missing_docs)]

pub mod date;
pub mod rng;
