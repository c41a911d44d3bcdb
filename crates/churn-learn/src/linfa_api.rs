//! The learners as [linfa](https://docs.rs/linfa) algorithms over ndarray data sets.
//!
//! Each hyperparameter struct implements linfa's [`Fit`] over a
//! `DatasetBase<ArrayBase<_, Ix2>, T>` of `f64` records and `bool` targets (`true` = churned),
//! and each fitted model implements [`PredictInplace`] twice: into an `Array1<f64>` of churn
//! probabilities (the learner's own, before Platt calibration), and into an `Array1<bool>` of
//! classes (churned when that probability is at least ½), the form linfa's cross-validation
//! and confusion matrices take. The data set's weights, when
//! set, are the sample weights (linfa stores them as `f32`); unset, every row weighs 1. So the
//! toolkit's learners drop into linfa code (cross-validation, pipelines, metrics) and give
//! exactly the models of the toolkit's own entry points:
//!
//! ```
//! use churn_learn::{LogisticParams, LogisticRegression};
//! use linfa::prelude::*;
//! use ndarray::{array, Array1};
//!
//! let x = array![[0.0, 1.0], [1.0, 0.5], [2.0, 0.0], [3.0, 1.5], [4.0, 0.2], [5.0, 0.9]];
//! let churned = array![false, false, true, false, true, true];
//! let data = Dataset::new(x.clone(), churned);
//! let model: LogisticRegression = LogisticParams::default().fit(&data)?;
//! let p: Array1<f64> = model.predict(&x);
//! assert!(p[5] > p[0]);
//! # Ok::<(), churn_learn::LearnError>(())
//! ```
//!
//! Trees, forests and boosting take a seed: `ForestParams::default().seeded(7).fit(&data)`.
//! The parameters are linfa's [`ParamGuard`]s: `Fit` is implemented for the checked
//! parameters (`LogisticValidParams`, `Seeded<ForestValidParams>`, ...), and unchecked ones
//! are checked when `fit` is called (a range error is a [`LearnError::InvalidParam`]); bad data
//! (shape mismatches, one class, negative weights) comes back as a [`LearnError`] too.

use crate::util::sigmoid;
use crate::{
    DecisionTreeModel, Fitted, ForestParams, ForestValidParams, GbdtModel, GbdtParams, GbdtValidParams, LearnError,
    LogisticRegression, LogisticValidParams, Matrix, RandomForestModel, TreeParams, TreeValidParams,
};
use linfa::dataset::{AsSingleTargets, DatasetBase};
use linfa::traits::{Fit, PredictInplace};
use linfa::ParamGuard;
use ndarray::{Array1, ArrayBase, Data, Ix2};

impl From<linfa::Error> for LearnError {
    fn from(e: linfa::Error) -> Self {
        LearnError::Linfa { message: e.to_string() }
    }
}

/// Hyperparameters together with the seed of a randomised learner, for linfa's [`Fit`]:
/// `Seeded<XValidParams>` fits; `Seeded<XParams>` checks its parameters first, as linfa's
/// blanket `Fit` of a [`ParamGuard`] does.
#[derive(Debug, Clone, PartialEq)]
pub struct Seeded<P> {
    /// The learner's hyperparameters.
    pub params: P,
    /// Seed of every random choice (bootstrap, feature sampling, binning's row sample).
    pub seed: u64,
}

macro_rules! seeded {
    ($($p:ty),*) => {$(
        impl $p {
            /// These parameters with a seed, ready for linfa's `Fit`.
            pub fn seeded(self, seed: u64) -> Seeded<$p> {
                Seeded { params: self, seed }
            }
        }
    )*};
}
seeded!(TreeParams, ForestParams, GbdtParams, TreeValidParams, ForestValidParams, GbdtValidParams);

