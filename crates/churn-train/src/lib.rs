//! Training pipeline of the churn toolkit.
//!
//! One call, [`train`], turns a labeled table into a [`ModelFile`]: resolve the label and the
//! feature columns, split rows 70/15/15 (stratified, seeded), fit preprocessing on the training
//! split only, fit the candidate learners (unweighted by default; class weights, when asked
//! for, really enter their loss), choose one, calibrate it on held-out predictions where Platt
//! scaling improves their cross-fitted log loss ([`calibration`]), and measure both raw and
//! calibrated probabilities on the test split the model never saw.
//!
//! Candidates are judged in one of two ways:
//!
//! - **Validation split** (default for large data: more than [`CV_MAX_CELLS`] rows × model
//!   inputs in train + validation): each candidate is fitted on the training split and judged
//!   on the validation split; the winner is calibrated on its validation scores and refitted on
//!   train + validation (`CalibratedClassifierCV(ensemble=False)` style).
//! - **Cross-validation** on train + validation (small and mid-sized data, or `cv_folds`): stratified
//!   folds (by account when ids repeat); candidates are ranked on their out-of-fold scores and
//!   calibrated on them, several times more held-out rows than the validation split holds. The
//!   model is the mean of the winner's fold models (one boosting ensemble, forest or logistic
//!   regression; a single tree is refitted on all rows).
//!
//! Either way, the first candidate of each family (its defaults) is kept unless a challenger
//! beats it by more than the noise of the held-out figures ([`GUARD_LEVEL`]), and the test split
//! is never used to choose or fit anything.
//!
//! # Example
//!
//! ```
//! use churn_train::{train, TrainOptions};
//!
//! let mut opts = TrainOptions::new("../../datasets/customers-small.csv", "churned");
//! opts.positive = Some("Yes".into());
//! opts.id = Some("account_id".into());
//! let outcome = train(&opts)?;
//! // Every figure in the model file is measured on rows it never saw.
//! let test = &outcome.model.training.test_metrics.calibrated;
//! let auc = test.auc.expect("the test split holds both classes");
//! assert!(auc > 0.6, "test AUC {auc}");
//! # Ok::<(), churn_train::TrainError>(())
//! ```
#![warn(missing_docs)]

mod blend;
pub mod calibration;
pub mod candidates;
pub mod outliers;
pub mod split;
pub mod survival;
mod target_rates;

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
pub use split::{grouped_split, stratified_folds, stratified_split, Split, SplitFractions};

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
    /// default): cross-validation unless train + validation hold more than [`CV_MAX_CELLS`]
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
    match row_groups(table, opts)? {
        Some(groups) => Ok((grouped_split(y, &groups, opts.fractions, opts.seed)?, "account")),
        None => Ok((stratified_split(y, opts.fractions, opts.seed)?, "row")),
    }
}

