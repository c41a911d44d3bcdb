//! What makes a learner family: one trait that each fitted model type implements in its own
//! file, and that the family registry of `churn-model` (`families!` in its `learner.rs`) turns
//! into the model file's `Learner`, the search's `CandidateParams` and the `--models` names.
//!
//! A family says how it is named (on the command line, in the model file's `kind` and in the
//! leaderboard), which parameters it takes and how they print in the leaderboard, which
//! candidates `churn train` searches, how it fits (also on cross-validation folds and for the
//! refit), and how a fitted model predicts, explains and checks itself. Adding a learner is
//! implementing this trait beside the learner and adding one line to the registry.

use crate::tree::Tree;
use crate::{EvalSet, LearnError, Matrix};
use linfa::ParamGuard;

/// A learner family, implemented by its fitted model type.
pub trait Family: Fitted + Sized + Clone {
    /// Short name: `--models`, the model file's `kind`, the leaderboard.
    const NAME: &'static str;
    /// Hyperparameters, unchecked: linfa's [`ParamGuard`] checks them into the checked
    /// parameters the learner's own `fit` takes ([`Family::fit`] does so first).
    type Params: Clone
        + PartialEq
        + std::fmt::Debug
        + serde::Serialize
        + serde::de::DeserializeOwned
        + ParamGuard<Error = LearnError>;

    /// The settings as the leaderboard prints them.
    fn describe(params: &Self::Params) -> String;

    /// The seeded candidates `churn train` tries for a training split of `n_rows` rows: the
    /// defaults first (the candidate the selection guard keeps unless a challenger is clearly
    /// better), then variations.
    fn search_space(seed: u64, n_rows: usize) -> Vec<Self::Params>;

    /// Checks `params` (an out-of-range one is [`LearnError::InvalidParam`], before any data is
    /// looked at) and fits on `x`, labels `y` (`true` = churned) and sample weights `w`;
    /// `valid` drives early stopping where the learner has it; `seed` seeds every random choice.
    fn fit(
        params: &Self::Params,
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        valid: Option<EvalSet<'_>>,
        seed: u64,
    ) -> Result<Self, LearnError>;

    /// Fits on the training rows of one fold of a `folds`-fold cross-validation, with the
    /// held-out rows as `valid` (default: as [`Family::fit`]).
    fn fit_fold(
        params: &Self::Params,
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        valid: EvalSet<'_>,
        seed: u64,
        folds: usize,
    ) -> Result<Self, LearnError> {
        let _ = folds;
        Self::fit(params, x, y, w, Some(valid), seed)
    }

    /// The fold models of one candidate cut to common settings, with the settings of the final
    /// fit (boosting: the rounds with the least mean held-out loss). `None` (the default): the
    /// fold models as fitted.
    fn cross_validated(params: &Self::Params, folds: &[&Self]) -> Option<(Vec<Self>, Self::Params)> {
        let _ = (params, folds);
        None
    }

    /// The settings of a refit on more rows without a validation set, after `fitted` was
    /// fitted with `params` (default: the same; boosting keeps the rounds early stopping chose).
    fn refit_params(params: &Self::Params, fitted: &Self) -> Self::Params {
        let _ = fitted;
        params.clone()
    }

    /// One model averaging `models` fitted on the same inputs, or `None` when the family has
    /// no such average (the default).
    fn average(models: &[Self]) -> Option<Self> {
        let _ = models;
        None
    }
}

/// What every fitted model of a family does, whatever the family: predict log-odds of churn,
/// explain them and check itself. Object safe: the registry hands out `&dyn Fitted`.
pub trait Fitted {
    /// Number of inputs.
    fn n_inputs(&self) -> usize;

    /// Log-odds of churn for one row.
    fn predict_raw_row(&self, row: &[f64]) -> f64;

    /// Log-odds of churn for `out.len()` row-major rows of `p` values each (default: row by row).
    fn predict_raw_rows(&self, rows: &[f64], p: usize, out: &mut [f64]) {
        for (o, row) in out.iter_mut().zip(rows.chunks_exact(p)) {
            *o = self.predict_raw_row(row);
        }
    }

    /// Log-odds of churn for every row of `x`.
    fn predict_raw(&self, x: &Matrix) -> Vec<f64>;

    /// Exact additive attribution of one row's log-odds, `(base, contributions)`; `means` are
    /// the training means of the inputs.
    fn contributions(&self, row: &[f64], means: &[f64]) -> (f64, Vec<f64>);

    /// The learner's own importance per input, with the method's name.
    fn native_importance(&self) -> (&'static str, Vec<f64>);

    /// The trees of a tree model and whether they are averaged in probability space (forests,
    /// single trees) rather than added in log-odds after [`Fitted::init_score`] (boosting).
    fn trees(&self) -> Option<(&[Tree], bool)> {
        None
    }

    /// Starting log-odds added to the trees' sum (boosting).
    fn init_score(&self) -> f64 {
        0.0
    }

    /// Checks a model read from a file (indices in range, finite numbers).
    fn validate(&self) -> Result<(), LearnError>;
}

/// `"none"` or the number: how optional depths print in the leaderboard.
pub(crate) fn or_none(v: Option<usize>) -> String {
    v.map_or("none".to_string(), |d| d.to_string())
}

/// [`Fitted`] for a tree model (`n_features`, and inherent `predict_raw_row`,
/// `predict_raw_rows`, `predict_raw`, `shap_values`, `feature_importance_gain` and `validate`):
/// `trees` gives its trees, `averaged` whether they are averaged in probability space, `init`
/// its starting log-odds.
macro_rules! fitted_trees {
    ($model:ty, trees: |$m:ident| $trees:expr, averaged: $avg:expr, init: |$mi:ident| $init:expr) => {
        impl $crate::Fitted for $model {
            fn n_inputs(&self) -> usize {
                self.n_features
            }

            fn predict_raw_row(&self, row: &[f64]) -> f64 {
                <$model>::predict_raw_row(self, row)
            }

            fn predict_raw_rows(&self, rows: &[f64], p: usize, out: &mut [f64]) {
                <$model>::predict_raw_rows(self, rows, p, out)
            }

            fn predict_raw(&self, x: &$crate::Matrix) -> Vec<f64> {
                <$model>::predict_raw(self, x)
            }

            fn contributions(&self, row: &[f64], _means: &[f64]) -> (f64, Vec<f64>) {
                self.shap_values(row)
            }

            fn native_importance(&self) -> (&'static str, Vec<f64>) {
                ("total split gain", self.feature_importance_gain(self.n_features))
            }

            fn trees(&self) -> Option<(&[$crate::Tree], bool)> {
                let $m = self;
                Some(($trees, $avg))
            }

            fn init_score(&self) -> f64 {
                let $mi = self;
                $init
            }

            fn validate(&self) -> Result<(), $crate::LearnError> {
                <$model>::validate(self)
            }
        }
    };
}
pub(crate) use fitted_trees;
