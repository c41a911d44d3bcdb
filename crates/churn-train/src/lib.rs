//! Training pipeline of the churn toolkit.
//!
//! One call, [`train`], turns a labeled table into a [`ModelFile`]: resolve the label and the
//! feature columns, split rows 70/15/15 (stratified, seeded), fit preprocessing on the training
//! split only, fit the learner with class weights that really enter its loss, Platt-calibrate
//! on the validation split, and measure both raw and calibrated probabilities on the test split
//! the model never saw.
#![warn(missing_docs)]

pub mod candidates;
pub mod split;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

use churn_core::schema::{choose_features, resolve_label, ColumnKind, Roles};
use churn_core::{Bands, Table};
use churn_learn::{Matrix, Platt};
use churn_model::{
    Importance, LeaderboardEntry, Learner, ModelFile, Preprocessor, Schema, SplitInfo, SplitMetrics, TrainingSummary,
};

pub use candidates::{search_space, CandidateParams, ModelKind};
pub use split::{grouped_split, stratified_split, Split, SplitFractions};

/// Errors of the training pipeline.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// Data-layer error.
    #[error(transparent)]
    Core(#[from] churn_core::CoreError),
    /// Model-layer error.
    #[error(transparent)]
    Model(#[from] churn_model::ModelError),
    /// Learner error.
    #[error(transparent)]
    Learn(#[from] churn_learn::LearnError),
    /// Metric error.
    #[error(transparent)]
    Eval(#[from] churn_eval::EvalError),
    /// An option is invalid.
    #[error("invalid {option}: {reason}")]
    InvalidOption {
        /// Which option.
        option: &'static str,
        /// Why.
        reason: String,
    },
    /// A class is too small to appear in every split.
    #[error("only {rows} {class} rows: too few to split into train, validation and test sets (need at least 3, and more for a useful model)")]
    TooFewRows {
        /// "churned" or "retained".
        class: &'static str,
        /// Rows of that class.
        rows: usize,
    },
    /// No usable feature column is left.
    #[error("no feature columns left to learn from (excluded: {excluded})")]
    NoFeatures {
        /// The excluded columns and reasons.
        excluded: String,
    },
}

/// How rows of each class are weighted in the loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClassWeight {
    /// `n / (2 * n_class)` for each class, as scikit-learn's `balanced` (default).
    Balanced,
    /// All rows weigh 1.
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
    /// Name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SelectBy::Auc => "auc",
            SelectBy::PrAuc => "pr_auc",
            SelectBy::LogLoss => "log_loss",
        }
    }

    /// A score where larger is better.
    fn score(self, m: &churn_eval::Metrics) -> f64 {
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
        match s {
            "auc" => Ok(SelectBy::Auc),
            "pr_auc" => Ok(SelectBy::PrAuc),
            "log_loss" => Ok(SelectBy::LogLoss),
            _ => Err(format!("unknown selection metric '{s}' (known: auc, pr_auc, log_loss)")),
        }
    }
}

/// Everything [`train`] needs.
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
    /// Risk tiers stored in the model.
    pub tiers: Bands,
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
    pub refit: bool,
    /// Train every gradient-boosting candidate for exactly this many rounds, without early
    /// stopping (default: up to 1000 rounds, stopped by the validation loss).
    pub gbdt_trees: Option<usize>,
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
            class_weight: ClassWeight::Balanced,
            tiers: Bands::default_tiers(),
            health_states: Bands::default_health_states(),
            name: None,
            version: "1".into(),
            models: Vec::new(),
            select: SelectBy::Auc,
            refit: true,
            features: None,
            gbdt_trees: None,
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
}

fn split_info(y: &[bool], rows: &[usize]) -> SplitInfo {
    let churned = rows.iter().filter(|&&i| y[i]).count();
    SplitInfo { rows: rows.len(), churned, churn_rate: churned as f64 / rows.len().max(1) as f64 }
}

fn subset<T: Copy>(v: &[T], rows: &[usize]) -> Vec<T> {
    rows.iter().map(|&i| v[i]).collect()
}

/// Raw and calibrated metrics of `raw` log-odds against labels.
pub fn split_metrics(raw: &[f64], y: &[bool], platt: &Platt) -> Result<SplitMetrics, TrainError> {
    let p_raw: Vec<f64> = raw.iter().map(|&r| Platt::IDENTITY.probability(r)).collect();
    let p_cal: Vec<f64> = raw.iter().map(|&r| platt.probability(r)).collect();
    Ok(SplitMetrics { raw: churn_eval::summarize(&p_raw, y)?, calibrated: churn_eval::summarize(&p_cal, y)? })
}

