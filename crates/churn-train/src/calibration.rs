//! Checked calibration: Platt scaling is used only where it improves held-out log loss.
//!
//! Platt scaling fitted and judged on the same held-out scores can never look worse than the raw
//! probabilities (the identity is one of its settings), so the check is cross-fitted: the
//! held-out rows are dealt into [`CHECK_FOLDS`] stratified folds, each fold's probabilities
//! come from a Platt fit on the other folds, and their log loss is compared with the raw
//! probabilities' on the same rows. Platt (refitted on every held-out row) is kept only when it
//! is lower; otherwise the model's probabilities are the learner's own (`sigmoid(raw)`).

use churn_learn::Platt;
use churn_model::CalibrationCheck;

use crate::split::stratified_folds;
use crate::TrainError;

/// Folds of the cross-fitted check.
pub const CHECK_FOLDS: usize = 5;

/// Decides between Platt scaling and the raw probabilities on held-out raw scores (log-odds)
/// and their labels; returns the calibration to use and the figures it was decided on.
pub fn check_platt(raw: &[f64], y: &[bool], seed: u64) -> Result<(Platt, CalibrationCheck), TrainError> {
    let platt = Platt::fit(raw, y)?;
    let p_raw: Vec<f64> = raw.iter().map(|&r| Platt::IDENTITY.probability(r)).collect();
    let fold = stratified_folds(y, None, CHECK_FOLDS, seed ^ 0xca1b);
    let mut p_cross = vec![0.0; raw.len()];
    for f in 0..CHECK_FOLDS {
        let (fit, out): (Vec<usize>, Vec<usize>) = (0..raw.len()).partition(|&i| fold[i] != f);
        if out.is_empty() {
            continue;
        }
        let fitted = Platt::fit(
            &fit.iter().map(|&i| raw[i]).collect::<Vec<_>>(),
            &fit.iter().map(|&i| y[i]).collect::<Vec<_>>(),
        )?;
        for i in out {
            p_cross[i] = fitted.probability(raw[i]);
        }
    }
    let check = CalibrationCheck {
        raw_log_loss: churn_eval::log_loss(&p_raw, y)?,
        platt_log_loss: churn_eval::log_loss(&p_cross, y)?,
        raw_brier: churn_eval::brier(&p_raw, y)?,
        platt_brier: churn_eval::brier(&p_cross, y)?,
        folds: CHECK_FOLDS,
        platt: false,
    };
    let check = CalibrationCheck { platt: check.platt_log_loss < check.raw_log_loss, ..check };
    Ok((if check.platt { platt } else { Platt::IDENTITY }, check))
}

#[cfg(test)]
mod tests {
    use super::*;
    use churn_core::rng::Rng;

    /// Labels drawn from `sigmoid(true_logit)`; scores `scale * true_logit + shift`.
    fn data(n: usize, seed: u64) -> (Vec<f64>, Vec<bool>) {
        let mut rng = Rng::new(seed);
        let logit: Vec<f64> = (0..n).map(|_| 1.5 * rng.normal() - 1.5).collect();
        let y = logit.iter().map(|&l| rng.next_f64() < 1.0 / (1.0 + (-l).exp())).collect();
        (logit, y)
    }

    #[test]
    fn calibrated_scores_gain_nothing_from_platt() {
        // Scores that are the true log-odds: Platt can gain nothing real, so the two log losses
        // are within noise of each other, and the decision follows them.
        let (logit, y) = data(4000, 3);
        let (platt, check) = check_platt(&logit, &y, 1).unwrap();
        assert!((check.platt_log_loss - check.raw_log_loss).abs() < 0.002, "{check:?}");
        assert_eq!(check.platt, check.platt_log_loss < check.raw_log_loss);
        assert_eq!(platt == Platt::IDENTITY, !check.platt);
        // The figures are the brute-force log loss of sigmoid(score).
        let direct: f64 = logit
            .iter()
            .zip(&y)
            .map(|(&l, &b)| {
                let p = 1.0 / (1.0 + (-l).exp());
                -if b { p.ln() } else { (1.0 - p).ln() }
            })
            .sum::<f64>()
            / y.len() as f64;
        assert!((check.raw_log_loss - direct).abs() < 1e-12);
    }

    #[test]
    fn miscalibrated_scores_get_platt() {
        // Class-weighted style scores: shifted up by 1.5 and stretched: Platt clearly helps.
        let (logit, y) = data(4000, 4);
        let shifted: Vec<f64> = logit.iter().map(|&l| 2.0 * l + 1.5).collect();
        let (platt, check) = check_platt(&shifted, &y, 1).unwrap();
        assert!(check.platt, "{check:?}");
        assert!(check.platt_log_loss < check.raw_log_loss - 0.05, "{check:?}");
        // Platt undoes the distortion: a ≈ 0.5, b ≈ -0.75.
        assert!((platt.a - 0.5).abs() < 0.08 && (platt.b + 0.75).abs() < 0.15, "{platt:?}");
    }
}
