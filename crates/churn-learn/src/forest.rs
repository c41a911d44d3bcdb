//! Random forest of probability trees: weighted bootstrap, feature subsampling per split,
//! trees grown in parallel with one random stream per tree.
//!
//! The forest's probability is the mean of its trees' leaf probabilities (weighted positive
//! fractions); its raw score is the clipped log-odds of that mean, so forests share the raw
//! scale of the other learners.

use crate::binning::BinnedData;
use crate::cart::{grow, shap_prob_to_raw, usable_features, CartConfig, Criterion};
use crate::params::{check_cart, check_fraction};
use crate::tree::{ShapCache, Tree};
use crate::util::{fit_weighted_rows, logit_clipped, predict_blocked};
use crate::{LearnError, Matrix};
use churn_core::rng::Rng;
use linfa::ParamGuard;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// How many features each split tries.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxFeatures {
    /// `max(1, floor(sqrt(p)))` (scikit-learn's classifier default).
    Sqrt,
    /// `max(1, floor(log2(p)))`.
    Log2,
    /// All features (bagged trees).
    All,
    /// `max(1, round(fraction · p))`, fraction in (0, 1].
    Fraction(f64),
    /// A fixed count (capped at `p`), ≥ 1.
    Count(usize),
}

impl MaxFeatures {
    /// Features tried per split out of `p`.
    pub fn resolve(self, p: usize) -> usize {
        let k = match self {
            MaxFeatures::Sqrt => (p as f64).sqrt().floor() as usize,
            MaxFeatures::Log2 => (p as f64).log2().floor() as usize,
            MaxFeatures::All => p,
            MaxFeatures::Fraction(f) => (f * p as f64).round() as usize,
            MaxFeatures::Count(c) => c,
        };
        k.clamp(1, p.max(1))
    }

    pub(crate) fn validate(self) -> Result<(), LearnError> {
        match self {
            MaxFeatures::Fraction(f) => check_fraction("max_features", f),
            MaxFeatures::Count(0) => Err(LearnError::InvalidParam {
                name: "max_features",
                value: "0".into(),
                reason: "a feature count must be >= 1",
            }),
            _ => Ok(()),
        }
    }
}

crate::params::checked_params! {
    /// Hyperparameters of [`RandomForestModel`], unchecked: builder methods
    /// (`ForestParams::default().n_trees(100)`), then [`linfa::ParamGuard::check`] into the
    /// [`ForestValidParams`] that [`RandomForestModel::fit`] takes.
    ForestParams =>
    /// Checked hyperparameters of [`RandomForestModel`].
    ForestValidParams {
        /// Number of trees, ≥ 1. Default 300.
        n_trees: usize = 300,
        /// Maximum depth, `None` = grow until leaves are pure or too small. Default `None`.
        max_depth: Option<usize> = None,
        /// Minimum rows (distinct in-bag rows) per leaf, ≥ 1. Default 2.
        min_samples_leaf: usize = 2,
        /// Features tried per split. Default [`MaxFeatures::Sqrt`].
        max_features: MaxFeatures = MaxFeatures::Sqrt,
        /// Draw a bootstrap sample per tree (rows' weights times their multiplicity). Default true.
        bootstrap: bool = true,
        /// Split criterion. Default Gini.
        criterion: Criterion = Criterion::Gini,
        /// Minimum gain to split, ≥ 0. Default 0.
        min_gain: f64 = 0.0,
        /// Maximum value bins per feature, in 2..=255. Default 255.
        max_bins: usize = 255,
    }
}

impl ForestValidParams {
    /// Every parameter's range ([`linfa::ParamGuard::check`] of [`ForestParams`]).
    fn check_ranges(&self) -> Result<(), LearnError> {
        if self.n_trees == 0 {
            return Err(LearnError::InvalidParam { name: "n_trees", value: "0".into(), reason: "must be >= 1" });
        }
        self.max_features.validate()?;
        check_cart(self.max_depth, self.min_samples_leaf, self.min_gain, self.max_bins)
    }
}

/// A fitted random forest. Leaf values are probabilities; covers are in-bag weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomForestModel {
    /// Number of features the model was fitted on.
    pub n_features: usize,
    /// The trees.
    pub trees: Vec<Tree>,
    /// TreeSHAP's per-tree expected values and ratio tables (derived, not serialized).
    #[serde(skip)]
    shap: ShapCache,
}

impl RandomForestModel {
    /// Fits a forest on `x`, labels `y` (`true` = churned) and sample weights `w`.
    ///
    /// Tree `t` draws its bootstrap (n rows uniformly with replacement; each row then counts
    /// with weight `w × multiplicity`) and its split features from `Rng::derive(seed, t)`, so
    /// the model is byte-identical for any number of threads. Zero-weight rows are dropped
    /// first (the model equals the one fitted without them).
    pub fn fit(
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        params: &ForestValidParams,
        seed: u64,
    ) -> Result<RandomForestModel, LearnError> {
        fit_weighted_rows(x, y, w, |x, y, w, _| {
            let n = x.n_rows();
            let data = BinnedData::new(x, params.max_bins, seed);
            let usable = usable_features(&data);
            let cfg = CartConfig {
                max_depth: params.max_depth,
                min_samples_leaf: params.min_samples_leaf,
                mtry: params.max_features.resolve(usable.len()),
                criterion: params.criterion,
                min_gain: params.min_gain,
            };
            let trees: Vec<Tree> = (0..params.n_trees)
                .into_par_iter()
                .map_init(
                    || (vec![0.0; n], vec![0.0; n], vec![0u32; n]),
                    |(g, h, counts), t| {
                        let mut rng = Rng::derive(seed, t as u64);
                        let rows: Vec<u32> = if params.bootstrap {
                            counts.fill(0);
                            for _ in 0..n {
                                counts[rng.below(n as u64) as usize] += 1;
                            }
                            (0..n as u32).filter(|&i| counts[i as usize] > 0).collect()
                        } else {
                            counts.fill(1);
                            (0..n as u32).collect()
                        };
                        for &r in &rows {
                            let r = r as usize;
                            let k = counts[r] as f64;
                            h[r] = w[r] * k;
                            g[r] = if y[r] { h[r] } else { 0.0 };
                        }
                        grow(&data, g, h, rows, &usable, &cfg, &mut rng)
                    },
                )
                .collect();
            Ok(RandomForestModel { n_features: x.n_cols(), trees, shap: ShapCache::default() })
        })
    }