/// The account (group) index of every row when the id column repeats, else `None`.
fn row_groups(table: &Table, opts: &TrainOptions) -> Result<Option<Vec<usize>>, TrainError> {
    let Some(id) = &opts.id else { return Ok(None) };
    let j = table.column_index(id)?;
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let groups: Vec<usize> = (0..table.n_rows())
        .map(|i| {
            let n = index.len();
            *index.entry(table.field(i, j).trim()).or_insert(n)
        })
        .collect();
    Ok((index.len() < table.n_rows()).then_some(groups))
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

/// Mean AUC drop on held-out rows when each input column (all its learner inputs together) is
/// shuffled, over seeded repeats: three on the validation split for the learner fitted on the
/// training split; under cross-validation, one on each fold for the learner that did not see
/// it (every train + validation row shuffled once, for the cost of a few repeats).
fn permutation_importance(
    sets: &[(&Learner, &Matrix, &[bool])],
    pre: &Preprocessor,
    features: &[churn_core::FeatureColumn],
    seed: u64,
) -> Result<Vec<(String, f64)>, TrainError> {
    let sources = pre.output_sources();
    let bases: Vec<f64> =
        sets.iter().map(|(l, x, y)| churn_eval::roc_auc(&l.predict_raw(x), y)).collect::<Result<_, _>>()?;
    let repeats = 3usize.div_ceil(sets.len()) as u64;
    let drops: Vec<Result<(String, f64), TrainError>> = features
        .par_iter()
        .enumerate()
        .map(|(c, f)| {
            let mut total = 0.0;
            for (k, (&(learner, x, y), base)) in sets.iter().zip(&bases).enumerate() {
                let n = x.n_rows();
                for repeat in 0..repeats {
                    let mut perm: Vec<usize> = (0..n).collect();
                    let stream = ((c * sets.len() + k) as u64) * repeats + repeat;
                    churn_core::rng::Rng::derive(seed ^ 0x9e37, stream).shuffle(&mut perm);
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
            }
            Ok((f.name.clone(), total / (repeats as usize * sets.len()) as f64))
        })
        .collect();
    Ok(sorted_desc(drops.into_iter().collect::<Result<_, _>>()?))
}

/// Cross-validation folds used by default (see [`CV_MAX_CELLS`]).
pub const CV_FOLDS: usize = 5;

/// Up to this many cells (rows × model inputs) in train + validation, candidates are ranked and
/// calibrated by [`CV_FOLDS`]-fold cross-validation instead of on the validation split: a
/// validation split of a few thousand rows is too noisy to choose by, and Platt scaling fitted
/// on it too. Fit time grows with the cells; at this size a cross-validated search takes
/// seconds to tens of seconds on two cores (figures in the README), about what one CatBoost
/// fit takes. Larger data keeps the validation split, which is then large enough.
pub const CV_MAX_CELLS: usize = 5_000_000;

/// The number of cross-validation folds, or `None` to judge candidates on the validation split.
fn cv_folds(opts: &TrainOptions, y_both: &[bool], inputs: usize) -> Result<Option<usize>, TrainError> {
    let minority = |y: &[bool]| {
        let pos = y.iter().filter(|&&b| b).count();
        pos.min(y.len() - pos)
    };
    match opts.cv_folds {
        Some(0) => Ok(None),
        Some(1) => {
            Err(TrainError::InvalidOption { option: "--cv-folds", reason: "must be 0 (off) or at least 2".into() })
        }
        Some(k) if !opts.refit => Err(TrainError::InvalidOption {
            option: "--cv-folds",
            reason: format!("{k}-fold cross-validation refits on train + validation: it cannot go with --no-refit"),
        }),
        Some(k) if k > minority(y_both) => Err(TrainError::InvalidOption {
            option: "--cv-folds",
            reason: format!("{k} folds but only {} rows of the rarer class in train + validation", minority(y_both)),
        }),
        Some(k) => Ok(Some(k)),
        None => Ok((opts.refit
            && y_both.len().saturating_mul(inputs.max(1)) <= CV_MAX_CELLS
            && minority(y_both) >= CV_FOLDS)
            .then_some(CV_FOLDS)),
    }
}

/// Rows candidates are fitted on and the held-out rows they are judged on: the training and
/// validation splits, or one cross-validation fold.
struct HeldOut {
    x_fit: Matrix,
    y_fit: Vec<bool>,
    w_fit: Vec<f64>,
    x_out: Matrix,
    y_out: Vec<bool>,
    w_out: Vec<f64>,
    /// Positions of the held-out rows among all held-out rows (the validation split, or train
    /// + validation under cross-validation).
    rows: Vec<usize>,
}

/// One candidate, judged.
struct Scored {
    entry: LeaderboardEntry,
    /// Fit seconds, summed over folds.
    seconds: f64,
    /// Judged on every held-out row; `false` for a challenger screened out on the first fold,
    /// which cannot be selected.
    full: bool,
    /// Raw scores of every held-out row (out of fold under cross-validation).
    held_out: Vec<f64>,
    /// Platt scaling fitted on `held_out`.
    platt: Platt,
    /// Settings of the final fit: boosting keeps the rounds chosen on held-out loss.
    final_params: CandidateParams,
    /// One learner per held-out set, each fitted without its held-out rows.
    learners: Vec<Learner>,
    /// Under cross-validation, the learner averaging the fold learners (none for single trees).
    bagged: Option<Learner>,
    /// Raw scores of the test rows (reported only).
    raw_test: Vec<f64>,
}

/// One fit: (candidate, held-out set), the learner, its fit seconds.
type Fitted = ((usize, usize), Learner, f64);

/// The inputs candidates of one preprocessing are fitted and judged on: the held-out sets and
/// the test rows (reported only). The same rows, folds and labels for every design.
struct Design<'a> {
    sets: &'a [HeldOut],
    x_test: &'a Matrix,
}

/// Fits the candidates on the held-out sets (in parallel; each fit depends only on its own
/// inputs and seed, so the outcome is the same for any number of threads), scores the held-out
/// rows and fits Platt scaling on them.
///
/// On the validation split, every candidate is fitted once. Under cross-validation, the first
/// candidate of each family (its defaults) is fitted on every fold, while its challengers are
/// screened on the first fold and only the best of them (by the selection metric on that fold)
/// is fitted on the other folds as well: successive halving, which keeps the search at about
/// the cost of two cross-validated candidates per family. Boosting rounds are chosen on the
/// mean loss of the folds, and the test figures of a candidate are those of the mean of its
/// fold learners (reported only).
#[allow(clippy::too_many_arguments)]
fn score_candidates(
    candidates: &[CandidateParams],
    designs: &[Design],
    design_of: &[usize],
    y_held: &[bool],
    y_test: &[bool],
    cv: bool,
    by: SelectBy,
    seed: u64,
) -> Result<Vec<Scored>, TrainError> {
    let (n, k) = (candidates.len(), designs[0].sets.len());
    let sets_of = |c: usize| designs[design_of[c]].sets;
    let first: Vec<bool> = (0..n).map(|c| c == 0 || candidates[c].kind() != candidates[c - 1].kind()).collect();
    let fit_all = |jobs: Vec<(usize, usize)>| -> Result<Vec<Fitted>, TrainError> {
        jobs.into_par_iter()
            .map(|(c, s)| {
                let set = &sets_of(c)[s];
                let valid = (&set.x_out, &set.y_out[..], &set.w_out[..]);
                let t0 = Instant::now();
                let learner = if cv {
                    candidates[c].fit_fold(&set.x_fit, &set.y_fit, &set.w_fit, valid, seed, (s, k))?
                } else {
                    candidates[c].fit(&set.x_fit, &set.y_fit, &set.w_fit, Some(valid), seed)?
                };
                Ok(((c, s), learner, t0.elapsed().as_secs_f64()))
            })
            .collect()
    };
    let mut fits: Vec<Vec<Option<(Learner, f64)>>> = (0..n).map(|_| (0..k).map(|_| None).collect()).collect();
    fn place(fits: &mut [Vec<Option<(Learner, f64)>>], done: Vec<Fitted>) {
        for ((c, s), l, secs) in done {
            fits[c][s] = Some((l, secs));
        }
    }
    let screened = |c: usize| cv && !first[c];
    place(
        &mut fits,
        fit_all((0..n).flat_map(|c| (0..if screened(c) { 1 } else { k }).map(move |s| (c, s))).collect())?,
    );
    // Successive halving: the best challenger of each family on the first fold goes on.
    let mut full: Vec<bool> = (0..n).map(|c| !screened(c)).collect();
    if cv {
        let mut c = 0;
        while c < n {
            let end = (c + 1..n).find(|&j| first[j]).unwrap_or(n);
            let mut best: Option<(f64, usize)> = None;
            for (j, row) in fits.iter().enumerate().take(end).skip(c + 1) {
                let (l, _) = row[0].as_ref().expect("screened on the first fold");
                let first_fold = &sets_of(j)[0];
                let raw =
                    candidates[j].final_fits(std::slice::from_ref(l), true).0.remove(0).predict_raw(&first_fold.x_out);
                let platt = Platt::fit(&raw, &first_fold.y_out)?;
                let score = by.score(&split_metrics(&raw, &first_fold.y_out, &platt)?.calibrated);
                if best.is_none_or(|b| score > b.0) {
                    best = Some((score, j));
                }
            }
            if let Some((_, j)) = best {
                full[j] = true;
            }
            c = end;
        }
        let promoted: Vec<(usize, usize)> =
            (0..n).filter(|&c| screened(c) && full[c]).flat_map(|c| (1..k).map(move |s| (c, s))).collect();
        place(&mut fits, fit_all(promoted)?);
    }
    let mut out = Vec::with_capacity(n);
    for (c, (params, row)) in candidates.iter().zip(fits).enumerate() {
        let (mut learners, mut seconds) = (Vec::with_capacity(k), 0.0);
        for (l, secs) in row.into_iter().flatten() {
            learners.push(l);
            seconds += secs;
        }
        let (learners, final_params) = params.final_fits(&learners, cv);
        // The held-out rows of this candidate: all of them, or the first fold's when screened out.
        let (sets, x_test) = (sets_of(c), designs[design_of[c]].x_test);
        let (rows_sets, labels): (&[HeldOut], &[bool]) =
            if full[c] { (sets, y_held) } else { (&sets[..1], &sets[0].y_out) };
        let mut held_out = vec![0.0; labels.len()];
        for (l, set) in learners.iter().zip(rows_sets) {
            let raw = l.predict_raw(&set.x_out);
            if full[c] {
                for (&i, r) in set.rows.iter().zip(raw) {
                    held_out[i] = r;
                }
            } else {
                held_out = raw;
            }
        }
        let platt = Platt::fit(&held_out, labels)?;
        let validation = split_metrics(&held_out, labels, &platt)?.calibrated;
        let bagged = if cv && full[c] { Learner::average(&learners) } else { None };
        let raw_test = match &bagged {
            Some(b) => b.predict_raw(x_test),
            None => {
                let mut raw_test = vec![0.0; y_test.len()];
                for l in &learners {
                    for (t, r) in raw_test.iter_mut().zip(l.predict_raw(x_test)) {
                        *t += r / learners.len() as f64;
                    }
                }
                raw_test
            }
        };
        let test = split_metrics(&raw_test, y_test, &platt)?.calibrated;
        let entry = LeaderboardEntry {
            model: params.kind().name().into(),
            settings: match design_of[c] {
                0 => params.describe(),
                _ => format!("{} + category churn rates", params.describe()),
            },
            selected: false,
            cv_folds: cv.then_some(learners.len()),
            validation,
            test,
            note: None,
        };
        out.push(Scored { entry, seconds, full: full[c], held_out, platt, final_params, learners, bagged, raw_test });
    }
    Ok(out)
}

/// One-sided level of the selection guard, shared by the challengers of a family
/// (Bonferroni): a challenger replaces its family's first candidate only when it is better by
/// more than `z(1 − GUARD_LEVEL / challengers)` standard errors of the paired difference.
pub const GUARD_LEVEL: f64 = 0.05;

/// Standard error of the paired difference of the selection metric of candidates `a` and `b`
/// on the same held-out rows: DeLong's for AUC, the per-row standard error for the log loss
/// of calibrated probabilities, and a paired stratified bootstrap for average precision.
fn paired_se(a: &Scored, b: &Scored, y: &[bool], by: SelectBy, seed: u64) -> f64 {
    match by {
        SelectBy::Auc => churn_eval::delong_test(&a.held_out, &b.held_out, y).map_or(0.0, |t| t.se),
        SelectBy::LogLoss => {
            let loss = |c: &Scored, i: usize| {
                let p =
                    c.platt.probability(c.held_out[i]).clamp(churn_eval::LOG_LOSS_EPS, 1.0 - churn_eval::LOG_LOSS_EPS);
                -if y[i] { p.ln() } else { (1.0 - p).ln() }
            };
            let d: Vec<f64> = (0..y.len()).map(|i| loss(a, i) - loss(b, i)).collect();
            let n = d.len() as f64;
            let mean = d.iter().sum::<f64>() / n;
            (d.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0).max(1.0) / n).sqrt()
        }
        SelectBy::PrAuc => {
            let opts = churn_eval::BootstrapOptions { n_boot: 200, seed, ..Default::default() };
            churn_eval::paired_bootstrap(&a.held_out, &b.held_out, y, churn_eval::Metric::PrAuc, &opts)
                .map_or(0.0, |d| (d.hi - d.lo) / (2.0 * churn_eval::stats::normal_isf((1.0 - d.level) / 2.0)))
        }
    }
}

