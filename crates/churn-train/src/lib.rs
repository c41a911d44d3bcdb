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
mod importance;
mod options;
pub mod outliers;
mod search;
mod select;
pub mod split;
pub mod survival;
mod target_rates;

use std::time::Instant;

use churn_core::schema::{choose_features, resolve_label, Roles};
use churn_core::Table;
use churn_learn::{Matrix, Platt};
use churn_model::{
    LeaderboardEntry, Learner, ModelFile, Preprocessor, Schema, SplitInfo, SplitMetrics, TrainingSummary,
};

use importance::{native_importance, permutation_importance};
use search::{score_candidates, Design, HeldOut};

pub use candidates::{search_space, CandidateParams, ModelKind};
pub use options::{parse_cv_folds, ClassWeight, SelectBy, TrainOptions, TrainOutcome};
pub use select::GUARD_LEVEL;
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
    let (w_pos, w_neg) = class_weights(opts.class_weight, &y_train);
    let weigh = |labels: &[bool]| -> Vec<f64> { labels.iter().map(|&b| if b { w_pos } else { w_neg }).collect() };

    let started = Instant::now();
    let mut candidates = search::candidates(opts, x_train.n_rows())?;
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
    let (y_both, w_both) = (subset(&y, &both), weigh(&subset(&y, &both)));
    let folds = cv_folds(opts, &y_both, x_train.n_cols())?;
    let x_both = if folds.is_some() || opts.refit { Some(design(&both)?) } else { None };
    // The held-out sets candidates are judged on, and the labels of all their rows together.
    let (sets, y_held) = match (folds, &x_both) {
        (Some(k), Some(x_both)) => {
            let groups = row_groups(table, opts)?.map(|g| subset(&g, &both));
            let fold_of = stratified_folds(&y_both, groups.as_deref(), k, opts.seed);
            (search::fold_sets(x_both, &y_both, &w_both, &fold_of, k), y_both.clone())
        }
        _ => {
            let set = HeldOut {
                x_fit: x_train.clone(),
                y_fit: y_train.clone(),
                w_fit: weigh(&y_train),
                x_out: x_val,
                y_out: y_val.clone(),
                w_out: weigh(&y_val),
                rows: (0..y_val.len()).collect(),
            };
            (vec![set], y_val)
        }
    };
    // The same held-out sets with target statistics, and the statistics of the final fit's rows.
    let with_rates = design_of.contains(&1);
    let final_rows = if x_both.is_some() { &both } else { &split.train };
    let rate_sets = match with_rates {
        true => target_rates::held_out_sets(&sets, table, &cats, folds.map(|_| &both[..]), &split, opts.seed),
        false => Vec::new(),
    };
    let final_stats = match with_rates {
        true => target_rates::fit(table, &cats, final_rows, &subset(&y, final_rows)),
        false => Vec::new(),
    };
    let x_test_rates = with_rates.then(|| target_rates::with_fitted(&x_test, table, &cats, &final_stats, &split.test));
    let mut designs = vec![Design { sets: &sets, x_test: &x_test }];
    if let Some(x) = &x_test_rates {
        designs.push(Design { sets: &rate_sets, x_test: x });
    }
    let scored =
        score_candidates(&candidates, &designs, &design_of, &y_held, &y_test, folds.is_some(), opts.select, opts.seed)?;
    drop(designs);
    let board = blend::leaderboard(&scored, &y_held, &y_test, opts.select, opts.seed)?;
    let base_width = pre.width();
    let final_design = match &board.blend {
        Some((members, _)) => members.iter().map(|&m| design_of[m]).max().unwrap_or(0),
        None => design_of[board.winner],
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
    let chosen = blend::chosen(scored, board.winner, board.blend, &design_of, width);
    // Platt scaling only where it improves the cross-fitted held-out log loss.
    let (platt, calibration) = calibration::check_platt(&chosen.raw_held, &y_held, opts.seed)?;
    let validation_metrics = split_metrics(&chosen.raw_held, &y_held, &platt)?;
    let importance_sets: Vec<(&Learner, &Matrix, &[bool])> =
        chosen.learners.iter().zip(&sets).map(|(l, s)| (l, &s.x_out, &s.y_out[..])).collect();
    let permutation = permutation_importance(&importance_sets, &pre, &features, opts.seed)?;
    drop(sets);
    let refitted = chosen.bagged.is_none() && x_both.is_some();
    let (learner, x_fit) =
        blend::final_fit(chosen, x_both, x_train, (&y_both, &w_both), [base_width, width], opts.seed)?;
    let input_means: Vec<f64> =
        (0..x_fit.n_cols()).map(|j| x_fit.col(j).iter().sum::<f64>() / x_fit.n_rows() as f64).collect();
    let fit_seconds = started.elapsed().as_secs_f64();
    let raw_test = learner.predict_raw(&x_test);
    let decided = Decided {
        label,
        features,
        excluded,
        pre,
        input_means,
        learner,
        platt,
        calibration,
        leaderboard: board.entries,
        validation_metrics,
        raw_test,
        y_test,
        weights: (w_pos, w_neg),
        cv_folds: folds,
        refitted,
        permutation,
    };
    let model = model_file(table, opts, &y, &split, split_by, decided)?;
    Ok(TrainOutcome { model, fit_seconds, candidate_seconds: board.seconds, warnings, test_rows: split.test })
}

