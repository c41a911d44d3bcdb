//! Candidate learners and their small, seeded hyperparameter search.

use churn_core::rng::Rng;
use churn_learn::{
    DecisionTreeModel, EvalSet, ForestParams, GbdtModel, GbdtParams, LearnError, LogisticParams, LogisticRegression,
    Matrix, RandomForestModel, TreeParams,
};
use churn_model::Learner;
use serde::{Deserialize, Serialize};

/// A family of learners `churn train --models` can choose from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// L2 logistic regression.
    Logistic,
    /// Histogram gradient-boosted trees.
    Gbdt,
    /// Random forest.
    Forest,
    /// A single decision tree.
    Tree,
}

impl ModelKind {
    /// Every kind, in the order candidates are trained.
    pub const ALL: &'static [ModelKind] = &[ModelKind::Logistic, ModelKind::Gbdt, ModelKind::Forest, ModelKind::Tree];

    /// The name used on the command line and in the model file.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Logistic => "logistic",
            ModelKind::Gbdt => "gbdt",
            ModelKind::Forest => "forest",
            ModelKind::Tree => "tree",
        }
    }
}

impl std::str::FromStr for ModelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ModelKind::ALL.iter().copied().find(|k| k.name() == s.trim()).ok_or_else(|| {
            format!(
                "unknown model '{s}' (known: auto, {})",
                ModelKind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
            )
        })
    }
}

/// One point of the search: a learner family with its hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CandidateParams {
    /// Logistic regression settings.
    Logistic(LogisticParams),
    /// Gradient boosting settings.
    Gbdt(GbdtParams),
    /// Random forest settings.
    Forest(ForestParams),
    /// Decision tree settings.
    Tree(TreeParams),
}

impl CandidateParams {
    /// The family.
    pub fn kind(&self) -> ModelKind {
        match self {
            CandidateParams::Logistic(_) => ModelKind::Logistic,
            CandidateParams::Gbdt(_) => ModelKind::Gbdt,
            CandidateParams::Forest(_) => ModelKind::Forest,
            CandidateParams::Tree(_) => ModelKind::Tree,
        }
    }

    /// A short human-readable description of the settings.
    pub fn describe(&self) -> String {
        match self {
            CandidateParams::Logistic(p) => format!("C={}", p.c),
            CandidateParams::Gbdt(p) => format!(
                "leaves={} lr={} min_leaf={} l2={} cols={} rows={}",
                p.num_leaves, p.learning_rate, p.min_data_in_leaf, p.lambda_l2, p.feature_fraction, p.bagging_fraction
            ),
            CandidateParams::Forest(p) => format!(
                "trees={} min_leaf={} depth={}",
                p.n_trees,
                p.min_samples_leaf,
                p.max_depth.map_or("none".to_string(), |d| d.to_string())
            ),
            CandidateParams::Tree(p) => format!(
                "depth={} min_leaf={}",
                p.max_depth.map_or("none".to_string(), |d| d.to_string()),
                p.min_samples_leaf
            ),
        }
    }

    /// Fits on the training rows; `valid` drives early stopping where the learner has it.
    pub fn fit(
        &self,
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        valid: Option<EvalSet<'_>>,
        seed: u64,
    ) -> Result<Learner, LearnError> {
        Ok(match self {
            CandidateParams::Logistic(p) => Learner::Logistic(LogisticRegression::fit(x, y, w, p)?),
            CandidateParams::Gbdt(p) => Learner::Gbdt(GbdtModel::fit(x, y, w, p, seed, valid)?),
            CandidateParams::Forest(p) => Learner::Forest(RandomForestModel::fit(x, y, w, p, seed)?),
            CandidateParams::Tree(p) => Learner::Tree(DecisionTreeModel::fit(x, y, w, p, seed)?),
        })
    }