    /// The forest of every tree of `models` (all fitted on the same features): with forests of
    /// equal size, its probability is the mean of theirs. `None` when `models` is empty or the
    /// feature counts differ.
    pub fn merge(models: &[RandomForestModel]) -> Option<RandomForestModel> {
        let first = models.first()?;
        if models.iter().any(|m| m.n_features != first.n_features) {
            return None;
        }
        Some(RandomForestModel {
            n_features: first.n_features,
            trees: models.iter().flat_map(|m| m.trees.iter().cloned()).collect(),
            shap: ShapCache::default(),
        })
    }

    /// Probability (mean leaf probability over trees) of one row.
    pub fn predict_proba_row(&self, row: &[f64]) -> f64 {
        let mut s = 0.0;
        for t in &self.trees {
            s += t.predict_row(row);
        }
        s / self.trees.len() as f64
    }

    /// Raw score: clipped log-odds of the forest probability, for one row.
    pub fn predict_raw_row(&self, row: &[f64]) -> f64 {
        logit_clipped(self.predict_proba_row(row))
    }

    /// Raw scores of every row of `x` (parallel over blocks of rows; identical to
    /// [`Self::predict_raw_row`] row by row).
    ///
    /// # Panics
    /// When `x` has fewer columns than the model was fitted on.
    pub fn predict_raw(&self, x: &Matrix) -> Vec<f64> {
        predict_blocked(x, self.n_features, |rows, p, out| self.predict_raw_rows(rows, p, out))
    }

    /// Raw scores of `out.len()` row-major rows of `p` values each; identical to
    /// [`Self::predict_raw_row`] row by row.
    pub fn predict_raw_rows(&self, rows: &[f64], p: usize, out: &mut [f64]) {
        out.fill(0.0);
        for t in &self.trees {
            t.add_rows(rows, p, out);
        }
        let nt = self.trees.len() as f64;
        for o in out.iter_mut() {
            *o = logit_clipped(*o / nt);
        }
    }

    /// Mean split gain per feature over the trees (Gini: half the weighted impurity decrease).
    pub fn feature_importance_gain(&self, n_features: usize) -> Vec<f64> {
        let mut out = vec![0.0; n_features];
        let scale = 1.0 / self.trees.len() as f64;
        for t in &self.trees {
            t.add_gain_importance(&mut out, scale);
        }
        out
    }

    /// TreeSHAP in raw (log-odds) space: exact path-dependent TreeSHAP of the forest
    /// probability (the average over trees), mapped to log-odds by scaling all attributions
    /// by `(raw(x) − logit(base_p)) / (p(x) − base_p)`, so that `base + Σ phi == raw(x)`.
    pub fn shap_values(&self, row: &[f64]) -> (f64, Vec<f64>) {
        shap_prob_to_raw(&self.trees, self.shap.get(&self.trees), self.n_features, row)
    }
}

impl crate::Family for RandomForestModel {
    const NAME: &'static str = "forest";
    type Params = ForestParams;

    fn describe(p: &ForestParams) -> String {
        let p = &p.0;
        format!("trees={} min_leaf={} depth={}", p.n_trees, p.min_samples_leaf, crate::family::or_none(p.max_depth))
    }

    /// One well-tested configuration: averaging many deep trees needs little tuning.
    fn search_space(_seed: u64, _n_rows: usize) -> Vec<ForestParams> {
        vec![ForestParams::default().n_trees(300).min_samples_leaf(3)]
    }

    fn fit(
        p: &ForestParams,
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        _valid: Option<crate::EvalSet<'_>>,
        seed: u64,
    ) -> Result<Self, LearnError> {
        RandomForestModel::fit(x, y, w, p.check_ref()?, seed)
    }

    /// Grows `1 / folds` of the trees (rounded up), so that the fold forests together are a
    /// forest of the configured size.
    fn fit_fold(
        p: &ForestParams,
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        _valid: crate::EvalSet<'_>,
        seed: u64,
        folds: usize,
    ) -> Result<Self, LearnError> {
        // At least one tree of a checked count stays a checked count.
        let mut p = p.check_ref()?.clone();
        p.n_trees = p.n_trees.div_ceil(folds.max(1));
        RandomForestModel::fit(x, y, w, &p, seed)
    }

    fn average(models: &[Self]) -> Option<Self> {
        RandomForestModel::merge(models)
    }
}

crate::family::fitted_trees!(RandomForestModel, trees: |m| &m.trees, averaged: true, init: |_m| 0.0);
