//! The learner stored in a model file.

use churn_learn::{DecisionTreeModel, GbdtModel, LogisticRegression, Matrix, RandomForestModel};
use serde::{Deserialize, Serialize};

/// A fitted learner; every variant predicts log-odds of churn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Learner {
    /// L2-regularised logistic regression on the preprocessed inputs.
    Logistic(LogisticRegression),
    /// Histogram gradient-boosted trees.
    Gbdt(GbdtModel),
    /// Random forest (probability = mean of leaf probabilities).
    Forest(RandomForestModel),
    /// A single decision tree.
    Tree(DecisionTreeModel),
    /// A weighted sum of other learners' log-odds (an ensemble of family winners).
    Blend(Blend),
}

/// Learners fitted on the same inputs, combined as `intercept + Σ weight · log-odds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blend {
    /// Added to the weighted sum.
    pub intercept: f64,
    /// Weight of each member's log-odds.
    pub weights: Vec<f64>,
    /// The members (never blends themselves).
    pub members: Vec<Learner>,
}

impl Blend {
    /// Checks the weights and that the members take the same inputs.
    pub fn validate(&self) -> Result<(), String> {
        if self.members.is_empty() || self.weights.len() != self.members.len() {
            return Err(format!("{} members but {} weights", self.members.len(), self.weights.len()));
        }
        if !self.intercept.is_finite() || self.weights.iter().any(|w| !w.is_finite()) {
            return Err("a weight or the intercept is not finite".into());
        }
        let n = self.members[0].n_inputs();
        if let Some(m) = self.members.iter().find(|m| m.n_inputs() != n || matches!(m, Learner::Blend(_))) {
            return Err(format!("member `{}` does not take the blend's {n} inputs (or is a blend)", m.name()));
        }
        Ok(())
    }
}

