//! Time to churn: survival models trained from the same table (`churn train --time`).
//!
//! The time column holds the time observed so far (to churn when the label is positive, to
//! now otherwise); censored rows are used, not dropped. Three candidates are fitted on the
//! training split: an L2 Cox model (Breslow) and discrete-time hazard models (person-period
//! rows, the period as features) fitted by logistic regression and by gradient boosting. They
//! are judged on the validation split by the integrated IPCW Brier score over the horizons
//! (censoring curve from the training split); the winner is refitted on train + validation.

use std::time::Instant;

use churn_core::schema::resolve_label;
use churn_core::Table;
use churn_learn::{GbdtModel, GbdtParams, LogisticRegression, LogisticValidParams, Matrix, ParamGuard, Platt};
use churn_model::{LeaderboardEntry, Learner, ModelFile, Schema, SplitMetrics, TrainingSummary};
use churn_survival::discrete::PeriodGrid;
use churn_survival::metrics;
use churn_survival::{Baseline, CoxModel, CoxValidParams, SurvivalSection};

use crate::{prepare, split_info, subset, Prepared, TrainError, TrainOptions, TrainOutcome};

/// What makes a training run a survival one.
#[derive(Debug, Clone)]
pub struct SurvivalOptions {
    /// The time column.
    pub time: String,
    /// Its unit (informational).
    pub unit: String,
    /// Horizons, in the time column's unit.
    pub horizons: Vec<f64>,
    /// The horizon of `churn_probability` (default: the longest).
    pub main_horizon: Option<f64>,
}

/// Periods of the discrete-time grid at most.
pub const MAX_PERIODS: usize = 80;

fn invalid(option: &'static str, reason: String) -> TrainError {
    TrainError::InvalidOption { option, reason }
}

/// Reads the time column: every value a finite non-negative number.
pub fn read_times(table: &Table, column: &str) -> Result<Vec<f64>, TrainError> {
    Ok(churn_survival::evaluation::read_times(table, column)?)
}

/// A fitted candidate: the learner and how to read survival curves from it.
struct Fitted {
    learner: Learner,
    baseline: Baseline,
}

impl Fitted {
    fn section(&self, s: &SurvivalOptions, horizons: &[f64], main: f64, follow_up: f64) -> SurvivalSection {
        SurvivalSection {
            time: s.time.clone(),
            unit: s.unit.clone(),
            horizons: horizons.to_vec(),
            main_horizon: main,
            follow_up,
            baseline: self.baseline.clone(),
        }
    }

    /// `S(h | x)` of every row of `x` at every horizon (`out[k][i]`).
    fn survival(&self, sec: &SurvivalSection, x: &Matrix, times: &[f64]) -> Vec<Vec<f64>> {
        let mut out = vec![vec![0.0; x.n_rows()]; times.len()];
        let mut row = vec![0.0; x.n_cols()];
        let raw = |r: &[f64]| self.learner.predict_raw_row(r);
        for i in 0..x.n_rows() {
            x.row_into(i, &mut row);
            let c = sec.curve(&row, &raw);
            for (o, &t) in out.iter_mut().zip(times) {
                o[i] = c.survival(t);
            }
        }
        out
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Candidate {
    Cox,
    DiscreteLogistic,
    DiscreteGbdt,
}

impl Candidate {
    fn name(self) -> &'static str {
        match self {
            Candidate::Cox => "cox",
            Candidate::DiscreteLogistic => "dt_logistic",
            Candidate::DiscreteGbdt => "dt_gbdt",
        }
    }
    fn settings(self) -> &'static str {
        match self {
            Candidate::Cox => "Cox PH, L2 alpha=0.1, Breslow ties and baseline",
            Candidate::DiscreteLogistic => "discrete-time, logistic C=1, spline of log time",
            Candidate::DiscreteGbdt => "discrete-time, GBDT lr=0.05, 15 leaves, early stop",
        }
    }
}

/// Person-period design: account rows of `x` (indexed by position in `rows`) with the period
/// features appended.
fn person_period(
    grid: &PeriodGrid,
    x: &Matrix,
    time: &[f64],
    event: &[bool],
) -> Result<(Matrix, Vec<bool>), TrainError> {
    let all: Vec<usize> = (0..time.len()).collect();
    let pp = grid.expand(time, event, &all);
    let p = x.n_cols();
    let q = grid.n_features();
    let mut data = vec![0.0; pp.len() * (p + q)];
    let n = pp.len();
    let mut feats = vec![0.0; q];
    for (r, row) in pp.iter().enumerate() {
        for j in 0..p {
            data[j * n + r] = x.get(row.row, j);
        }
        grid.features(row.period, &mut feats);
        for (j, f) in feats.iter().enumerate() {
            data[(p + j) * n + r] = *f;
        }
    }
    let m = Matrix::from_col_major(n, p + q, data)
        .ok_or_else(|| invalid("--time", "no person-period rows (nobody was at risk)".into()))?;
    Ok((m, pp.iter().map(|r| r.churned).collect()))
}

