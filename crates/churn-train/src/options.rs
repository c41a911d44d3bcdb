//! What training takes ([`TrainOptions`], with [`ClassWeight`] and [`SelectBy`]) and what it
//! gives back ([`TrainOutcome`]).

use std::collections::BTreeMap;
use std::path::PathBuf;

use churn_core::schema::ColumnKind;
use churn_core::Bands;
use churn_model::ModelFile;

use crate::{ModelKind, SplitFractions};

/// How rows of each class are weighted in the loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClassWeight {
    /// `n / (2 * n_class)` for each class, as scikit-learn's `balanced`.
    Balanced,
    /// All rows weigh 1 (default: the best calibrated, see the README's training section).
    None,
    /// Explicit weights for churned and retained rows.
    Explicit {
        /// Weight of churned rows.
        churned: f64,
        /// Weight of retained rows.
        retained: f64,
    },
}

impl std::str::FromStr for ClassWeight {
    type Err = String;
    /// `balanced`, `none`, or `CHURNED:RETAINED` (e.g. `3:1`).
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "balanced" => Ok(ClassWeight::Balanced),
            "none" => Ok(ClassWeight::None),
            _ => {
                let (a, b) =
                    s.split_once(':').ok_or_else(|| format!("'{s}' is not balanced, none or CHURNED:RETAINED"))?;
                let parse = |t: &str| t.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0);
                match (parse(a), parse(b)) {
                    (Some(churned), Some(retained)) => Ok(ClassWeight::Explicit { churned, retained }),
                    _ => Err(format!("'{s}': both weights must be positive numbers")),
                }
            }
        }
    }
}

/// The validation metric that ranks candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectBy {
    /// ROC AUC (higher is better; default).
    Auc,
    /// Average precision (higher is better).
    PrAuc,
    /// Log loss of calibrated probabilities (lower is better).
    LogLoss,
}

impl SelectBy {
    /// Every metric, in the order the command line lists them.
    pub const ALL: [SelectBy; 3] = [SelectBy::Auc, SelectBy::PrAuc, SelectBy::LogLoss];

    /// Name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SelectBy::Auc => "auc",
            SelectBy::PrAuc => "pr_auc",
            SelectBy::LogLoss => "log_loss",
        }
    }

    /// The paired test of the selection guard with this metric (see `select::paired_se`).
    pub(crate) fn paired_test(self) -> &'static str {
        match self {
            SelectBy::Auc => "DeLong",
            SelectBy::LogLoss => "paired per-row",
            SelectBy::PrAuc => "paired bootstrap",
        }
    }

    /// A difference of [`Self::score`]s on the metric's own scale (log loss: lower is better).
    pub(crate) fn shown(self, d: f64) -> f64 {
        if self == SelectBy::LogLoss {
            -d
        } else {
            d
        }
    }

    /// A score where larger is better.
    pub(crate) fn score(self, m: &churn_eval::Metrics) -> f64 {
        match self {
            SelectBy::Auc => m.auc.unwrap_or(f64::NEG_INFINITY),
            SelectBy::PrAuc => m.pr_auc.unwrap_or(f64::NEG_INFINITY),
            SelectBy::LogLoss => -m.log_loss,
        }
    }
}

impl std::str::FromStr for SelectBy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        SelectBy::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| {
            let known: Vec<&str> = SelectBy::ALL.iter().map(|m| m.name()).collect();
            format!("unknown selection metric '{s}' (known: {})", known.join(", "))
        })
    }
}

/// Parses a cross-validation setting as `churn train --cv-folds` takes it: `auto` (`None`: the
/// training default), `off` (`Some(0)`: the validation split) or a fold count of at least 2.
pub fn parse_cv_folds(s: &str) -> Result<Option<usize>, String> {
    match s.trim() {
        "auto" => Ok(None),
        "off" => Ok(Some(0)),
        k => match k.parse::<usize>() {
            Ok(k) if k == 0 || k >= 2 => Ok(Some(k)),
            Ok(_) => Err(format!("'{k}': must be 0 (off) or at least 2")),
            Err(_) => Err(format!("'{k}': auto, off or a number")),
        },
    }
}

