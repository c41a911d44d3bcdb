//! Evaluation metrics and statistical tests of the churn toolkit.
#![warn(missing_docs)]
