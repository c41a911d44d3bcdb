//! A blend of the family winners of logistic regression and gradient boosting: the mean of
//! their Platt-calibrated log-odds on held-out rows, so that neither member's raw scale
//! dominates and nothing else is fitted on the rows it is judged on. It replaces the best
//! single model only when it beats it on those rows by more than the noise (the one-sided
//! paired test of the selection guard at [`crate::GUARD_LEVEL`]).

use churn_learn::{Matrix, Platt};
use churn_model::{Blend, LeaderboardEntry, Learner};

use crate::search::Scored;
use crate::select::{paired_se, select_families};
use crate::{split_metrics, CandidateParams, ModelKind, SelectBy, TrainError, GUARD_LEVEL};

/// Intercept and weights of the mean of the members' calibrated log-odds
/// (`mean(a_i · raw_i + b_i)`).
pub(crate) fn weights(platts: &[&Platt]) -> (f64, Vec<f64>) {
    let k = platts.len() as f64;
    (platts.iter().map(|p| p.b).sum::<f64>() / k, platts.iter().map(|p| p.a / k).collect())
}

/// `intercept + Σ weights[i] · raws[i]`, row by row.
pub(crate) fn combine(intercept: f64, weights: &[f64], raws: &[&[f64]]) -> Vec<f64> {
    let mut out = vec![intercept; raws.first().map_or(0, |r| r.len())];
    for (w, raw) in weights.iter().zip(raws) {
        out.iter_mut().zip(raw.iter()).for_each(|(o, r)| *o += w * r);
    }
    out
}

/// `l` taking `n` inputs, of which it uses the first ones as before: logistic regression gets
/// zero coefficients for the extra inputs (target statistics appended after the others).
pub(crate) fn widen(l: Learner, n: usize) -> Learner {
    match l {
        Learner::Logistic(mut m) if m.coef.len() < n => {
            m.coef.resize(n, 0.0);
            Learner::Logistic(m)
        }
        Learner::Gbdt(mut m) if m.n_features < n => {
            m.n_features = n;
            Learner::Gbdt(m)
        }
        l => l,
    }
}

/// The blend of `members` (already widened to the same inputs).
pub(crate) fn learner(intercept: f64, weights: &[f64], members: Vec<Learner>) -> Learner {
    Learner::Blend(Blend { intercept, weights: weights.to_vec(), members })
}

/// The first `n` columns of `x`.
pub(crate) fn first_columns(x: &Matrix, n: usize) -> Matrix {
    Matrix::from_col_major(x.n_rows(), n, x.as_slice()[..x.n_rows() * n].to_vec()).expect("a prefix of the columns")
}

/// The judged blend of the candidates `members` (logistic and boosting family winners), with
/// a note saying whether it beats `best`, the best single model, and the decision.
pub(crate) fn judge(
    scored: &[Scored],
    members: [usize; 2],
    best: usize,
    y_held: &[bool],
    y_test: &[bool],
    by: SelectBy,
    seed: u64,
) -> Result<(Scored, bool), TrainError> {
    let [a, b] = members;
    let (intercept, w) = weights(&[&scored[a].platt, &scored[b].platt]);
    let held_out = combine(intercept, &w, &[&scored[a].held_out, &scored[b].held_out]);
    let raw_test = combine(intercept, &w, &[&scored[a].raw_test, &scored[b].raw_test]);
    let platt = Platt::fit(&held_out, y_held)?;
    let validation = split_metrics(&held_out, y_held, &platt)?.calibrated;
    let test = split_metrics(&raw_test, y_test, &platt)?.calibrated;
    let entry = LeaderboardEntry {
        model: "blend".into(),
        settings: format!(
            "mean calibrated log-odds of {} ({}) and {} ({})",
            scored[a].entry.model, scored[a].entry.settings, scored[b].entry.model, scored[b].entry.settings
        ),
        selected: false,
        cv_folds: scored[b].entry.cv_folds,
        validation,
        test,
        note: None,
    };
    let mut blend = Scored {
        entry,
        seconds: 0.0,
        full: true,
        held_out,
        platt,
        final_params: scored[b].final_params.clone(),
        learners: Vec::new(),
        bagged: None,
        raw_test,
    };
    let diff = by.score(&blend.entry.validation) - by.score(&scored[best].entry.validation);
    let se = paired_se(&blend, &scored[best], y_held, by, seed);
    let z = churn_eval::stats::normal_isf(GUARD_LEVEL);
    let beats = diff > z * se;
    let (z_obs, p) = if se > 0.0 { (diff / se, churn_eval::normal_sf(diff / se)) } else { (f64::INFINITY, 0.0) };
    let (test_name, shown) = (by.paired_test(), by.shown(diff));
    blend.entry.note = Some(format!(
        "{} {} {shown:+.4} vs the best single model ({}), {test_name} z = {z_obs:.2}, one-sided p = {p:.3} {} {GUARD_LEVEL}",
        if beats { "selected: the blend beats" } else { "passed over, within the noise of" },
        by.name(),
        scored[best].entry.model,
        if beats { "<" } else { ">=" },
    ));
    Ok((blend, beats))
}

