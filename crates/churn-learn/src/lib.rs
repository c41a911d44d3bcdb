//! Learners of the churn toolkit.
//!
//! Every learner takes a [`Matrix`], binary labels (`true` = churned) and per-row sample
//! weights, produces a serializable fitted model whose numbers the toolkit owns, and predicts
//! a raw score (log-odds) per row.
#![warn(missing_docs)]

pub mod error;
pub mod logistic;
pub mod platt;
pub mod matrix;

pub mod gbdt;
pub mod tree;

mod binning;
mod hist;
mod util;

pub use error::LearnError;
pub use logistic::{LogisticParams, LogisticRegression};
pub use matrix::Matrix;
pub use platt::Platt;

pub use gbdt::{EvalSet, GbdtModel, GbdtParams};
pub use tree::{Node, Tree};
pub use util::{logit_clipped, sigmoid, PROB_EPS};
