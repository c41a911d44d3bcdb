//! Evaluation metrics and statistical tests of the churn toolkit.
//!
//! Every function takes `scores: &[f64]` — a probability or any real-valued score where **larger
//! means more likely to churn** — and `labels: &[bool]` where `true` means the account churned
//! (the positive class). Inputs are validated: lengths must match, there must be at least one
//! row, and every score must be finite; probability metrics additionally require scores in
//! `[0, 1]`. Violations return an [`EvalError`]; nothing panics on user data.
//!
//! | module | what |
//! |---|---|
//! | [`ranking`] | ROC AUC, ROC and precision-recall curves, average precision, KS separation |
//! | [`calibration`] | log loss, Brier score, reliability table, expected calibration error |
//! | [`threshold`] | confusion matrix at a threshold; best-F1, minimum-cost and capacity thresholds |
//! | [`lift`] | lift / gains table by decile, lift in the top fraction |
//! | [`bootstrap`] | seeded bootstrap confidence intervals and paired differences |
//! | [`delong`] | DeLong's test for two correlated AUCs |
//! | [`stats`] | two-sample KS test, PSI, Jensen-Shannon, chi-square, Wasserstein, normal CDF |
//! | [`summary`] | the [`Metrics`] summary used by the CLI and the model file |
//!
//! Ranking metrics sort once (`O(n log n)`) and then work on one row per distinct score, so tied
//! scores are handled exactly like scikit-learn (a tie between a churned and a retained account
//! counts half for AUC).
//!
//! ```
//! use churn_eval::{roc_auc, summarize};
//!
//! let scores = [0.9, 0.8, 0.8, 0.3, 0.1];
//! let labels = [true, true, false, false, false];
//! assert_eq!(roc_auc(&scores, &labels)?, 5.5 / 6.0);
//! let m = summarize(&scores, &labels)?;
//! assert_eq!(m.n_positive, 2);
//! # Ok::<(), churn_eval::EvalError>(())
//! ```
#![warn(missing_docs)]

pub mod bootstrap;
pub mod calibration;
mod check;
pub mod delong;
mod error;
pub mod lift;
pub mod ranking;
pub mod stats;
pub mod summary;
pub mod threshold;

pub use bootstrap::{
    bootstrap_ci, bootstrap_ci_fn, bootstrap_ci_with, paired_bootstrap, paired_bootstrap_fn, BootstrapCi,
    BootstrapOptions, Metric, PairedDiff,
};
pub use calibration::{brier, ece, ece_with, log_loss, reliability_table, Binning, ReliabilityRow, LOG_LOSS_EPS};
pub use delong::{delong_test, DelongTest};
pub use error::{EvalError, Result};
pub use lift::{lift_at, lift_table, LiftRow};
pub use ranking::{ks_statistic, pr_auc, pr_curve, roc_auc, roc_curve, PrCurve, RocCurve};
pub use stats::{
    chi2_homogeneity, chi2_sf, gamma_p, gamma_q, js_distance, kolmogorov_sf, ks_2samp, ln_gamma, normal_cdf,
    normal_isf, normal_sf, psi, psi_from_counts, wasserstein_distance, ChiSquareTest, KsTest, PSI_EPSILON,
};
pub use summary::{summarize, Metrics};
pub use threshold::{
    best_f1_threshold, capacity_threshold, confusion_at, min_cost_threshold, Confusion, ThresholdChoice,
};