/// The winner: within each family (candidates of one learner kind, in search order), the
/// first candidate (its defaults, or the most regularized setting) is kept unless the best of
/// the others beats it on held-out rows by more than the noise (see [`GUARD_LEVEL`]); then the
/// best family winner. Ties keep the earlier candidate.
///
/// Also returns a note per candidate saying why it was selected, or why a family's best
/// challenger was passed over or preferred (the guard's test, z and one-sided p-value).
#[cfg(test)]
fn select(scored: &[Scored], by: SelectBy, y_held: &[bool], seed: u64) -> (usize, Vec<Option<String>>) {
    let (winner, notes, _) = select_families(scored, by, y_held, seed);
    (winner, notes)
}

/// [`select`], also returning each family's winner (in family order).
fn select_families(
    scored: &[Scored],
    by: SelectBy,
    y_held: &[bool],
    seed: u64,
) -> (usize, Vec<Option<String>>, Vec<usize>) {
    let score = |i: usize| by.score(&scored[i].entry.validation);
    // Differences on the metric's own scale (log loss: lower is better).
    let shown = |d: f64| if by == SelectBy::LogLoss { -d } else { d };
    let test = match by {
        SelectBy::Auc => "DeLong",
        SelectBy::LogLoss => "paired per-row",
        SelectBy::PrAuc => "paired bootstrap",
    };
    let mut notes = vec![None; scored.len()];
    let mut winners = Vec::new();
    let mut start = 0;
    while start < scored.len() {
        let kind = &scored[start].entry.model;
        let end = (start..scored.len()).find(|&j| &scored[j].entry.model != kind).unwrap_or(scored.len());
        let first = start;
        let best = (first..end).filter(|&i| scored[i].full).fold(first, |b, i| if score(i) > score(b) { i } else { b });
        let challengers = (end - first - 1).max(1);
        let level = GUARD_LEVEL / challengers as f64;
        let z = churn_eval::stats::normal_isf(level);
        let mut beats = false;
        if best != first {
            let diff = score(best) - score(first);
            let se = paired_se(&scored[best], &scored[first], y_held, by, seed);
            beats = diff > z * se;
            let (z_obs, p) =
                if se > 0.0 { (diff / se, churn_eval::normal_sf(diff / se)) } else { (f64::INFINITY, 0.0) };
            notes[best] = Some(format!(
                "{} {} {:+.4} vs the family's defaults, {test} z = {z_obs:.2}, one-sided p = {p:.3} {} {level:.3} \
                 (level {GUARD_LEVEL} over {challengers} challenger{})",
                if beats { "preferred to its family's defaults:" } else { "passed over, within the noise:" },
                by.name(),
                shown(diff),
                if beats { "<" } else { ">=" },
                if challengers == 1 { "" } else { "s" },
            ));
        }
        winners.push(if beats { best } else { first });
        start = end;
    }
    let winner = winners.iter().copied().fold(0, |w, i| if score(i) > score(w) { i } else { w });
    let runner_up = winners.iter().copied().filter(|&i| i != winner).fold(None, |r: Option<usize>, i| match r {
        Some(r) if score(r) >= score(i) => Some(r),
        _ => Some(i),
    });
    let why = match runner_up {
        Some(r) => format!(
            "selected: best held-out {} of the family winners ({:.4}; next {} {:.4})",
            by.name(),
            shown(score(winner)),
            scored[r].entry.model,
            shown(score(r))
        ),
        None => format!("selected: the only family's winner (held-out {} {:.4})", by.name(), shown(score(winner))),
    };
    notes[winner] = Some(match notes[winner].take() {
        Some(n) => format!("{why}; {n}"),
        None => why,
    });
    (winner, notes, winners)
}

