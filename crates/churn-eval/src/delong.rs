//! DeLong's test for the difference between two correlated ROC AUCs (two models scored on the
//! same rows), in the fast `O(n log n)` formulation of Sun & Xu (2014), "Fast implementation of
//! DeLong's algorithm for comparing the areas under correlated receiver operating characteristic
//! curves", IEEE Signal Processing Letters 21(11).

use crate::check;
use crate::error::{EvalError, Result};
use crate::ranking::Groups;
use crate::stats::normal_sf;

/// Result of [`delong_test`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DelongTest {
    /// AUC of model A.
    pub auc_a: f64,
    /// AUC of model B.
    pub auc_b: f64,
    /// `auc_a − auc_b`.
    pub diff: f64,
    /// DeLong standard error of `auc_a` alone.
    pub se_a: f64,
    /// DeLong standard error of `auc_b` alone.
    pub se_b: f64,
    /// Standard error of the difference (accounts for the correlation of the two models).
    pub se: f64,
    /// `diff / se`. When `se == 0`: `0` if `diff == 0`, otherwise `±∞`.
    pub z: f64,
    /// Two-sided p-value `2 (1 − Φ(|z|))`; `1` when `diff == se == 0`.
    pub p_value: f64,
}

/// Structural components of one model: `V10_i` for each positive (share of negatives it beats,
/// ties half) and `V01_j` for each negative (share of positives that beat it, ties half).
fn components(scores: &[f64], labels: &[bool]) -> (f64, Vec<f64>, Vec<f64>) {
    let (g, row_group) = Groups::with_rows(scores, labels);
    let (m, n) = (g.n_pos as f64, g.n_neg as f64);
    // For each group: negatives strictly below, and positives strictly above.
    let mut neg_below = vec![0u64; g.len()];
    let mut pos_above = vec![0u64; g.len()];
    let (mut above, mut below) = (0u64, g.n_neg);
    for k in 0..g.len() {
        pos_above[k] = above;
        above += g.pos[k];
        below -= g.neg[k];
        neg_below[k] = below;
    }
    let mut v10 = Vec::with_capacity(g.n_pos as usize);
    let mut v01 = Vec::with_capacity(g.n_neg as usize);
    for (&k, &y) in row_group.iter().zip(labels) {
        let k = k as usize;
        if y {
            v10.push((neg_below[k] as f64 + 0.5 * g.neg[k] as f64) / n);
        } else {
            v01.push((pos_above[k] as f64 + 0.5 * g.pos[k] as f64) / m);
        }
    }
    let auc = v10.iter().sum::<f64>() / m;
    (auc, v10, v01)
}

/// Sample covariance (denominator `len − 1`).
fn cov(a: &[f64], b: &[f64]) -> f64 {
    let k = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / k, b.iter().sum::<f64>() / k);
    a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / (k - 1.0)
}

/// DeLong's test of `H0: AUC_A = AUC_B` for two score vectors on the same labelled rows.
///
/// `Var(diff) = (S10_aa + S10_bb − 2 S10_ab) / m + (S01_aa + S01_bb − 2 S01_ab) / n` from the
/// covariances of the structural components over the `m` churned and `n` retained rows;
/// `z = diff / se`, two-sided normal p-value. Agrees with R's `pROC::roc.test(method="delong")`.
///
/// Errors: lengths differ ([`EvalError::LengthMismatch`]), fewer than 2 rows of either class
/// ([`EvalError::TooFewPerClass`]: the covariances need two), plus the usual input validation.
///
/// ```
/// let labels = [true, true, true, false, false, false];
/// let a = [0.9, 0.8, 0.3, 0.4, 0.2, 0.1];
/// let t = churn_eval::delong_test(&a, &a, &labels)?;
/// assert_eq!((t.diff, t.p_value), (0.0, 1.0));
/// # Ok::<(), churn_eval::EvalError>(())
/// ```
pub fn delong_test(scores_a: &[f64], scores_b: &[f64], labels: &[bool]) -> Result<DelongTest> {
    check::scores_labels(scores_a, labels)?;
    check::scores_labels(scores_b, labels)?;
    if labels.len() > u32::MAX as usize {
        return Err(EvalError::param("labels.len()", labels.len(), "delong_test supports at most 2^32 - 1 rows"));
    }
    let positives = check::count_positive(labels);
    let negatives = labels.len() - positives;
    if positives < 2 || negatives < 2 {
        return Err(EvalError::TooFewPerClass { metric: "delong_test", min: 2, positives, negatives });
    }
    let (auc_a, v10a, v01a) = components(scores_a, labels);
    let (auc_b, v10b, v01b) = components(scores_b, labels);
    let (m, n) = (positives as f64, negatives as f64);
    let var_a = cov(&v10a, &v10a) / m + cov(&v01a, &v01a) / n;
    let var_b = cov(&v10b, &v10b) / m + cov(&v01b, &v01b) / n;
    let cov_ab = cov(&v10a, &v10b) / m + cov(&v01a, &v01b) / n;
    let var = (var_a + var_b - 2.0 * cov_ab).max(0.0);
    let se = var.sqrt();
    let diff = auc_a - auc_b;
    let z = if se > 0.0 {
        diff / se
    } else if diff == 0.0 {
        0.0
    } else {
        diff.signum() * f64::INFINITY
    };
    Ok(DelongTest {
        auc_a,
        auc_b,
        diff,
        se_a: var_a.max(0.0).sqrt(),
        se_b: var_b.max(0.0).sqrt(),
        se,
        z,
        p_value: (2.0 * normal_sf(z.abs())).min(1.0),
    })
}
