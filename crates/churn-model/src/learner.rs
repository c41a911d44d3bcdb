//! The learner family registry, and the learner stored in a model file.
//!
//! `families!` (below) lists every learner family once: the variant name (also the family's name in
//! snake case, as `churn_learn::Family::NAME` spells it: a test checks they agree) and the
//! fitted model type, which implements [`churn_learn::Family`] in its own file. From that list
//! come the model file's [`Learner`] (tagged by `kind`), the [`ModelKind`] names of
//! `churn train --models`, and the [`CandidateParams`] the search fits and prints in the
//! leaderboard. Adding a learner is implementing `Family` beside it and adding a line here.

use churn_learn::{
    DecisionTreeModel, EvalSet, Family, Fitted, GbdtModel, LearnError, LogisticRegression, Matrix, RandomForestModel,
    Tree,
};
use serde::{Deserialize, Serialize};

macro_rules! families {
    ($($(#[$doc:meta])* $v:ident => $model:ty,)*) => {
        /// A fitted learner; every variant predicts log-odds of churn.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        pub enum Learner {
            $($(#[$doc])* $v($model),)*
            /// A weighted sum of other learners' log-odds (an ensemble of family winners).
            Blend(Blend),
        }

        /// A family of learners `churn train --models` can choose from.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ModelKind {
            $($(#[$doc])* $v,)*
        }

        impl ModelKind {
            /// Every kind, in the order candidates are trained.
            pub const ALL: &'static [ModelKind] = &[$(ModelKind::$v),*];

            /// The name used on the command line and in the model file.
            pub fn name(self) -> &'static str {
                match self {
                    $(ModelKind::$v => <$model as Family>::NAME,)*
                }
            }

            /// The family's seeded search space for `n_rows` training rows: the defaults first.
            pub fn search_space(self, seed: u64, n_rows: usize) -> Vec<CandidateParams> {
                match self {
                    $(ModelKind::$v => {
                        <$model as Family>::search_space(seed, n_rows).into_iter().map(CandidateParams::$v).collect()
                    })*
                }
            }
        }

        /// One point of the search: a learner family with its hyperparameters.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        pub enum CandidateParams {
            $($(#[$doc])* $v(<$model as Family>::Params),)*
        }

        impl CandidateParams {
            /// The family.
            pub fn kind(&self) -> ModelKind {
                match self {
                    $(CandidateParams::$v(_) => ModelKind::$v,)*
                }
            }

            /// A short human-readable description of the settings (the leaderboard's).
            pub fn describe(&self) -> String {
                match self {
                    $(CandidateParams::$v(p) => <$model as Family>::describe(p),)*
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
                    $(CandidateParams::$v(p) => Learner::$v(<$model as Family>::fit(p, x, y, w, valid, seed)?),)*
                })
            }

            /// Fits on the training rows of fold `fold.0` of a `fold.1`-fold cross-validation,
            /// with the held-out rows as `valid` (see [`Family::fit_fold`]: boosting with early
            /// stopping keeps every round it grew, a forest grows `1 / folds` of its trees). Each
            /// fold draws its own random streams.
            pub fn fit_fold(
                &self,
                x: &Matrix,
                y: &[bool],
                w: &[f64],
                valid: EvalSet<'_>,
                seed: u64,
                (fold, folds): (usize, usize),
            ) -> Result<Learner, LearnError> {
                let seed = churn_core::rng::Rng::derive(seed, 0xf01d_0000 + fold as u64).next_u64();
                Ok(match self {
                    $(CandidateParams::$v(p) => {
                        Learner::$v(<$model as Family>::fit_fold(p, x, y, w, valid, seed, folds)?)
                    })*
                })
            }

            /// The learners of one candidate (one per held-out set, all fitted with these
            /// settings) and the settings of its final fit: under cross-validation, the family
            /// may cut its fold models to common settings ([`Family::cross_validated`]);
            /// otherwise the learners as fitted, with the settings of a refit on more rows
            /// ([`Family::refit_params`]).
            pub fn final_fits(&self, learners: &[Learner], cv: bool) -> (Vec<Learner>, CandidateParams) {
                match self {
                    $(CandidateParams::$v(p) => {
                        let models: Vec<&$model> = learners
                            .iter()
                            .map(|l| match l {
                                Learner::$v(m) => m,
                                _ => unreachable!("a candidate fits learners of its own family"),
                            })
                            .collect();
                        if let Some((cut, p)) = cv.then(|| <$model as Family>::cross_validated(p, &models)).flatten() {
                            return (cut.into_iter().map(Learner::$v).collect(), CandidateParams::$v(p));
                        }
                        let refit = <$model as Family>::refit_params(p, models[0]);
                        (learners.to_vec(), CandidateParams::$v(refit))
                    })*
                }
            }
        }

        impl Learner {
            /// Short name, as used by `--models` (`blend` for a blend).
            pub fn name(&self) -> &'static str {
                match self {
                    $(Learner::$v(_) => <$model as Family>::NAME,)*
                    Learner::Blend(_) => "blend",
                }
            }

            /// The fitted model of a single family, or the blend.
            pub fn single(&self) -> Result<&dyn Fitted, &Blend> {
                match self {
                    $(Learner::$v(m) => Ok(m),)*
                    Learner::Blend(b) => Err(b),
                }
            }

            /// One learner averaging `learners` (all of one kind, fitted on the same inputs): the
            /// mean raw score for boosting and logistic regression, the mean probability for
            /// forests (all their trees together). `None` for single trees, mixed kinds or no
            /// learner (see [`Family::average`]).
            pub fn average(learners: &[Learner]) -> Option<Learner> {
                match learners.first()? {
                    $(Learner::$v(_) => {
                        let models = learners
                            .iter()
                            .map(|l| if let Learner::$v(m) = l { Some(m.clone()) } else { None })
                            .collect::<Option<Vec<_>>>()?;
                        <$model as Family>::average(&models).map(Learner::$v)
                    })*
                    Learner::Blend(_) => None,
                }
            }
        }
    };
}

families! {
    /// L2-regularised logistic regression on the preprocessed inputs.
    Logistic => LogisticRegression,
    /// Histogram gradient-boosted trees.
    Gbdt => GbdtModel,
    /// Random forest (probability = mean of leaf probabilities).
    Forest => RandomForestModel,
    /// A single decision tree.
    Tree => DecisionTreeModel,
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
    /// Log-odds of churn for one preprocessed row.
    #[inline]
    pub fn predict_raw_row(&self, row: &[f64]) -> f64 {
        match self.single() {
            Ok(m) => m.predict_raw_row(row),
            Err(b) => b.members.iter().zip(&b.weights).fold(b.intercept, |s, (m, w)| s + w * m.predict_raw_row(row)),
        }
    }

    /// Log-odds of churn for `out.len()` preprocessed rows stored row-major in `rows`, `p`
    /// values each; the same values as [`Self::predict_raw_row`] row by row, computed a block
    /// at a time (tree learners walk several rows down each tree together).
    pub fn predict_raw_rows(&self, rows: &[f64], p: usize, out: &mut [f64]) {
        match self.single() {
            Ok(m) => m.predict_raw_rows(rows, p, out),
            Err(b) => {
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
        match self.single() {
            Ok(m) => m.predict_raw(x),
            Err(b) => {
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
        match self.single() {
            Ok(m) => m.n_inputs(),
            Err(b) => b.members.first().map_or(0, Learner::n_inputs),
        }
    }

    /// Exact additive attribution of the log-odds of one row: `(base, contributions)` with
    /// `base + Σ contributions == predict_raw_row(row)`. Logistic regression: `coef_j (x_j - mean_j)`
    /// relative to the training means `means`; tree models: exact path-dependent TreeSHAP;
    /// a blend: its members' attributions, weighted.
    pub fn contributions(&self, row: &[f64], means: &[f64]) -> (f64, Vec<f64>) {
        match self.single() {
            Ok(m) => m.contributions(row, means),
            Err(b) => {
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
        match self.single() {
            Ok(m) => m.native_importance(),
            Err(b) => {
                let mut out = vec![0.0; self.n_inputs()];
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

    /// The trees of a tree model, and whether they are averaged in probability space (forests,
    /// single trees) rather than added in log-odds (boosting).
    pub fn trees(&self) -> Option<(&[Tree], bool)> {
        self.single().ok()?.trees()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model file's `kind` (serde's snake case of the variant) is the family's own name.
    #[test]
    fn serde_names_are_the_family_names() {
        for &k in ModelKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::Value::from(k.name()));
            assert_eq!(k.name().parse::<ModelKind>().unwrap(), k);
            for p in k.search_space(7, 1000) {
                assert_eq!(p.kind(), k);
                assert_eq!(serde_json::to_value(&p).unwrap()["kind"], serde_json::Value::from(k.name()));
            }
        }
        assert!("svm".parse::<ModelKind>().unwrap_err().contains("known: auto, logistic, gbdt, forest, tree"));
    }
}
