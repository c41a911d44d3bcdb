//! Learners of the churn toolkit.
//!
//! Every learner takes a [`Matrix`], binary labels (`true` = churned) and per-row sample
//! weights, produces a serializable fitted model whose numbers the toolkit owns, and predicts
//! a raw score (log-odds) per row.
//!
//! # Example
//!
//! Hyperparameters go the way of linfa's: unchecked parameters (builder methods on
//! `XParams`), checked by [`ParamGuard::check`] into the `XValidParams` that the learner's
//! `fit` takes (an out-of-range value is a [`LearnError::InvalidParam`] naming it), then a
//! fitted model that predicts.
//!
//! ```
//! use churn_learn::{LearnError, LogisticParams, LogisticRegression, Matrix, ParamGuard};
//!
//! let x = Matrix::from_rows(&[vec![0.0], vec![1.0], vec![2.0], vec![3.0], vec![4.0], vec![5.0]]).unwrap();
//! let churned = [false, false, true, false, true, true];
//! let weights = [1.0; 6];
//!
//! // Parameters -> checked parameters -> fitted model -> log-odds.
//! let params = LogisticParams::default().c(10.0).check()?;
//! let model = LogisticRegression::fit(&x, &churned, &weights, &params)?;
//! let raw = model.predict_raw(&x);
//! assert!(model.coef[0] > 0.0); // more of x, more churn
//! assert!(raw[5] > raw[0]);
//!
//! // An out-of-range value never reaches a fit.
//! let bad = LogisticParams::default().c(-1.0).check();
//! assert!(matches!(bad, Err(LearnError::InvalidParam { name: "c", .. })));
//! # Ok::<(), LearnError>(())
//! ```
//!
//! The same learners implement linfa's `Fit` and `PredictInplace` over ndarray data sets:
//! see [`linfa_api`].
#![warn(missing_docs)]

pub mod error;
pub mod logistic;
pub mod matrix;
pub mod platt;

pub mod cart;
pub mod decision_tree;
pub mod forest;
pub mod gbdt;
pub mod path;
pub mod tree;

pub mod family;
pub mod linfa_api;

mod binning;
mod hist;
mod params;
mod util;
pub mod validate;

pub use error::LearnError;
pub use family::{Family, Fitted};
pub use logistic::{LogisticParams, LogisticRegression, LogisticValidParams};
pub use matrix::Matrix;
pub use platt::Platt;

pub use cart::Criterion;
pub use decision_tree::{DecisionTreeModel, TreeParams, TreeValidParams};
pub use forest::{ForestParams, ForestValidParams, MaxFeatures, RandomForestModel};
pub use gbdt::{EvalSet, GbdtModel, GbdtParams, GbdtValidParams};
pub use linfa::ParamGuard;
pub use linfa_api::Seeded;
pub use tree::{FlatCache, FlatTrees, FromTrees, Node, ShapCache, ShapTrees, Tree, TreeCache};
pub use util::{logit_clipped, sigmoid, PROB_EPS};
pub use validate::MAX_TREE_DEPTH;