    /// Fits on the training rows of fold `fold.0` of a `fold.1`-fold cross-validation, with the
    /// held-out rows as `valid`. As [`Self::fit`], except that boosting with early stopping
    /// keeps every round it grew, so that the number of rounds can be chosen on the mean loss
    /// of all folds, and that a forest grows `1 / folds` of its trees (rounded up), so that
    /// the fold forests together are a forest of the configured size. Each fold draws its
    /// own random streams.
    pub fn fit_fold(
        &self,
        x: &Matrix,
        y: &[bool],
        w: &[f64],
        valid: EvalSet<'_>,
        seed: u64,
        (fold, folds): (usize, usize),
    ) -> Result<Learner, LearnError> {
        let seed = Rng::derive(seed, 0xf01d_0000 + fold as u64).next_u64();
        match self {
            CandidateParams::Gbdt(p) if p.early_stopping_rounds.is_some() => {
                Ok(Learner::Gbdt(GbdtModel::fit_path(x, y, w, p, seed, valid)?))
            }
            CandidateParams::Forest(p) => Ok(Learner::Forest(RandomForestModel::fit(
                x,
                y,
                w,
                &ForestParams { n_trees: p.n_trees.div_ceil(folds.max(1)), ..p.clone() },
                seed,
            )?)),
            _ => self.fit(x, y, w, Some(valid), seed),
        }
    }

    /// The same settings for a refit on more rows without a validation set: boosting keeps
    /// the number of rounds early stopping chose.
    pub fn for_refit(&self, fitted: &Learner) -> CandidateParams {
        match (self, fitted) {
            (CandidateParams::Gbdt(p), Learner::Gbdt(m)) => CandidateParams::Gbdt(GbdtParams {
                n_trees: m.trees.len().max(1),
                early_stopping_rounds: None,
                ..p.clone()
            }),
            _ => self.clone(),
        }
    }
}

/// The seeded search space of one family: the defaults first, then a few random variations.
pub fn search_space(kind: ModelKind, seed: u64, n_rows: usize) -> Vec<CandidateParams> {
    match kind {
        ModelKind::Forest => {
            // One well-tested configuration: averaging many deep trees needs little tuning.
            vec![CandidateParams::Forest(ForestParams { n_trees: 300, min_samples_leaf: 3, ..ForestParams::default() })]
        }
        ModelKind::Tree => [4, 6, 8]
            .into_iter()
            .map(|d| {
                let leaf = (n_rows / 200).clamp(5, 50);
                CandidateParams::Tree(TreeParams {
                    max_depth: Some(d),
                    min_samples_leaf: leaf,
                    ..TreeParams::default()
                })
            })
            .collect(),
        ModelKind::Logistic => [0.03, 0.3, 1.0, 3.0]
            .into_iter()
            .map(|c| CandidateParams::Logistic(LogisticParams { c, ..LogisticParams::default() }))
            .collect(),
        ModelKind::Gbdt => {
            // Small data sets need smaller leaves: at least 0.5% of the training rows (5 to
            // 20, LightGBM's default). The rounds are chosen by early stopping.
            let base = GbdtParams {
                n_trees: 1000,
                learning_rate: 0.05,
                num_leaves: 15,
                min_data_in_leaf: (n_rows / 200).clamp(5, 20),
                lambda_l2: 1.0,
                feature_fraction: 0.8,
                bagging_fraction: 1.0,
                early_stopping_rounds: Some(30),
                ..GbdtParams::default()
            };
            let mut out = vec![CandidateParams::Gbdt(base.clone())];
            let mut rng = Rng::derive(seed, 0x6bd7);
            let pick = |rng: &mut Rng, v: &[f64]| v[rng.below(v.len() as u64) as usize];
            let max_leaf = (n_rows / 50).clamp(10, 100) as f64;
            while out.len() < 6 {
                let p = GbdtParams {
                    num_leaves: pick(&mut rng, &[7.0, 15.0, 31.0, 63.0]) as usize,
                    min_data_in_leaf: pick(&mut rng, &[5.0, 10.0, 20.0, 40.0, max_leaf]) as usize,
                    lambda_l2: pick(&mut rng, &[0.0, 1.0, 5.0]),
                    feature_fraction: pick(&mut rng, &[0.6, 0.8, 1.0]),
                    bagging_fraction: pick(&mut rng, &[0.7, 1.0]),
                    learning_rate: pick(&mut rng, &[0.03, 0.05, 0.1]),
                    ..base.clone()
                };
                let c = CandidateParams::Gbdt(p);
                if !out.contains(&c) {
                    out.push(c);
                }
            }
            out
        }
    }
}
