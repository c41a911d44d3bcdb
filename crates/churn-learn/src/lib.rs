//! Learners of the churn toolkit.
//!
//! Every learner takes a [`Matrix`], binary labels (`true` = churned) and per-row sample
//! weights, produces a serializable fitted model whose numbers the toolkit owns, and predicts
//! a raw score (log-odds) per row.
#![warn(missing_docs)]

pub mod error;
pub mod logistic;
pub mod matrix;
pub mod platt;

pub mod cart;
pub mod decision_tree;
pub mod forest;
pub mod gbdt;
pub mod tree;

mod binning;
mod hist;
mod util;
pub mod validate;

pub use error::LearnError;
pub use logistic::{LogisticParams, LogisticRegression};
pub use matrix::Matrix;
pub use platt::Platt;

pub use cart::Criterion;
pub use decision_tree::{DecisionTreeModel, TreeParams};
pub use forest::{ForestParams, MaxFeatures, RandomForestModel};
pub use gbdt::{EvalSet, GbdtModel, GbdtParams};
pub use tree::{FlatCache, FlatTrees, FromTrees, Node, ShapCache, ShapTrees, Tree, TreeCache};
pub use util::{logit_clipped, sigmoid, PROB_EPS};
pub use validate::MAX_TREE_DEPTH;