fn fit_candidate(
    c: Candidate,
    x: &Matrix,
    time: &[f64],
    event: &[bool],
    valid: Option<(&Matrix, &[f64], &[bool])>,
    seed: u64,
    gbdt_rounds: Option<usize>,
) -> Result<(Fitted, Option<usize>), TrainError> {
    match c {
        Candidate::Cox => {
            let m = CoxModel::fit(x, time, event, &CoxValidParams::default())
                .map_err(|e| invalid("--time", format!("the Cox model could not be fitted: {e}")))?;
            let learner = Learner::Logistic(LogisticRegression { intercept: 0.0, coef: m.coef.clone(), iterations: 0 });
            Ok((
                Fitted { learner, baseline: Baseline::Cox { times: m.times, cumulative_hazard: m.cumulative_hazard } },
                None,
            ))
        }
        Candidate::DiscreteLogistic | Candidate::DiscreteGbdt => {
            let grid = PeriodGrid::fit(time, event, MAX_PERIODS)
                .map_err(|e| invalid("--time", format!("no period grid: {e}")))?;
            let (xp, yp) = person_period(&grid, x, time, event)?;
            let w = vec![1.0; yp.len()];
            let learner = if c == Candidate::DiscreteLogistic {
                Learner::Logistic(LogisticRegression::fit(&xp, &yp, &w, &LogisticValidParams::default())?)
            } else {
                let mut params =
                    GbdtParams::default().n_trees(1000).learning_rate(0.05).num_leaves(15).min_data_in_leaf(100);
                if let Some(n) = gbdt_rounds {
                    params = params.n_trees(n).early_stopping_rounds(None);
                }
                let params = params.check()?;
                let v = match valid {
                    Some((xv, tv, ev)) if gbdt_rounds.is_none() => Some(person_period(&grid, xv, tv, ev)?),
                    _ => None,
                };
                let wv = v.as_ref().map(|(_, y)| vec![1.0; y.len()]);
                let eval = v.as_ref().zip(wv.as_ref()).map(|((xv, yv), wv)| (xv, &yv[..], &wv[..]));
                let m = GbdtModel::fit(&xp, &yp, &w, &params, seed, eval)?;
                let rounds = m.trees.len();
                return Ok((Fitted { learner: Learner::Gbdt(m), baseline: Baseline::Discrete(grid) }, Some(rounds)));
            };
            Ok((Fitted { learner, baseline: Baseline::Discrete(grid) }, None))
        }
    }
}

/// Survival figures of one candidate on one split.
struct Figures {
    ibs: f64,
    brier: Vec<f64>,
    harrell: f64,
    /// Each row's share of the integrated Brier score (their mean is `ibs`).
    ibs_rows: Vec<f64>,
}

/// One-sided level of the selection guard: a challenger replaces the Cox baseline only when
/// its validation integrated Brier score is lower by more than the noise (paired per-row
/// differences, normal approximation).
pub const GUARD_LEVEL: f64 = 0.05;

/// Whether `challenger` beats `base` on the paired per-row integrated Brier terms at
/// [`GUARD_LEVEL`].
fn beats(challenger: &[f64], base: &[f64]) -> bool {
    let n = base.len() as f64;
    let d: Vec<f64> = base.iter().zip(challenger).map(|(b, c)| b - c).collect();
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0).max(1.0);
    let se = (var / n).sqrt();
    mean > 0.0 && (se == 0.0 || mean / se > churn_eval::stats::normal_isf(GUARD_LEVEL))
}