/// The leaderboard: every candidate's entry with its selection note, and the blend's when
/// there is one (a blend of the logistic and boosting family winners, selected when it beats
/// the best single model).
pub(crate) struct Board {
    /// Leaderboard entries, in candidate order (then the blend).
    pub(crate) entries: Vec<LeaderboardEntry>,
    /// Fit seconds of each entry.
    pub(crate) seconds: Vec<f64>,
    /// The best single candidate.
    pub(crate) winner: usize,
    /// The blend's members and its judged figures, when it beats the winner.
    pub(crate) blend: Option<([usize; 2], Scored)>,
}

/// Selects among the candidates ([`select_families`]) and judges the blend of the logistic and
/// boosting family winners.
pub(crate) fn leaderboard(
    scored: &[Scored],
    y_held: &[bool],
    y_test: &[bool],
    by: SelectBy,
    seed: u64,
) -> Result<Board, TrainError> {
    let (winner, notes, winners) = select_families(scored, by, y_held, seed);
    let mut entries: Vec<LeaderboardEntry> = scored.iter().map(|c| c.entry.clone()).collect();
    for (e, note) in entries.iter_mut().zip(notes) {
        e.note = note;
    }
    let mut seconds: Vec<f64> = scored.iter().map(|c| c.seconds).collect();
    entries[winner].selected = true;
    let family = |name: &str| winners.iter().copied().find(|&i| scored[i].entry.model == name && scored[i].full);
    let blend = match (family(ModelKind::Logistic.name()), family(ModelKind::Gbdt.name())) {
        (Some(a), Some(b)) => {
            let (judged, beats) = judge(scored, [a, b], winner, y_held, y_test, by, seed)?;
            entries.push(judged.entry.clone());
            seconds.push(0.0);
            if beats {
                entries[winner].selected = false;
                entries.last_mut().expect("pushed").selected = true;
            }
            beats.then_some(([a, b], judged))
        }
        _ => None,
    };
    Ok(Board { entries, seconds, winner, blend })
}

/// The selected model's parts: its held-out scores, the settings of its final fit, its learner
/// per held-out set and (under cross-validation) their average, and for a blend its intercept,
/// weights and members' final settings with their design (0: plain, 1: with target statistics).
pub(crate) struct Chosen {
    pub(crate) raw_held: Vec<f64>,
    pub(crate) final_params: CandidateParams,
    pub(crate) learners: Vec<Learner>,
    pub(crate) bagged: Option<Learner>,
    members: Option<BlendMembers>,
}

/// A blend's intercept, weights, and its members' final settings with their design.
type BlendMembers = (f64, Vec<f64>, [(CandidateParams, usize); 2]);

/// The parts of the winner, or of the blend (members widened to `width` inputs).
pub(crate) fn chosen(
    scored: Vec<Scored>,
    winner: usize,
    blend: Option<([usize; 2], Scored)>,
    design_of: &[usize],
    width: usize,
) -> Chosen {
    match blend {
        None => {
            let Scored { held_out, final_params, learners, bagged, .. } =
                scored.into_iter().nth(winner).expect("winner is a candidate");
            Chosen { raw_held: held_out, final_params, learners, bagged, members: None }
        }
        Some(([a, b], judged)) => {
            let (ia, w) = weights(&[&scored[a].platt, &scored[b].platt]);
            let pair =
                |la: &Learner, lb: &Learner| learner(ia, &w, vec![widen(la.clone(), width), widen(lb.clone(), width)]);
            // One blend per held-out set, of the members' learners that did not see it.
            let learners: Vec<Learner> =
                scored[a].learners.iter().zip(&scored[b].learners).map(|(la, lb)| pair(la, lb)).collect();
            let bagged = match (&scored[a].bagged, &scored[b].bagged) {
                (Some(la), Some(lb)) => Some(pair(la, lb)),
                _ => None,
            };
            let members = Some((
                ia,
                w,
                [(scored[a].final_params.clone(), design_of[a]), (scored[b].final_params.clone(), design_of[b])],
            ));
            Chosen { raw_held: judged.held_out, final_params: judged.final_params, learners, bagged, members }
        }
    }
}