impl Learner {
    /// Short name, as used by `--models`.
    pub fn name(&self) -> &'static str {
        match self {
            Learner::Logistic(_) => "logistic",
            Learner::Gbdt(_) => "gbdt",
            Learner::Forest(_) => "forest",
            Learner::Tree(_) => "tree",
            Learner::Blend(_) => "blend",
        }
    }

    /// One learner averaging `learners` (all of one kind, fitted on the same inputs): the mean
    /// raw score for boosting and logistic regression, the mean probability for forests (all
    /// their trees together). `None` for single trees, mixed kinds or no learner.
    pub fn average(learners: &[Learner]) -> Option<Learner> {
        macro_rules! all {
            ($v:ident) => {
                learners
                    .iter()
                    .map(|l| if let Learner::$v(m) = l { Some(m.clone()) } else { None })
                    .collect::<Option<Vec<_>>>()
            };
        }
        match learners.first()? {
            Learner::Logistic(_) => LogisticRegression::average(&all!(Logistic)?).map(Learner::Logistic),
            Learner::Gbdt(_) => GbdtModel::average(&all!(Gbdt)?).map(Learner::Gbdt),
            Learner::Forest(_) => RandomForestModel::merge(&all!(Forest)?).map(Learner::Forest),
            Learner::Tree(_) | Learner::Blend(_) => None,
        }
    }

    /// Log-odds of churn for one preprocessed row.
    #[inline]
    pub fn predict_raw_row(&self, row: &[f64]) -> f64 {
        match self {
            Learner::Logistic(m) => m.predict_raw_row(row),
            Learner::Gbdt(m) => m.predict_raw_row(row),
            Learner::Forest(m) => m.predict_raw_row(row),
            Learner::Tree(m) => m.predict_raw_row(row),
            Learner::Blend(b) => {
                b.members.iter().zip(&b.weights).fold(b.intercept, |s, (m, w)| s + w * m.predict_raw_row(row))
            }
        }
    }

    /// Log-odds of churn for `out.len()` preprocessed rows stored row-major in `rows`, `p`
    /// values each; the same values as [`Self::predict_raw_row`] row by row, computed a block
    /// at a time (tree learners walk several rows down each tree together).
    pub fn predict_raw_rows(&self, rows: &[f64], p: usize, out: &mut [f64]) {
        match self {
            Learner::Logistic(m) => {
                for (o, row) in out.iter_mut().zip(rows.chunks_exact(p)) {
                    *o = m.predict_raw_row(row);
                }
            }
            Learner::Gbdt(m) => m.predict_raw_rows(rows, p, out),
            Learner::Forest(m) => m.predict_raw_rows(rows, p, out),
            Learner::Tree(m) => m.predict_raw_rows(rows, p, out),
            Learner::Blend(b) => {
                out.fill(b.intercept);
                let mut part = vec![0.0; out.len()];
                for (m, w) in b.members.iter().zip(&b.weights) {
                    m.predict_raw_rows(rows, p, &mut part);
                    out.iter_mut().zip(&part).for_each(|(o, v)| *o += w * v);
                }
            }
        }
    }

    /// Log-odds of churn for every row of `x`.
    pub fn predict_raw(&self, x: &Matrix) -> Vec<f64> {
        match self {
            Learner::Logistic(m) => m.predict_raw(x),
            Learner::Gbdt(m) => m.predict_raw(x),
            Learner::Forest(m) => m.predict_raw(x),
            Learner::Tree(m) => m.predict_raw(x),
            Learner::Blend(b) => {
                let mut out = vec![b.intercept; x.n_rows()];
                for (m, w) in b.members.iter().zip(&b.weights) {
                    out.iter_mut().zip(m.predict_raw(x)).for_each(|(o, v)| *o += w * v);
                }
                out
            }
        }
    }

    /// Number of inputs the learner expects.
    pub fn n_inputs(&self) -> usize {
        match self {
            Learner::Logistic(m) => m.coef.len(),
            Learner::Gbdt(m) => m.n_features,
            Learner::Forest(m) => m.n_features,
            Learner::Tree(m) => m.n_features,
            Learner::Blend(b) => b.members.first().map_or(0, Learner::n_inputs),
        }
    }

    /// Exact additive attribution of the log-odds of one row: `(base, contributions)` with
    /// `base + Σ contributions == predict_raw_row(row)`. Logistic regression: `coef_j (x_j - mean_j)`
    /// relative to the training means `means`; tree models: exact path-dependent TreeSHAP;
    /// a blend: its members' attributions, weighted.
    pub fn contributions(&self, row: &[f64], means: &[f64]) -> (f64, Vec<f64>) {
        match self {
            Learner::Logistic(m) => m.contributions(row, means),
            Learner::Gbdt(m) => m.shap_values(row),
            Learner::Forest(m) => m.shap_values(row),
            Learner::Tree(m) => m.shap_values(row),
            Learner::Blend(b) => {
                let mut base = b.intercept;
                let mut out = vec![0.0; row.len()];
                for (m, w) in b.members.iter().zip(&b.weights) {
                    let (mb, c) = m.contributions(row, means);
                    base += w * mb;
                    out.iter_mut().zip(c).for_each(|(o, v)| *o += w * v);
                }
                (base, out)
            }
        }
    }

    /// The learner's own importance per input: `|coefficient|` for logistic regression (numeric
    /// inputs are standardised, one-hot inputs are 0/1), total split gain for tree models.
    /// Returns the method's name and one value per input.
    pub fn native_importance(&self) -> (&'static str, Vec<f64>) {
        let n = self.n_inputs();
        match self {
            Learner::Logistic(m) => ("absolute standardised coefficient", m.coef.iter().map(|c| c.abs()).collect()),
            Learner::Gbdt(m) => ("total split gain", m.feature_importance_gain(n)),
            Learner::Forest(m) => ("total split gain", m.feature_importance_gain(n)),
            Learner::Tree(m) => ("total split gain", m.feature_importance_gain(n)),
            Learner::Blend(b) => {
                let mut out = vec![0.0; n];
                for (m, w) in b.members.iter().zip(&b.weights) {
                    let v = m.native_importance().1;
                    let total: f64 = v.iter().sum();
                    if total > 0.0 {
                        out.iter_mut().zip(v).for_each(|(o, x)| *o += w.abs() * x / total);
                    }
                }
                ("members' own importances, each scaled to sum 1, weighted", out)
            }
        }
    }
}
