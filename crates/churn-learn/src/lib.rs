//! Learners of the churn toolkit.
//!
//! Every learner takes a [`Matrix`], binary labels (`true` = churned) and per-row sample
//! weights, produces a serializable fitted model whose numbers the toolkit owns, and predicts
//! a raw score (log-odds) per row.
#![warn(missing_docs)]

pub mod matrix;

pub use matrix::Matrix;