/// Trains a model from a labeled table.
pub fn train(opts: &TrainOptions) -> Result<TrainOutcome, TrainError> {
    let table = Table::read(&opts.data)?;
    train_table(&table, opts)
}

/// What both training paths (classification and survival) start from: the feature columns,
/// the split and the preprocessing fitted on the training rows.
pub(crate) struct Prepared {
    pub(crate) features: Vec<churn_core::FeatureColumn>,
    pub(crate) excluded: Vec<churn_core::Excluded>,
    pub(crate) split: Split,
    pub(crate) split_by: &'static str,
    pub(crate) pre: Preprocessor,
    /// Table column of each feature.
    pub(crate) cols: Vec<usize>,
    /// The table with the values of numeric columns that are not numbers emptied (when there
    /// are any; `churn_core::unusable`): what training reads instead of the table given.
    pub(crate) cleaned: Option<Table>,
    /// Those values and single values dominating a column, one line per column.
    pub(crate) warnings: Vec<String>,
}

/// Chooses the features (never the id, the label or `drop`), splits the rows stratified by
/// `y` and fits the preprocessing on the training split.
pub(crate) fn prepare(table: &Table, opts: &TrainOptions, drop: &[String], y: &[bool]) -> Result<Prepared, TrainError> {
    let roles =
        Roles { id: opts.id.as_deref(), label: Some(&opts.label), drop, keep: &opts.keep, overrides: &opts.overrides };
    let (features, excluded) = choose_features(table, &roles)?;
    if features.is_empty() {
        let excluded = excluded.iter().map(|e| format!("{}: {}", e.name, e.reason)).collect::<Vec<_>>().join("; ");
        return Err(TrainError::NoFeatures { excluded });
    }
    let (cleaned, unusable) = churn_core::unusable::set_aside(table, &features)?;
    let mut warnings: Vec<String> = unusable.iter().map(ToString::to_string).collect();
    let table = cleaned.as_ref().unwrap_or(table);
    let (split, split_by) = split_rows(table, y, opts)?;
    let pre = Preprocessor::fit(table, &features, &split.train)?;
    let cols: Vec<usize> = features.iter().map(|f| table.column_index(&f.name)).collect::<Result<_, _>>()?;
    let all: Vec<usize> = (0..table.n_rows()).collect();
    warnings.extend(outliers::dominant_values(table, &features, &cols, &all));
    Ok(Prepared { features, excluded, split, split_by, pre, cols, cleaned, warnings })
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
    let Prepared { features, excluded, split, split_by, pre, cols, cleaned, warnings } =
        prepare(table, opts, &opts.drop, &y)?;
    let table = cleaned.as_ref().unwrap_or(table);
    let design = |rows: &[usize]| pre.transform_table(table, &cols, rows).map(outliers::bounded);
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
    let started = Instant::now();
    let mut candidates: Vec<CandidateParams> =
        kinds.iter().flat_map(|&kind| search_space(kind, opts.seed, x_train.n_rows())).collect();
    if candidates.is_empty() {
        return Err(TrainError::InvalidOption { option: "--models", reason: "no candidate to train".into() });
    }
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
    // Smoothed churn rates of the categories (target statistics): the first boosting
    // candidate with them is a challenger of boosting's defaults, kept only if the guard says so.
    let cats = target_rates::categorical_columns(&pre, &cols);
    let mut design_of = vec![0usize; candidates.len()];
    if let Some(g) = candidates.iter().position(|c| c.kind() == ModelKind::Gbdt).filter(|_| !cats.is_empty()) {
        candidates.insert(g + 1, candidates[g].clone());
        design_of.insert(g + 1, 1);
    }
    // Train + validation rows: the cross-validation rows, and the rows of the final refit.
    let both: Vec<usize> = split.train.iter().chain(&split.validation).copied().collect();
    let y_both = subset(&y, &both);
    let w_both = weigh(&y_both);
    let folds = cv_folds(opts, &y_both, x_train.n_cols())?;
    let needs_both = folds.is_some() || opts.refit;
    let x_both = if needs_both { Some(design(&both)?) } else { None };
    // The held-out sets candidates are judged on, and the labels of all their rows together.
    let (sets, y_held) = match folds {
        Some(k) => {
            let x_both = x_both.as_ref().expect("designed for cross-validation");
            let groups = row_groups(table, opts)?.map(|g| subset(&g, &both));
            let fold_of = stratified_folds(&y_both, groups.as_deref(), k, opts.seed);
            let sets = (0..k)
                .map(|f| {
                    let (fit, out): (Vec<usize>, Vec<usize>) = (0..both.len()).partition(|&i| fold_of[i] != f);
                    HeldOut {
                        x_fit: x_both.select_rows(&fit),
                        y_fit: subset(&y_both, &fit),
                        w_fit: subset(&w_both, &fit),
                        x_out: x_both.select_rows(&out),
                        y_out: subset(&y_both, &out),
                        w_out: subset(&w_both, &out),
                        rows: out,
                    }
                })
                .collect::<Vec<_>>();
            (sets, y_both.clone())
        }
        None => {
            let set = HeldOut {
                x_fit: x_train.clone(),
                y_fit: y_train.clone(),
                w_fit: w_train.clone(),
                x_out: x_val.clone(),
                y_out: y_val.clone(),
                w_out: weigh(&y_val),
                rows: (0..y_val.len()).collect(),
            };
            (vec![set], y_val.clone())
        }
    };
    // The same held-out sets with target statistics: out of fold on the rows fitted on, fitted
    // on those rows for the held-out ones; and the statistics of the final fit's rows.
    let with_rates = design_of.contains(&1);
    let final_rows = if x_both.is_some() { &both } else { &split.train };
    let y_final = subset(&y, final_rows);
    let rate_sets: Vec<HeldOut> = if with_rates {
        sets.iter()
            .enumerate()
            .map(|(f, set)| {
                let (fit_rows, out_rows): (Vec<usize>, Vec<usize>) = match folds {
                    Some(_) => {
                        let mut out = vec![false; both.len()];
                        set.rows.iter().for_each(|&i| out[i] = true);
                        let fit = (0..both.len()).filter(|&i| !out[i]).map(|i| both[i]).collect();
                        (fit, set.rows.iter().map(|&i| both[i]).collect())
                    }
                    None => (split.train.clone(), split.validation.clone()),
                };
                let stats = target_rates::fit(table, &cats, &fit_rows, &set.y_fit);
                let seed = opts.seed ^ ((f as u64 + 1) << 32);
                HeldOut {
                    x_fit: target_rates::with_out_of_fold(&set.x_fit, table, &cats, &fit_rows, &set.y_fit, seed),
                    y_fit: set.y_fit.clone(),
                    w_fit: set.w_fit.clone(),
                    x_out: target_rates::with_fitted(&set.x_out, table, &cats, &stats, &out_rows),
                    y_out: set.y_out.clone(),
                    w_out: set.w_out.clone(),
                    rows: set.rows.clone(),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let final_stats = if with_rates { target_rates::fit(table, &cats, final_rows, &y_final) } else { Vec::new() };
    let x_test_rates = with_rates.then(|| target_rates::with_fitted(&x_test, table, &cats, &final_stats, &split.test));
    let mut designs = vec![Design { sets: &sets, x_test: &x_test }];
    if let Some(x) = &x_test_rates {
        designs.push(Design { sets: &rate_sets, x_test: x });
    }
    let scored =
        score_candidates(&candidates, &designs, &design_of, &y_held, &y_test, folds.is_some(), opts.select, opts.seed)?;
    drop(designs);
    let (winner, notes, winners) = select_families(&scored, opts.select, &y_held, opts.seed);
    let mut leaderboard: Vec<LeaderboardEntry> = scored.iter().map(|c| c.entry.clone()).collect();
    for (e, note) in leaderboard.iter_mut().zip(notes) {
        e.note = note;
    }
    let mut candidate_seconds: Vec<f64> = scored.iter().map(|c| c.seconds).collect();
    leaderboard[winner].selected = true;
    // A blend of the logistic and boosting family winners, when it beats the best single model.
    let family = |name: &str| winners.iter().copied().find(|&i| scored[i].entry.model == name && scored[i].full);
    let blend = match (family("logistic"), family("gbdt")) {
        (Some(a), Some(b)) => {
            let (judged, beats) = blend::judge(&scored, [a, b], winner, &y_held, &y_test, opts.select, opts.seed)?;
            leaderboard.push(judged.entry.clone());
            candidate_seconds.push(0.0);
            if beats {
                leaderboard[winner].selected = false;
                leaderboard.last_mut().expect("pushed").selected = true;
            }
            beats.then_some(([a, b], judged))
        }
        _ => None,
    };
    let base_width = pre.width();
    let final_design = match &blend {
        Some((members, _)) => members.iter().map(|&m| design_of[m]).max().unwrap_or(0),
        None => design_of[winner],
    };
    // A winner with target statistics: its inputs, and the preprocessing that stores them.
    let (sets, x_train, x_both, x_test, pre) = match x_test_rates {
        Some(x_test_rates) if final_design == 1 => {
            let x_train = rate_sets[0].x_fit.clone();
            let x_both = x_both.map(|x| target_rates::with_out_of_fold(&x, table, &cats, &both, &y_both, opts.seed));
            (rate_sets, x_train, x_both, x_test_rates, pre.with_target_stats(final_stats))
        }
        _ => (sets, x_train, x_both, x_test, pre),
    };
    let width = pre.width();
    let (raw_held, final_params, learners, bagged, members) = match blend {
        None => {
            let Scored { held_out, final_params, learners, bagged, .. } =
                scored.into_iter().nth(winner).expect("winner is a candidate");
            (held_out, final_params, learners, bagged, None)
        }
        Some(([a, b], judged)) => {
            let (ia, w) = blend::weights(&[&scored[a].platt, &scored[b].platt]);
            // One blend per held-out set, of the members' learners that did not see it.
            let folds: Vec<Learner> = scored[a]
                .learners
                .iter()
                .zip(&scored[b].learners)
                .map(|(la, lb)| {
                    blend::learner(ia, &w, vec![blend::widen(la.clone(), width), blend::widen(lb.clone(), width)])
                })
                .collect();
            let bagged = match (&scored[a].bagged, &scored[b].bagged) {
                (Some(la), Some(lb)) => {
                    Some(blend::learner(ia, &w, vec![blend::widen(la.clone(), width), blend::widen(lb.clone(), width)]))
                }
                _ => None,
            };
            let members = Some((
                ia,
                w,
                [(scored[a].final_params.clone(), design_of[a]), (scored[b].final_params.clone(), design_of[b])],
            ));
            (judged.held_out, judged.final_params, folds, bagged, members)
        }
    };
    // Platt scaling only where it improves the cross-fitted held-out log loss.
    let (platt, calibration) = calibration::check_platt(&raw_held, &y_held, opts.seed)?;
    let importance_sets: Vec<(&Learner, &Matrix, &[bool])> =
        learners.iter().zip(&sets).map(|(l, s)| (l, &s.x_out, &s.y_out[..])).collect();
    let permutation = permutation_importance(&importance_sets, &pre, &features, opts.seed)?;
    // The final fit: on train + validation after cross-validation or with a refit, else the
    // learner fitted on the training split.
    let refitted = bagged.is_none() && x_both.is_some();
    let (learner, x_fit) = match (bagged, x_both) {
        (Some(b), Some(x_both)) => (b, x_both),
        (None, Some(x_both)) => match &members {
            None => (final_params.fit(&x_both, &y_both, &w_both, None, opts.seed)?, x_both),
            Some((ia, w, fits)) => {
                let mut refits = Vec::with_capacity(fits.len());
                for (params, design) in fits {
                    let x = if *design == 0 { blend::first_columns(&x_both, base_width) } else { x_both.clone() };
                    refits.push(blend::widen(params.fit(&x, &y_both, &w_both, None, opts.seed)?, width));
                }
                (blend::learner(*ia, w, refits), x_both)
            }
        },
        (_, None) => (learners.into_iter().next().expect("one holdout learner"), x_train),
    };
    drop(sets);
    let input_means: Vec<f64> =
        (0..x_fit.n_cols()).map(|j| x_fit.col(j).iter().sum::<f64>() / x_fit.n_rows() as f64).collect();
    let fit_seconds = started.elapsed().as_secs_f64();
    let raw_test = learner.predict_raw(&x_test);
    // The reference score distribution comes from the test split: new data is always scored
    // out of sample, and the refitted model has seen train and validation rows.
    let p_test: Vec<f64> = raw_test.iter().map(|&r| platt.probability(r)).collect();
    // Percentile tiers: cut points on the same held-out distribution.
    let (tiers, tier_info) = match opts.tier_scheme {
        churn_core::tiers::TierScheme::Absolute => (opts.tiers.clone(), None),
        churn_core::tiers::TierScheme::Percentile => {
            let shares = churn_core::tiers::default_shares(opts.tiers.bands().len());
            let tiers = churn_core::tiers::percentile_tiers(&opts.tiers, &shares, &p_test)?;
            let info = churn_core::tiers::TierSchemeInfo {
                scheme: churn_core::tiers::TierScheme::Percentile,
                shares,
                computed_on: "test split".into(),
                rows: p_test.len(),
            };
            (tiers, Some(info))
        }
    };
    let profile = churn_model::Profile::build(table, &split.train, &features, &y_train, &p_test, &tiers)?;
    let training = TrainingSummary {
        data_file: table.path().file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
        data_fingerprint: table.fingerprint(),
        seed: opts.seed,
        train: split_info(&y, &split.train),
        validation: split_info(&y, &split.validation),
        test: split_info(&y, &split.test),
        refit: refitted,
        split_by: split_by.into(),
        selected_by: opts.select.name().into(),
        leaderboard,
        weight_churned: w_pos,
        weight_retained: w_neg,
        cv_folds: folds,
        validation_metrics: split_metrics(&raw_held, &y_held, &platt)?,
        test_metrics: split_metrics(&raw_test, &y_test, &platt)?,
        importance: Some(native_importance(&learner, &pre, permutation)),
        calibration: Some(calibration),
    };
    let name = opts.name.clone().unwrap_or_else(|| {
        let stem = table.path().file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into());
        stem.trim_end_matches(".parquet").trim_end_matches(".gz").trim_end_matches(".csv").to_string()
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
        tiers,
        opts.health_states.clone(),
        training,
        Some(profile),
        opts.features.clone(),
    );
    let model = match tier_info {
        Some(info) => model.with_tier_scheme(info),
        None => model,
    };
    // The rows the learner and the calibration saw (all but the test split), as a sketch that
    // lets `evaluate` and `report` notice when they are run on training rows.
    let seen: Vec<usize> = split.train.iter().chain(&split.validation).copied().collect();
    let sketch = churn_model::rows::RowSketch::of_table(&model, table, &seen)?;
    let model = model.with_training_rows(sketch);
    Ok(TrainOutcome { model, fit_seconds, candidate_seconds, warnings, test_rows: split.test })
}

#[cfg(test)]
mod tests {
    use super::*;
    use churn_core::rng::Rng;

    /// A judged candidate of `family` whose held-out raw scores are `raw`.
    fn scored(family: &str, raw: Vec<f64>, y: &[bool]) -> Scored {
        let platt = Platt::fit(&raw, y).unwrap();
        let validation = split_metrics(&raw, y, &platt).unwrap().calibrated;
        Scored {
            entry: LeaderboardEntry {
                model: family.into(),
                settings: String::new(),
                selected: false,
                cv_folds: None,
                validation: validation.clone(),
                test: validation,
                note: None,
            },
            seconds: 0.0,
            full: true,
            held_out: raw,
            platt,
            final_params: CandidateParams::Logistic(churn_learn::LogisticParams::default()),
            learners: Vec::new(),
            bagged: None,
            raw_test: Vec::new(),
        }
    }

    #[test]
    fn the_guard_keeps_the_defaults_unless_a_challenger_is_clearly_better() {
        let mut rng = Rng::new(1);
        let n = 400;
        let signal: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let y: Vec<bool> = signal.iter().map(|&s| rng.next_f64() < 1.0 / (1.0 + (-2.0 * s + 1.5).exp())).collect();
        let noisy = |rng: &mut Rng, sd: f64| signal.iter().map(|&s| s + sd * rng.normal()).collect::<Vec<f64>>();
        let default = noisy(&mut rng, 1.0);
        // A challenger that happens to be a hair better on these rows (the defaults plus noise):
        // within the noise, so the defaults stay.
        let auc = |v: &[f64]| churn_eval::roc_auc(v, &y).unwrap();
        let near = loop {
            let v: Vec<f64> = default.iter().map(|d| d + 0.3 * rng.normal()).collect();
            if auc(&v) > auc(&default) {
                break v;
            }
        };
        let candidates = vec![
            scored("gbdt", default.clone(), &y),
            scored("gbdt", near, &y),
            scored("gbdt", noisy(&mut rng, 1.2), &y),
        ];
        assert!(candidates[1].entry.validation.auc > candidates[0].entry.validation.auc);
        let (winner, notes) = select(&candidates, SelectBy::Auc, &y, 0);
        assert_eq!(winner, 0);
        // The passed-over challenger's note gives the guard's DeLong z and p, recomputed here.
        let best = if auc(&candidates[1].held_out) >= auc(&candidates[2].held_out) { 1 } else { 2 };
        let diff = auc(&candidates[best].held_out) - auc(&default);
        let se = churn_eval::delong_test(&candidates[best].held_out, &default, &y).unwrap().se;
        let note = notes[best].as_deref().unwrap();
        assert!(note.starts_with("passed over, within the noise: auc +"), "{note}");
        assert!(note.contains(&format!("p = {:.3} >= 0.025", churn_eval::normal_sf(diff / se))), "{note}");
        assert!(notes[0].as_deref().unwrap().starts_with("selected: the only family's winner"), "{notes:?}");
        // A challenger with far less noise wins.
        let mut candidates = candidates;
        candidates.push(scored("gbdt", noisy(&mut rng, 0.2), &y));
        assert_eq!(select(&candidates, SelectBy::Auc, &y, 0).0, 3);
        assert_eq!(select(&candidates, SelectBy::LogLoss, &y, 0).0, 3);
        // A challenger that was screened out cannot win, however good its figures.
        candidates[3].full = false;
        assert_eq!(select(&candidates, SelectBy::Auc, &y, 0).0, 0);
        // Across families the best family winner is chosen.
        candidates.push(scored("forest", noisy(&mut rng, 0.3), &y));
        assert_eq!(select(&candidates, SelectBy::Auc, &y, 0).0, 4);
    }
}