/// The class weights `(churned, retained)` of the loss, from the training labels.
fn class_weights(cw: ClassWeight, y_train: &[bool]) -> (f64, f64) {
    let n = y_train.len() as f64;
    let n_pos = y_train.iter().filter(|&&b| b).count() as f64;
    match cw {
        ClassWeight::Balanced => (n / (2.0 * n_pos), n / (2.0 * (n - n_pos))),
        ClassWeight::None => (1.0, 1.0),
        ClassWeight::Explicit { churned, retained } => (churned, retained),
    }
}

/// What training decided, for the model file.
struct Decided {
    label: churn_core::LabelSpec,
    features: Vec<churn_core::FeatureColumn>,
    excluded: Vec<churn_core::Excluded>,
    pre: Preprocessor,
    input_means: Vec<f64>,
    learner: Learner,
    platt: Platt,
    calibration: churn_model::CalibrationCheck,
    leaderboard: Vec<LeaderboardEntry>,
    validation_metrics: SplitMetrics,
    /// Raw scores and labels of the test split.
    raw_test: Vec<f64>,
    y_test: Vec<bool>,
    /// Weights of churned and retained rows.
    weights: (f64, f64),
    cv_folds: Option<usize>,
    refitted: bool,
    permutation: Vec<(String, f64)>,
}

/// The risk tiers stored in the model: as given, or (percentile tiers) cut at quantiles of the
/// test split's calibrated probabilities `p_test`, with what they were computed on.
fn model_tiers(
    opts: &TrainOptions,
    p_test: &[f64],
) -> Result<(churn_core::Bands, Option<churn_core::tiers::TierSchemeInfo>), TrainError> {
    use churn_core::tiers::{default_shares, percentile_tiers, TierScheme, TierSchemeInfo};
    Ok(match opts.tier_scheme {
        TierScheme::Absolute => (opts.tiers.clone(), None),
        TierScheme::Percentile => {
            let shares = default_shares(opts.tiers.bands().len());
            let tiers = percentile_tiers(&opts.tiers, &shares, p_test)?;
            let info = TierSchemeInfo {
                scheme: TierScheme::Percentile,
                shares,
                computed_on: "test split".into(),
                rows: p_test.len(),
            };
            (tiers, Some(info))
        }
    })
}

/// The model file of what training decided: tiers, profile, training summary, the sketch of
/// the rows training saw.
fn model_file(
    table: &Table,
    opts: &TrainOptions,
    y: &[bool],
    split: &Split,
    split_by: &str,
    d: Decided,
) -> Result<ModelFile, TrainError> {
    // The reference score distribution comes from the test split: new data is always scored
    // out of sample, and the refitted model has seen train and validation rows.
    let p_test: Vec<f64> = d.raw_test.iter().map(|&r| d.platt.probability(r)).collect();
    // Percentile tiers: cut points on the same held-out distribution.
    let (tiers, tier_info) = model_tiers(opts, &p_test)?;
    let y_train = subset(y, &split.train);
    let profile = churn_model::Profile::build(table, &split.train, &d.features, &y_train, &p_test, &tiers)?;
    let training = TrainingSummary {
        data_file: table.path().file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
        data_fingerprint: table.fingerprint(),
        seed: opts.seed,
        train: split_info(y, &split.train),
        validation: split_info(y, &split.validation),
        test: split_info(y, &split.test),
        refit: d.refitted,
        split_by: split_by.into(),
        selected_by: opts.select.name().into(),
        leaderboard: d.leaderboard,
        weight_churned: d.weights.0,
        weight_retained: d.weights.1,
        cv_folds: d.cv_folds,
        validation_metrics: d.validation_metrics,
        test_metrics: split_metrics(&d.raw_test, &d.y_test, &d.platt)?,
        importance: Some(native_importance(&d.learner, &d.pre, d.permutation)),
        calibration: Some(d.calibration),
    };
    let name = opts.name.clone().unwrap_or_else(|| {
        let stem = table.path().file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into());
        stem.trim_end_matches(".parquet").trim_end_matches(".gz").trim_end_matches(".csv").to_string()
    });
    let schema = Schema { id: opts.id.clone(), label: d.label, features: d.features, excluded: d.excluded };
    let model = ModelFile::new(
        name,
        opts.version.clone(),
        schema,
        d.pre,
        d.input_means,
        d.learner,
        d.platt,
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
    Ok(model.with_training_rows(sketch))
}
