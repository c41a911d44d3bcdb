//! Choosing the winner: the selection guard within each family, then the best family winner.

use crate::search::Scored;
use crate::SelectBy;

/// One-sided level of the selection guard, shared by the challengers of a family
/// (Bonferroni): a challenger replaces its family's first candidate only when it is better by
/// more than `z(1 − GUARD_LEVEL / challengers)` standard errors of the paired difference.
pub const GUARD_LEVEL: f64 = 0.05;

/// Standard error of the paired difference of the selection metric of candidates `a` and `b`
/// on the same held-out rows: DeLong's for AUC, the per-row standard error for the log loss
/// of calibrated probabilities, and a paired stratified bootstrap for average precision.
pub(crate) fn paired_se(a: &Scored, b: &Scored, y: &[bool], by: SelectBy, seed: u64) -> f64 {
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
pub(crate) fn select_families(
    scored: &[Scored],
    by: SelectBy,
    y_held: &[bool],
    seed: u64,
) -> (usize, Vec<Option<String>>, Vec<usize>) {
    let score = |i: usize| by.score(&scored[i].entry.validation);
    let (shown, test) = (|d: f64| by.shown(d), by.paired_test());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::judged as scored;
    use churn_core::rng::Rng;

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
