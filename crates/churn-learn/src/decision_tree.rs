//! A single CART probability tree (weighted Gini or log-loss gain).

use crate::binning::BinnedData;
use crate::cart::{grow, shap_prob_to_raw, usable_features, CartConfig, Criterion};
use crate::params::check_cart;
use crate::tree::{ShapCache, Tree};
use crate::util::{fit_weighted_rows, logit_clipped, predict_blocked};
use crate::{LearnError, Matrix};
use churn_core::rng::Rng;
use linfa::ParamGuard;
use serde::{Deserialize, Serialize};

crate::params::checked_params! {
    /// Hyperparameters of [`DecisionTreeModel`], unchecked: builder methods
    /// (`TreeParams::default().max_depth(Some(4))`), then [`linfa::ParamGuard::check`] into the
    /// [`TreeValidParams`] that [`DecisionTreeModel::fit`] takes.
    TreeParams =>
    /// Checked hyperparameters of [`DecisionTreeModel`].
    TreeValidParams {
        /// Maximum depth, `None` = unlimited. Default `Some(8)`.
        max_depth: Option<usize> = Some(8),
        /// Minimum rows per leaf, ≥ 1. Default 10.
        min_samples_leaf: usize = 10,
        /// Split criterion. Default Gini.
        criterion: Criterion = Criterion::Gini,
        /// Minimum gain to split, ≥ 0. Default 0.
        min_gain: f64 = 0.0,
        /// Maximum value bins per feature, in 2..=255. Default 255.
        max_bins: usize = 255,
    }
}

impl TreeValidParams {
    /// Every parameter's range ([`linfa::ParamGuard::check`] of [`TreeParams`]).
    fn check_ranges(&self) -> Result<(), LearnError> {
        check_cart(self.max_depth, self.min_samples_leaf, self.min_gain, self.max_bins)
    }
}

/// A fitted decision tree whose leaves hold weighted positive fractions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTreeModel {
    /// Number of features the model was fitted on.
    pub n_features: usize,
    /// The tree.
    pub tree: Tree,
    /// TreeSHAP's expected value and ratio tables of the tree (derived, not serialized).
    #[serde(skip)]
    shap: ShapCache,
}

impl DecisionTreeModel {
    /// Fits a tree on `x`, labels `y` (`true` = churned) and sample weights `w` (they enter
    /// the impurity and the leaf probabilities). All features are tried at every split, in
    /// column order (the first of equally good splits wins); `seed` only seeds binning's row
    /// sample on more than 200,000 rows. Zero-weight rows are dropped first.
    pub fn fit(
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        params: &TreeValidParams,
        seed: u64,
    ) -> Result<DecisionTreeModel, LearnError> {
        fit_weighted_rows(x, y, w, |x, y, w, _| {
            let data = BinnedData::new(x, params.max_bins, seed);
            let usable = usable_features(&data);
            let cfg = CartConfig {
                max_depth: params.max_depth,
                min_samples_leaf: params.min_samples_leaf,
                mtry: usable.len(),
                criterion: params.criterion,
                min_gain: params.min_gain,
            };
            let g: Vec<f64> = w.iter().zip(y).map(|(&wi, &yi)| if yi { wi } else { 0.0 }).collect();
            let rows: Vec<u32> = (0..x.n_rows() as u32).collect();
            // Every feature is tried at every split, so the generator is never drawn from.
            let mut rng = Rng::new(seed);
            let tree = grow(&data, &g, w, rows, &usable, &cfg, &mut rng);
            Ok(DecisionTreeModel { n_features: x.n_cols(), tree, shap: ShapCache::default() })
        })
    }

    /// Probability (leaf weighted positive fraction) of one row.
    pub fn predict_proba_row(&self, row: &[f64]) -> f64 {
        self.tree.predict_row(row)
    }

    /// Raw score (clipped log-odds of the leaf probability) of one row.
    pub fn predict_raw_row(&self, row: &[f64]) -> f64 {
        logit_clipped(self.tree.predict_row(row))
    }

    /// Raw scores of every row of `x`, in parallel over blocks of rows.
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
        self.tree.add_rows(rows, p, out);
        for o in out.iter_mut() {
            *o = logit_clipped(*o);
        }
    }

    /// Split gain per feature.
    pub fn feature_importance_gain(&self, n_features: usize) -> Vec<f64> {
        let mut out = vec![0.0; n_features];
        self.tree.add_gain_importance(&mut out, 1.0);
        out
    }

    /// TreeSHAP in raw (log-odds) space (probability-space attributions rescaled so that
    /// `base + Σ phi == predict_raw_row(row)`; see [`crate::RandomForestModel::shap_values`]).
    pub fn shap_values(&self, row: &[f64]) -> (f64, Vec<f64>) {
        let trees = std::slice::from_ref(&self.tree);
        shap_prob_to_raw(trees, self.shap.get(trees), self.n_features, row)
    }
}

impl crate::Family for DecisionTreeModel {
    const NAME: &'static str = "tree";
    type Params = TreeParams;

    fn describe(p: &TreeParams) -> String {
        format!("depth={} min_leaf={}", crate::family::or_none(p.0.max_depth), p.0.min_samples_leaf)
    }

    /// Three depths, with leaves of at least 0.5% of the rows (5 to 50).
    fn search_space(_seed: u64, n_rows: usize) -> Vec<TreeParams> {
        let leaf = (n_rows / 200).clamp(5, 50);
        [4, 6, 8].into_iter().map(|d| TreeParams::default().max_depth(Some(d)).min_samples_leaf(leaf)).collect()
    }

    fn fit(
        p: &TreeParams,
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        _valid: Option<crate::EvalSet<'_>>,
        seed: u64,
    ) -> Result<Self, LearnError> {
        DecisionTreeModel::fit(x, y, w, p.check_ref()?, seed)
    }
}

crate::family::fitted_trees!(DecisionTreeModel, trees: |m| std::slice::from_ref(&m.tree), averaged: true, init: |_m| 0.0);