/// The records as a column-major [`Matrix`], the targets and the weights (1 where unset).
fn parts<D, T>(data: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<(Matrix, Vec<bool>, Vec<f64>), LearnError>
where
    D: Data<Elem = f64>,
    T: AsSingleTargets<Elem = bool>,
{
    let records = &data.records;
    let (n, p) = records.dim();
    let y: Vec<bool> = data.targets.as_single_targets().to_vec();
    if y.len() != n {
        return Err(LearnError::Shape { rows: n, labels: y.len(), what: "labels" });
    }
    let w: Vec<f64> = match data.weights() {
        Some(w) if w.len() != n => return Err(LearnError::Shape { rows: n, labels: w.len(), what: "weights" }),
        Some(w) => w.iter().map(|&v| f64::from(v)).collect(),
        None => vec![1.0; n],
    };
    // `t()` of a row-major array iterates column by column.
    let col_major: Vec<f64> = records.t().iter().copied().collect();
    let x = Matrix::from_col_major(n, p, col_major).ok_or(LearnError::Empty { what: "records" })?;
    Ok((x, y, w))
}

/// linfa's `Fit` of checked parameters; the unchecked [`crate::LogisticParams`] get theirs from
/// linfa's blanket impl for a [`ParamGuard`] (check, then this).
impl<D, T> Fit<ArrayBase<D, Ix2>, T, LearnError> for LogisticValidParams
where
    D: Data<Elem = f64>,
    T: AsSingleTargets<Elem = bool>,
{
    type Object = LogisticRegression;

    fn fit(&self, data: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<LogisticRegression, LearnError> {
        let (x, y, w) = parts(data)?;
        LogisticRegression::fit(&x, &y, &w, self)
    }
}

/// linfa's `Fit` of a seeded learner: for checked parameters the fit, for unchecked ones the
/// check first (what linfa's blanket impl of a [`ParamGuard`] does).
macro_rules! fit_seeded {
    ($params:ty => $valid:ty, $model:ty, |$x:ident, $y:ident, $w:ident, $p:ident, $seed:ident| $fit:expr) => {
        impl<D, T> Fit<ArrayBase<D, Ix2>, T, LearnError> for Seeded<$valid>
        where
            D: Data<Elem = f64>,
            T: AsSingleTargets<Elem = bool>,
        {
            type Object = $model;

            fn fit(&self, data: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<$model, LearnError> {
                let ($x, $y, $w) = parts(data)?;
                let ($p, $seed) = (&self.params, self.seed);
                $fit
            }
        }

        impl<D, T> Fit<ArrayBase<D, Ix2>, T, LearnError> for Seeded<$params>
        where
            D: Data<Elem = f64>,
            T: AsSingleTargets<Elem = bool>,
        {
            type Object = $model;

            fn fit(&self, data: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<$model, LearnError> {
                let checked = Seeded { params: self.params.check_ref()?.clone(), seed: self.seed };
                checked.fit(data)
            }
        }
    };
}

fit_seeded!(TreeParams => TreeValidParams, DecisionTreeModel, |x, y, w, p, seed| DecisionTreeModel::fit(&x, &y, &w, p, seed));
fit_seeded!(ForestParams => ForestValidParams, RandomForestModel, |x, y, w, p, seed| RandomForestModel::fit(&x, &y, &w, p, seed));
// Boosts `n_trees` rounds (linfa's `Fit` has no validation set, so no early stopping).
fit_seeded!(GbdtParams => GbdtValidParams, GbdtModel, |x, y, w, p, seed| GbdtModel::fit(&x, &y, &w, p, seed, None));

/// Writes `prob(row)` of every row of `x` into `out`.
///
/// # Panics
/// When `x` has fewer columns than the model was fitted on, or `out` a different length than
/// `x` has rows (linfa's convention for `predict_inplace`).
fn predict_rows<D: Data<Elem = f64>>(
    x: &ArrayBase<D, Ix2>,
    n_features: usize,
    out: &mut Array1<f64>,
    prob: impl Fn(&[f64]) -> f64,
) {
    assert_eq!(x.nrows(), out.len(), "the number of rows must match the number of predictions");
    assert!(x.ncols() >= n_features, "the records have {} columns, the model needs {n_features}", x.ncols());
    let mut row = vec![0.0; x.ncols()];
    for (r, o) in x.rows().into_iter().zip(out.iter_mut()) {
        for (dst, src) in row.iter_mut().zip(r.iter()) {
            *dst = *src;
        }
        *o = prob(&row);
    }
}

macro_rules! predict_probability {
    ($model:ty, $n:ident, |$m:ident, $row:ident| $prob:expr) => {
        impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array1<f64>> for $model {
            /// Churn probability of every row (the learner's own, uncalibrated).
            fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<f64>) {
                let $m = self;
                predict_rows(x, self.$n(), y, |$row| $prob);
            }

            fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<f64> {
                Array1::zeros(x.nrows())
            }
        }

        impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array1<bool>> for $model {
            /// Churned (`true`) where the churn probability is at least ½.
            fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<bool>) {
                let mut p = Array1::zeros(y.len());
                PredictInplace::<ArrayBase<D, Ix2>, Array1<f64>>::predict_inplace(self, x, &mut p);
                y.zip_mut_with(&p, |c, &pi| *c = pi >= 0.5);
            }

            fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<bool> {
                Array1::from_elem(x.nrows(), false)
            }
        }
    };
}

predict_probability!(LogisticRegression, n_inputs, |m, row| sigmoid(m.predict_raw_row(row)));
predict_probability!(GbdtModel, n_inputs, |m, row| sigmoid(m.predict_raw_row(row)));
predict_probability!(RandomForestModel, n_inputs, |m, row| m.predict_proba_row(row));
predict_probability!(DecisionTreeModel, n_inputs, |m, row| m.predict_proba_row(row));