/// The split training uses: by account when the id column repeats (several snapshots per
/// account), so that no account is in two splits; otherwise by row. Returns the split and
/// what it was made by (`"account"` or `"row"`).
pub fn split_rows(table: &Table, y: &[bool], opts: &TrainOptions) -> Result<(Split, &'static str), TrainError> {
    if let Some(id) = &opts.id {
        let j = table.column_index(id)?;
        let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let groups: Vec<usize> = (0..table.n_rows())
            .map(|i| {
                let n = index.len();
                *index.entry(table.field(i, j).trim()).or_insert(n)
            })
            .collect();
        if index.len() < table.n_rows() {
            return Ok((grouped_split(y, &groups, opts.fractions, opts.seed)?, "account"));
        }
    }
    Ok((stratified_split(y, opts.fractions, opts.seed)?, "row"))
}

fn sorted_desc(mut v: Vec<(String, f64)>) -> Vec<(String, f64)> {
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

fn native_importance(learner: &Learner, pre: &Preprocessor, permutation: Vec<(String, f64)>) -> Importance {
    let (method, values) = learner.native_importance();
    Importance {
        method: method.into(),
        native: sorted_desc(pre.output_names().into_iter().zip(values).collect()),
        permutation,
    }
}

/// Mean AUC drop on the validation split when each input column (all its learner inputs
/// together) is shuffled, over three seeded repeats. Uses the learner fitted on the training
/// split only, which has not seen the validation rows.
fn permutation_importance(
    learner: &Learner,
    x: &Matrix,
    y: &[bool],
    pre: &Preprocessor,
    features: &[churn_core::FeatureColumn],
    seed: u64,
) -> Result<Vec<(String, f64)>, TrainError> {
    let base = churn_eval::roc_auc(&learner.predict_raw(x), y)?;
    let sources = pre.output_sources();
    let n = x.n_rows();
    let drops: Vec<Result<(String, f64), TrainError>> = features
        .par_iter()
        .enumerate()
        .map(|(c, f)| {
            let mut total = 0.0;
            for repeat in 0..3u64 {
                let mut perm: Vec<usize> = (0..n).collect();
                churn_core::rng::Rng::derive(seed ^ 0x9e37, (c as u64) * 3 + repeat).shuffle(&mut perm);
                let mut data = x.as_slice().to_vec();
                for (j, &src) in sources.iter().enumerate() {
                    if src == c {
                        let col = x.col(j);
                        for (i, &p) in perm.iter().enumerate() {
                            data[j * n + i] = col[p];
                        }
                    }
                }
                let shuffled = Matrix::from_col_major(n, x.n_cols(), data).expect("same shape");
                total += base - churn_eval::roc_auc(&learner.predict_raw(&shuffled), y)?;
            }
            Ok((f.name.clone(), total / 3.0))
        })
        .collect();
    Ok(sorted_desc(drops.into_iter().collect::<Result<_, _>>()?))
}

/// Trains a model from a labeled table.
pub fn train(opts: &TrainOptions) -> Result<TrainOutcome, TrainError> {
    let table = Table::read(&opts.data)?;
    train_table(&table, opts)
}

/// Trains a model from an already-read table (see [`train`]).
pub fn train_table(table: &Table, opts: &TrainOptions) -> Result<TrainOutcome, TrainError> {
    if opts.id.as_deref() == Some(opts.label.as_str()) {
        return Err(TrainError::InvalidOption {
            option: "--id",
            reason: "the id column cannot be the label column".into(),
        });
    }
    let label = resolve_label(table, &opts.label, opts.positive.as_deref(), opts.negative.as_deref())?;
    let y = label.read(table)?;
    let roles = Roles {
        id: opts.id.as_deref(),
        label: Some(&opts.label),
        drop: &opts.drop,
        keep: &opts.keep,
        overrides: &opts.overrides,
    };
    let (features, excluded) = choose_features(table, &roles)?;
    if features.is_empty() {
        let excluded = excluded.iter().map(|e| format!("{}: {}", e.name, e.reason)).collect::<Vec<_>>().join("; ");
        return Err(TrainError::NoFeatures { excluded });
    }
    let (split, split_by) = split_rows(table, &y, opts)?;
    let pre = Preprocessor::fit(table, &features, &split.train)?;
    let cols: Vec<usize> = features.iter().map(|f| table.column_index(&f.name)).collect::<Result<_, _>>()?;
    let design = |rows: &[usize]| pre.transform_table(table, &cols, rows);
    let (x_train, x_val, x_test) = (design(&split.train)?, design(&split.validation)?, design(&split.test)?);
    let (y_train, y_val, y_test) = (subset(&y, &split.train), subset(&y, &split.validation), subset(&y, &split.test));

    let n = y_train.len() as f64;
    let n_pos = y_train.iter().filter(|&&b| b).count() as f64;
    let (w_pos, w_neg) = match opts.class_weight {
        ClassWeight::Balanced => (n / (2.0 * n_pos), n / (2.0 * (n - n_pos))),
        ClassWeight::None => (1.0, 1.0),
        ClassWeight::Explicit { churned, retained } => (churned, retained),
    };
    let weigh = |labels: &[bool]| -> Vec<f64> { labels.iter().map(|&b| if b { w_pos } else { w_neg }).collect() };
    let w_train = weigh(&y_train);

    let kinds: Vec<ModelKind> = if opts.models.is_empty() { ModelKind::ALL.to_vec() } else { opts.models.clone() };
    let w_val = weigh(&y_val);
    let started = Instant::now();
    let mut candidates: Vec<CandidateParams> =
        kinds.iter().flat_map(|&kind| search_space(kind, opts.seed, x_train.n_rows())).collect();
    if let Some(n) = opts.gbdt_trees {
        if n == 0 {
            return Err(TrainError::InvalidOption { option: "--gbdt-trees", reason: "must be at least 1".into() });
        }
        for c in &mut candidates {
            if let CandidateParams::Gbdt(p) = c {
                p.n_trees = n;
                p.early_stopping_rounds = None;
            }
        }
    }
    // Candidates train in parallel; each result depends only on its own inputs and seed, so
    // the outcome is the same for any number of threads.
    let fitted: Vec<Result<(LeaderboardEntry, f64, Learner, Platt), TrainError>> = candidates
        .par_iter()
        .map(|params| {
            let t0 = Instant::now();
            let learner = params.fit(&x_train, &y_train, &w_train, Some((&x_val, &y_val, &w_val)), opts.seed)?;
            let fit_seconds = t0.elapsed().as_secs_f64();
            let raw_val = learner.predict_raw(&x_val);
            let platt = Platt::fit(&raw_val, &y_val)?;
            let validation = split_metrics(&raw_val, &y_val, &platt)?.calibrated;
            let test = split_metrics(&learner.predict_raw(&x_test), &y_test, &platt)?.calibrated;
            let entry = LeaderboardEntry {
                model: params.kind().name().into(),
                settings: params.describe(),
                selected: false,
                validation,
                test,
            };
            Ok((entry, fit_seconds, learner, platt))
        })
        .collect();
    let mut leaderboard = Vec::with_capacity(fitted.len());
    let mut candidate_seconds = Vec::with_capacity(fitted.len());
    let mut best: Option<(f64, usize, Learner, Platt)> = None;
    for result in fitted {
        let (entry, secs, learner, platt) = result?;
        let score = opts.select.score(&entry.validation);
        leaderboard.push(entry);
        candidate_seconds.push(secs);
        // Strictly better only: ties keep the earlier (simpler) candidate.
        if best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((score, leaderboard.len() - 1, learner, platt));
        }
    }
    let (_, winner, mut learner, platt) =
        best.ok_or(TrainError::InvalidOption { option: "--models", reason: "no candidate to train".into() })?;
    let params = &candidates[winner];
    leaderboard[winner].selected = true;
    let raw_val = learner.predict_raw(&x_val);
    let permutation = permutation_importance(&learner, &x_val, &y_val, &pre, &features, opts.seed)?;
    // The inputs of the final fit: train + validation after a refit, else train.
    let x_fit = if opts.refit {
        let both: Vec<usize> = split.train.iter().chain(&split.validation).copied().collect();
        let y_both = subset(&y, &both);
        let w_both = weigh(&y_both);
        let x_both = design(&both)?;
        learner = params.for_refit(&learner).fit(&x_both, &y_both, &w_both, None, opts.seed)?;
        x_both
    } else {
        x_train
    };
    let input_means: Vec<f64> =
        (0..x_fit.n_cols()).map(|j| x_fit.col(j).iter().sum::<f64>() / x_fit.n_rows() as f64).collect();
    let fit_seconds = started.elapsed().as_secs_f64();
    let raw_test = learner.predict_raw(&x_test);
    // The reference score distribution comes from the test split: new data is always scored
    // out of sample, and the refitted model has seen train and validation rows.
    let p_test: Vec<f64> = raw_test.iter().map(|&r| platt.probability(r)).collect();
    let profile = churn_model::Profile::build(table, &split.train, &features, &y_train, &p_test, &opts.tiers)?;
    let training = TrainingSummary {
        data_file: table.path().file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
        data_fingerprint: table.fingerprint(),
        seed: opts.seed,
        train: split_info(&y, &split.train),
        validation: split_info(&y, &split.validation),
        test: split_info(&y, &split.test),
        refit: opts.refit,
        split_by: split_by.into(),
        selected_by: opts.select.name().into(),
        leaderboard,
        weight_churned: w_pos,
        weight_retained: w_neg,
        validation_metrics: split_metrics(&raw_val, &y_val, &platt)?,
        test_metrics: split_metrics(&raw_test, &y_test, &platt)?,
        importance: Some(native_importance(&learner, &pre, permutation)),
    };
    let name = opts.name.clone().unwrap_or_else(|| {
        let stem = table.path().file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into());
        stem.trim_end_matches(".gz").trim_end_matches(".csv").to_string()
    });
    let schema = Schema { id: opts.id.clone(), label, features, excluded };
    let model = ModelFile::new(
        name,
        opts.version.clone(),
        schema,
        pre,
        input_means,
        learner,
        platt,
        opts.tiers.clone(),
        opts.health_states.clone(),
        training,
        Some(profile),
        opts.features.clone(),
    );
    Ok(TrainOutcome { model, fit_seconds, candidate_seconds })
}
