//! Time to churn: survival models and metrics of the churn toolkit.
//!
//! Times are in the unit of the data's time column (months, days); an observation is the time
//! observed so far and whether it ended in churn (`event`) or is still running (censored).
//!
//! | module | what |
//! |---|---|
//! | [`km`] | Kaplan-Meier survival curve, and the censoring curve `G(t)` of the IPCW metrics |
//! | [`metrics`] | Harrell's C, Uno's C at τ, cumulative/dynamic AUC, IPCW (Graf) Brier, integrated Brier |
//! | [`cox`] | L2-penalised Cox proportional hazards (Newton, Breslow ties and baseline) |
//! | [`discrete`] | person-period expansion for discrete-time hazard models fitted by any weighted learner |
//! | [`evaluation`] | every figure of `churn evaluate` / `churn report` on one data set, with bootstrap intervals |
//! | [`section`] | the survival section of a model file and conditional probabilities `1 − S(a+h)/S(a)` |
//!
//! The metrics follow scikit-survival 0.28 definition by definition (ties, the censoring
//! estimator, IPCW weights) and are checked against it on fixtures its code generated.
#![warn(missing_docs)]

pub mod cox;
pub mod discrete;
mod error;
pub mod evaluation;
pub mod km;
pub mod metrics;
pub mod section;

pub use cox::{CoxModel, CoxParams, CoxValidParams};
pub use error::SurvivalError;
pub use km::KaplanMeier;
pub use section::{Baseline, SurvivalSection};

/// Checks that `time` and `event` describe survival data: same length, at least one row,
/// finite non-negative times.
pub(crate) fn check(time: &[f64], event: &[bool]) -> Result<(), SurvivalError> {
    if time.len() != event.len() {
        return Err(SurvivalError::Shape { times: time.len(), events: event.len() });
    }
    if time.is_empty() {
        return Err(SurvivalError::Empty);
    }
    if let Some(&t) = time.iter().find(|t| !(t.is_finite() && **t >= 0.0)) {
        return Err(SurvivalError::BadTime { value: t });
    }
    Ok(())
}
