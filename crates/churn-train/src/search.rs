//! Fitting and judging the candidates on held-out rows (the validation split or
//! cross-validation folds), with successive halving of each family's challengers.

use std::time::Instant;

use rayon::prelude::*;

use churn_learn::{Matrix, Platt};
use churn_model::{LeaderboardEntry, Learner};

use crate::{split_metrics, subset, CandidateParams, ModelKind, SelectBy, TrainError, TrainOptions};

/// Rows candidates are fitted on and the held-out rows they are judged on: the training and
/// validation splits, or one cross-validation fold.
pub(crate) struct HeldOut {
    pub(crate) x_fit: Matrix,
    pub(crate) y_fit: Vec<bool>,
    pub(crate) w_fit: Vec<f64>,
    pub(crate) x_out: Matrix,
    pub(crate) y_out: Vec<bool>,
    pub(crate) w_out: Vec<f64>,
    /// Positions of the held-out rows among all held-out rows (the validation split, or train
    /// + validation under cross-validation).
    pub(crate) rows: Vec<usize>,
}

/// The candidates of the families `opts.models` asks for (all when empty), in family order,
/// for a training split of `n_rows` rows; with `gbdt_trees`, boosting without early stopping.
pub(crate) fn candidates(opts: &TrainOptions, n_rows: usize) -> Result<Vec<CandidateParams>, TrainError> {
    let kinds: Vec<ModelKind> = if opts.models.is_empty() { ModelKind::ALL.to_vec() } else { opts.models.clone() };
    let mut candidates: Vec<CandidateParams> =
        kinds.iter().flat_map(|&kind| kind.search_space(opts.seed, n_rows)).collect();
    if candidates.is_empty() {
        return Err(TrainError::InvalidOption { option: "--models", reason: "no candidate to train".into() });
    }
    if let Some(n) = opts.gbdt_trees {
        if n == 0 {
            return Err(TrainError::InvalidOption { option: "--gbdt-trees", reason: "must be at least 1".into() });
        }
        for c in &mut candidates {
            if let CandidateParams::Gbdt(p) = c {
                *p = p.clone().n_trees(n).early_stopping_rounds(None);
            }
        }
    }
    Ok(candidates)
}

/// The `k` cross-validation folds of the rows of `x` (labels `y`, weights `w`): fold `f` holds
/// out the rows with `fold_of[i] == f`.
pub(crate) fn fold_sets(x: &Matrix, y: &[bool], w: &[f64], fold_of: &[usize], k: usize) -> Vec<HeldOut> {
    (0..k)
        .map(|f| {
            let (fit, out): (Vec<usize>, Vec<usize>) = (0..y.len()).partition(|&i| fold_of[i] != f);
            HeldOut {
                x_fit: x.select_rows(&fit),
                y_fit: subset(y, &fit),
                w_fit: subset(w, &fit),
                x_out: x.select_rows(&out),
                y_out: subset(y, &out),
                w_out: subset(w, &out),
                rows: out,
            }
        })
        .collect()
}

/// One candidate, judged.
pub(crate) struct Scored {
    pub(crate) entry: LeaderboardEntry,
    /// Fit seconds, summed over folds.
    pub(crate) seconds: f64,
    /// Judged on every held-out row; `false` for a challenger screened out on the first fold,
    /// which cannot be selected.
    pub(crate) full: bool,
    /// Raw scores of every held-out row (out of fold under cross-validation).
    pub(crate) held_out: Vec<f64>,
    /// Platt scaling fitted on `held_out`.
    pub(crate) platt: Platt,
    /// Settings of the final fit: boosting keeps the rounds chosen on held-out loss.
    pub(crate) final_params: CandidateParams,
    /// One learner per held-out set, each fitted without its held-out rows.
    pub(crate) learners: Vec<Learner>,
    /// Under cross-validation, the learner averaging the fold learners (none for single trees).
    pub(crate) bagged: Option<Learner>,
    /// Raw scores of the test rows (reported only).
    pub(crate) raw_test: Vec<f64>,
}

/// One fit: (candidate, held-out set), the learner, its fit seconds.
type Fitted = ((usize, usize), Learner, f64);

/// The inputs candidates of one preprocessing are fitted and judged on: the held-out sets and
/// the test rows (reported only). The same rows, folds and labels for every design.
pub(crate) struct Design<'a> {
    pub(crate) sets: &'a [HeldOut],
    pub(crate) x_test: &'a Matrix,
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
pub(crate) fn score_candidates(
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

/// A judged candidate of `family` whose held-out (and test) raw scores are `raw`, for tests.
#[cfg(test)]
pub(crate) fn judged(family: &str, raw: Vec<f64>, y: &[bool]) -> Scored {
    let platt = Platt::fit(&raw, y).unwrap();
    let validation = split_metrics(&raw, y, &platt).unwrap().calibrated;
    Scored {
        entry: LeaderboardEntry {
            model: family.into(),
            settings: "s".into(),
            selected: false,
            cv_folds: None,
            validation: validation.clone(),
            test: validation,
            note: None,
        },
        seconds: 0.0,
        full: true,
        raw_test: raw.clone(),
        held_out: raw,
        platt,
        final_params: CandidateParams::Logistic(churn_learn::LogisticParams::default()),
        learners: Vec::new(),
        bagged: None,
    }
}
