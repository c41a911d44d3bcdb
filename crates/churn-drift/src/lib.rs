//! Drift checks of the churn toolkit: does this week's data still look like the data the model
//! was trained on, do its scores, and (once outcomes arrive) does it still perform?
//!
//! The reference is the [`Profile`] stored in the model file at training time. [`check()`]
//! compares a current batch with it:
//!
//! | what | effect size (judged) | reported beside it |
//! |---|---|---|
//! | numeric feature | PSI over 10 training quantile bins + missing bucket; Wasserstein distance in training SDs | KS statistic and p-value, missing-rate change |
//! | categorical feature | PSI and Jensen-Shannon distance over categories + other/missing/unseen buckets | chi-square test, unseen categories, missing-rate change |
//! | calibrated probabilities | PSI over the held-out reference's quantile bins | KS, mean probability |
//! | risk tiers | PSI of the tier mix | chi-square test, tier shares |
//! | with labels | AUC drop, Brier rise (bootstrap intervals), calibration gap | ECE, churn rate |
//! | without labels | – | expected AUC and top-decile precision implied by the probabilities |
//!
//! **Verdicts that hold at any sample size.** A check fires only when its effect size exceeds
//! both its configured threshold ([`Thresholds`], the `[drift]` table of `churn.toml`) and the
//! critical value of its distribution under no drift *at these sample sizes*: on a large batch
//! the threshold decides (a trivial shift is significant but small), on a small one the critical
//! value decides (a large PSI may be noise). Under no drift PSI is approximately
//! `(1/n + 1/m) χ²(bins − 1)`; the Wasserstein critical value comes from the Brownian-bridge limit
//! with a Borell-TIS tail bound. Each of the run's `k` checks is judged at `alpha / k`, so a
//! batch without drift raises any alarm with probability about `alpha` or less. Batches below
//! `min_rows` are reported but not judged, and a warning says when a batch can only detect large
//! shifts.
//!
//! ```no_run
//! use churn_drift::{check_model, load_model, render, Thresholds};
//! let (model, profile) = load_model("model.json".as_ref())?;
//! let table = churn_core::Table::read("this_week.csv".as_ref())?;
//! let report = check_model(&model, &profile, &table, None, &Thresholds::default())?;
//! print!("{}", render::console(&report));
//! std::process::exit(report.exit_code().into());
//! # Ok::<(), churn_drift::DriftError>(())
//! ```
#![warn(missing_docs)]

pub mod check;
mod error;
pub mod render;
pub mod report;
pub mod stats;

pub use check::{check, check_model, load_model, Current, Reference};
/// The thresholds: the `[drift]` table of `churn.toml`, typed and validated by churn-core when the
/// file is read (see [`churn_core::config::drift`]).
pub use churn_core::config::{DriftThresholds as Thresholds, FeatureThresholds};
pub use churn_model::Profile;
pub use error::{DriftError, Result};
pub use report::{DriftReport, EffectCheck, FeatureDrift, PsiBand};