/// Everything [`crate::train`] needs.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Training data (CSV or CSV.gz).
    pub data: PathBuf,
    /// Label column.
    pub label: String,
    /// The label value meaning churn (guessed for yes/no, true/false, 1/0 labels).
    pub positive: Option<String>,
    /// The label values meaning retained (default: the one other value).
    pub negative: Option<Vec<String>>,
    /// Identifier column.
    pub id: Option<String>,
    /// Columns never used as features.
    pub drop: Vec<String>,
    /// Identifier-like columns to use anyway.
    pub keep: Vec<String>,
    /// Column type overrides.
    pub overrides: BTreeMap<String, ColumnKind>,
    /// Seed of the split and every random choice.
    pub seed: u64,
    /// Split fractions.
    pub fractions: SplitFractions,
    /// Class weighting.
    pub class_weight: ClassWeight,
    /// Risk tiers stored in the model (with [`churn_core::tiers::TierScheme::Percentile`], their names and actions).
    pub tiers: Bands,
    /// `absolute` (default): `tiers` as given; `percentile`: cut points at quantiles of the
    /// test split's calibrated probabilities (see [`churn_core::tiers`]).
    pub tier_scheme: churn_core::tiers::TierScheme,
    /// Health states stored in the model.
    pub health_states: Bands,
    /// Model name (default: the data file's stem).
    pub name: Option<String>,
    /// Version label stored in the model.
    pub version: String,
    /// Learner families to try (empty = all, i.e. `--models auto`).
    pub models: Vec<ModelKind>,
    /// The validation metric that picks the winner.
    pub select: SelectBy,
    /// Feature dictionary carried into the model file (from `churn features`).
    pub features: Option<churn_features::FeatureDictionary>,
    /// After calibration, refit the learner on train + validation rows (default true). The
    /// calibrator stays the one fitted on validation predictions of the train-only fit, as in
    /// scikit-learn's `CalibratedClassifierCV(ensemble=False)`; the test split stays unseen.
    /// Without a refit the model is the learner fitted on the training split, so candidates
    /// are judged on the validation split (cross-validation models have seen those rows).
    pub refit: bool,
    /// Train every gradient-boosting candidate for exactly this many rounds, without early
    /// stopping (default: up to 1000 rounds, stopped by the validation loss).
    pub gbdt_trees: Option<usize>,
    /// Rank and calibrate candidates by k-fold cross-validation on train + validation
    /// (`Some(k)`, k ≥ 2), on the validation split (`Some(0)`), or automatically (`None`,
    /// default): cross-validation unless train + validation hold more than [`crate::CV_MAX_CELLS`]
    /// rows × model inputs.
    pub cv_folds: Option<usize>,
}

impl TrainOptions {
    /// Options with defaults for everything but the data and label.
    pub fn new(data: impl Into<PathBuf>, label: impl Into<String>) -> TrainOptions {
        TrainOptions {
            data: data.into(),
            label: label.into(),
            positive: None,
            negative: None,
            id: None,
            drop: Vec::new(),
            keep: Vec::new(),
            overrides: BTreeMap::new(),
            seed: 42,
            fractions: SplitFractions::default(),
            class_weight: ClassWeight::None,
            tiers: Bands::default_tiers(),
            tier_scheme: Default::default(),
            health_states: Bands::default_health_states(),
            name: None,
            version: "1".into(),
            models: Vec::new(),
            select: SelectBy::Auc,
            refit: true,
            features: None,
            gbdt_trees: None,
            cv_folds: None,
        }
    }
}

/// The trained model and what happened along the way.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// The model file to save.
    pub model: ModelFile,
    /// Wall-clock seconds of the whole search, calibration and refit.
    pub fit_seconds: f64,
    /// Seconds each leaderboard candidate took to fit (kept out of the model file, which
    /// must be byte-identical for a seed).
    pub candidate_seconds: Vec<f64>,
    /// What training set aside or found suspicious in the data, one line per column: values
    /// of a numeric column that are not numbers (treated as missing), single values that
    /// dominate a column.
    pub warnings: Vec<String>,
    /// The test split: rows of the table (0-based, in split order) that training never used
    /// to fit or choose anything, on which `train --report` builds its report.
    pub test_rows: Vec<usize>,
}