#[allow(clippy::too_many_arguments)]
fn figures(
    f: &Fitted,
    sec: &SurvivalSection,
    x: &Matrix,
    time: &[f64],
    event: &[bool],
    train_time: &[f64],
    train_event: &[bool],
) -> Result<(Figures, Vec<Vec<f64>>), TrainError> {
    let h = &sec.horizons;
    // IPCW needs the evaluation times within the training follow-up.
    let cap = train_time.iter().cloned().fold(0.0, f64::max);
    let (t, e): (Vec<f64>, Vec<bool>) = time
        .iter()
        .zip(event)
        .map(|(&t, &e)| if t >= cap { (cap - 0.5_f64.min(cap / 2.0), false) } else { (t, e) })
        .unzip();
    let surv = f.survival(sec, x, h);
    let err = |e: churn_survival::SurvivalError| invalid("--horizons", format!("survival metrics failed: {e}"));
    let rows = metrics::brier_rows(train_time, train_event, &t, &e, &surv, h).map_err(err)?;
    let brier: Vec<f64> = rows.iter().map(|r| r.iter().sum::<f64>() / r.len() as f64).collect();
    let ibs_rows: Vec<f64> =
        (0..t.len()).map(|i| metrics::integrate(&rows.iter().map(|r| r[i]).collect::<Vec<_>>(), h)).collect();
    let ibs = metrics::integrate(&brier, h);
    let main = h.iter().position(|&v| v == sec.main_horizon).unwrap_or(h.len() - 1);
    let risk: Vec<f64> = surv[main].iter().map(|s| 1.0 - s).collect();
    let harrell = metrics::harrell_c(time, event, &risk).map_err(err)?;
    Ok((Figures { ibs, brier, harrell, ibs_rows }, surv))
}

/// Classification view of the main horizon: churned by `h` vs observed beyond `h`.
fn horizon_metrics(surv_main: &[f64], time: &[f64], event: &[bool], h: f64) -> Result<SplitMetrics, TrainError> {
    let (mut p, mut y) = (Vec::new(), Vec::new());
    for i in 0..time.len() {
        if event[i] && time[i] <= h {
            p.push(1.0 - surv_main[i]);
            y.push(true);
        } else if time[i] > h {
            p.push(1.0 - surv_main[i]);
            y.push(false);
        }
    }
    let m = churn_eval::summarize(&p, &y)?;
    Ok(SplitMetrics { raw: m.clone(), calibrated: m })
}