/// The final fit, and the rows it saw: on train + validation (`x_both`, with labels and
/// weights `both`) after cross-validation (the average of the fold learners) or with a refit,
/// else the learner fitted on the training split `x_train`. `widths`: the inputs without and
/// with target statistics.
pub(crate) fn final_fit(
    chosen: Chosen,
    x_both: Option<Matrix>,
    x_train: Matrix,
    (y_both, w_both): (&[bool], &[f64]),
    [base_width, width]: [usize; 2],
    seed: u64,
) -> Result<(Learner, Matrix), TrainError> {
    Ok(match (chosen.bagged, x_both) {
        (Some(b), Some(x_both)) => (b, x_both),
        (None, Some(x_both)) => match &chosen.members {
            None => (chosen.final_params.fit(&x_both, y_both, w_both, None, seed)?, x_both),
            Some((ia, w, fits)) => {
                let mut refits = Vec::with_capacity(fits.len());
                for (params, design) in fits {
                    let x = if *design == 0 { first_columns(&x_both, base_width) } else { x_both.clone() };
                    refits.push(widen(params.fit(&x, y_both, w_both, None, seed)?, width));
                }
                (learner(*ia, w, refits), x_both)
            }
        },
        (_, None) => (chosen.learners.into_iter().next().expect("one holdout learner"), x_train),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::judged as scored;

    #[test]
    fn the_blend_is_the_mean_of_calibrated_log_odds() {
        let (p, q) = (Platt { a: 0.8, b: -0.3 }, Platt { a: 1.3, b: 0.2 });
        let (intercept, w) = weights(&[&p, &q]);
        let (ra, rb) = ([0.5, -1.0, 2.0], [1.5, 0.0, -0.7]);
        let blended = combine(intercept, &w, &[&ra, &rb]);
        for i in 0..3 {
            let expected = 0.5 * (p.a * ra[i] + p.b) + 0.5 * (q.a * rb[i] + q.b);
            assert!((blended[i] - expected).abs() < 1e-12);
        }
    }

    /// Two members with independent errors: their blend is clearly better than either and is
    /// chosen; a member of pure noise makes a blend no better than the best model, passed over.
    #[test]
    fn the_blend_is_chosen_only_when_it_beats_the_best_single_model_by_more_than_the_noise() {
        let mut rng = churn_core::rng::Rng::new(5);
        let n = 3000;
        let signal: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let y: Vec<bool> = signal.iter().map(|&s| rng.next_f64() < 1.0 / (1.0 + (-2.0 * s + 1.0).exp())).collect();
        let noisy = |rng: &mut churn_core::rng::Rng| signal.iter().map(|&s| s + rng.normal()).collect::<Vec<f64>>();
        let (a, b) = (noisy(&mut rng), noisy(&mut rng));
        let set = vec![scored("logistic", a, &y), scored("gbdt", b.clone(), &y)];
        let best = if set[0].entry.validation.auc > set[1].entry.validation.auc { 0 } else { 1 };
        let (blend, beats) = judge(&set, [0, 1], best, &y, &y, SelectBy::Auc, 1).unwrap();
        let auc = |v: &[f64]| churn_eval::roc_auc(v, &y).unwrap();
        assert!(auc(&blend.held_out) > auc(&set[best].held_out) + 0.01);
        assert!(beats, "{:?}", blend.entry.note);
        let note = blend.entry.note.as_deref().unwrap();
        let se = churn_eval::delong_test(&blend.held_out, &set[best].held_out, &y).unwrap().se;
        let p = churn_eval::normal_sf((auc(&blend.held_out) - auc(&set[best].held_out)) / se);
        assert!(note.starts_with("selected: the blend beats auc +"), "{note}");
        assert!(note.contains(&format!("p = {p:.3} < 0.05")), "{note}");
        let junk: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let set = vec![scored("logistic", junk, &y), scored("gbdt", b, &y)];
        let (blend, beats) = judge(&set, [0, 1], 1, &y, &y, SelectBy::Auc, 1).unwrap();
        assert!(!beats, "{:?}", blend.entry.note);
        assert!(blend.entry.note.unwrap().starts_with("passed over, within the noise of"));
    }

    #[test]
    fn a_widened_logistic_regression_ignores_the_extra_inputs() {
        let m = churn_learn::LogisticRegression { intercept: 0.1, coef: vec![1.0, -2.0], iterations: 1 };
        let wide = widen(Learner::Logistic(m.clone()), 3);
        assert_eq!(wide.n_inputs(), 3);
        let narrow = Learner::Logistic(m);
        assert_eq!(wide.predict_raw_row(&[0.3, 0.4, 99.0]), narrow.predict_raw_row(&[0.3, 0.4]));
        let x = Matrix::from_rows(&[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]]).unwrap();
        assert_eq!(first_columns(&x, 2), Matrix::from_rows(&[vec![1.0, 2.0], vec![4.0, 5.0]]).unwrap());
    }
}