/// Trains a survival model (see the module docs).
pub fn train_survival(table: &Table, opts: &TrainOptions, s: &SurvivalOptions) -> Result<TrainOutcome, TrainError> {
    if opts.keep.contains(&s.time) || opts.label == s.time || opts.id.as_deref() == Some(s.time.as_str()) {
        return Err(invalid(
            "--time",
            format!("the time column `{}` cannot also be a feature, the label or the id", s.time),
        ));
    }
    let label = resolve_label(table, &opts.label, opts.positive.as_deref(), opts.negative.as_deref())?;
    let event = label.read(table)?;
    let time = read_times(table, &s.time)?;
    let follow_up = time.iter().cloned().fold(0.0, f64::max);
    let mut horizons = s.horizons.clone();
    if horizons.is_empty() {
        return Err(invalid("--horizons", "at least one horizon is needed".into()));
    }
    for &h in &horizons {
        if !(h.is_finite() && h > 0.0) {
            return Err(invalid("--horizons", format!("{h} is not a positive number")));
        }
        if h > follow_up {
            return Err(invalid(
                "--horizons",
                format!("{h} lies beyond the training follow-up: `{}` reaches {follow_up} at most", s.time),
            ));
        }
    }
    horizons.sort_by(f64::total_cmp);
    horizons.dedup();
    let main = s.main_horizon.unwrap_or(horizons[horizons.len() - 1]);
    if !horizons.contains(&main) {
        return Err(invalid("--main-horizon", format!("{main} is not one of the horizons")));
    }
    let mut drop = opts.drop.clone();
    drop.push(s.time.clone());
    let Prepared { features, excluded, split, split_by, pre, cols, cleaned, warnings } =
        prepare(table, opts, &drop, &event)?;
    let table = cleaned.as_ref().unwrap_or(table);
    let design = |rows: &[usize]| pre.transform_table(table, &cols, rows).map(crate::outliers::bounded);
    let (x_train, x_val, x_test) = (design(&split.train)?, design(&split.validation)?, design(&split.test)?);
    let (t_train, t_val, t_test) =
        (subset(&time, &split.train), subset(&time, &split.validation), subset(&time, &split.test));
    let (e_train, e_val, e_test) =
        (subset(&event, &split.train), subset(&event, &split.validation), subset(&event, &split.test));

    let started = Instant::now();
    let kinds = [Candidate::Cox, Candidate::DiscreteLogistic, Candidate::DiscreteGbdt];
    let mut board = Vec::new();
    let mut seconds = Vec::new();
    let mut best: Option<(usize, f64, Option<usize>)> = None;
    let mut base_rows: Option<Vec<f64>> = None;
    for (k, &c) in kinds.iter().enumerate() {
        let t0 = Instant::now();
        let (fitted, rounds) =
            fit_candidate(c, &x_train, &t_train, &e_train, Some((&x_val, &t_val, &e_val)), opts.seed, opts.gbdt_trees)?;
        seconds.push(t0.elapsed().as_secs_f64());
        let sec = fitted.section(s, &horizons, main, follow_up);
        let (fv, sv) = figures(&fitted, &sec, &x_val, &t_val, &e_val, &t_train, &e_train)?;
        let (ft, st) = figures(&fitted, &sec, &x_test, &t_test, &e_test, &t_train, &e_train)?;
        let mi = horizons.iter().position(|&h| h == main).expect("main is a horizon");
        let settings = format!(
            "{}; val IBS {:.4} C {:.4}; test IBS {:.4} C {:.4} Brier {}",
            c.settings(),
            fv.ibs,
            fv.harrell,
            ft.ibs,
            ft.harrell,
            ft.brier.iter().map(|b| format!("{b:.4}")).collect::<Vec<_>>().join("/")
        );
        board.push(LeaderboardEntry {
            model: c.name().into(),
            settings,
            selected: false,
            cv_folds: None,
            validation: horizon_metrics(&sv[mi], &t_val, &e_val, main)?.calibrated,
            test: horizon_metrics(&st[mi], &t_test, &e_test, main)?.calibrated,
            note: None,
        });
        // The Cox baseline first; a challenger must beat it beyond the noise, and the best
        // such challenger wins.
        let better = match &base_rows {
            None => true,
            Some(base) => beats(&fv.ibs_rows, base) && best.is_none_or(|(_, b, _)| fv.ibs < b),
        };
        if base_rows.is_none() {
            base_rows = Some(fv.ibs_rows.clone());
        }
        if better {
            best = Some((k, fv.ibs, rounds));
        }
    }
    let (winner, _, rounds) = best.expect("three candidates");
    board[winner].selected = true;
    // Refit the winner on train + validation (boosting with the rounds early stopping chose).
    let both: Vec<usize> = split.train.iter().chain(&split.validation).copied().collect();
    let x_both = design(&both)?;
    let (t_both, e_both) = (subset(&time, &both), subset(&event, &both));
    let (fitted, _) =
        fit_candidate(kinds[winner], &x_both, &t_both, &e_both, None, opts.seed, rounds.or(opts.gbdt_trees))?;
    let fit_seconds = started.elapsed().as_secs_f64();
    let sec = fitted.section(s, &horizons, main, follow_up);
    let (_, sv) = figures(&fitted, &sec, &x_val, &t_val, &e_val, &t_train, &e_train)?;
    let (_, st) = figures(&fitted, &sec, &x_test, &t_test, &e_test, &t_train, &e_train)?;
    let mi = horizons.iter().position(|&h| h == main).expect("main is a horizon");
    let p_test: Vec<f64> = st[mi].iter().map(|s| 1.0 - s).collect();
    let input_means: Vec<f64> =
        (0..x_both.n_cols()).map(|j| x_both.col(j).iter().sum::<f64>() / x_both.n_rows() as f64).collect();
    let profile = churn_model::Profile::build(table, &split.train, &features, &e_train, &p_test, &opts.tiers)?;
    let training = TrainingSummary {
        data_file: table.path().file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
        data_fingerprint: table.fingerprint(),
        seed: opts.seed,
        train: split_info(&event, &split.train),
        validation: split_info(&event, &split.validation),
        test: split_info(&event, &split.test),
        split_by: split_by.into(),
        refit: true,
        weight_churned: 1.0,
        weight_retained: 1.0,
        selected_by: "integrated_brier".into(),
        leaderboard: board,
        cv_folds: None,
        validation_metrics: horizon_metrics(&sv[mi], &t_val, &e_val, main)?,
        test_metrics: horizon_metrics(&st[mi], &t_test, &e_test, main)?,
        calibration: None,
        importance: None,
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
        fitted.learner,
        Platt::IDENTITY,
        opts.tiers.clone(),
        opts.health_states.clone(),
        training,
        Some(profile),
        opts.features.clone(),
    )
    .with_survival(sec);
    Ok(TrainOutcome { model, fit_seconds, candidate_seconds: seconds, warnings, test_rows: split.test })
}
