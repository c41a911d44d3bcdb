//! Input checks and helpers shared by the tree learners.

use crate::{LearnError, Matrix};
use rayon::prelude::*;

/// Probabilities are clipped to `[PROB_EPS, 1 - PROB_EPS]` before taking log-odds, so a pure
/// leaf scores ±13.8 rather than ±∞.
pub const PROB_EPS: f64 = 1e-6;

/// `1 / (1 + e^-s)`, computed as `e^s / (1 + e^s)` for negative `s` so that it never overflows
/// and keeps its relative precision far into the tails.
#[inline]
pub fn sigmoid(s: f64) -> f64 {
    if s >= 0.0 {
        1.0 / (1.0 + (-s).exp())
    } else {
        let e = s.exp();
        e / (1.0 + e)
    }
}

/// Log-odds of `p`, clipped to `[PROB_EPS, 1 - PROB_EPS]`.
#[inline]
pub fn logit_clipped(p: f64) -> f64 {
    let p = p.clamp(PROB_EPS, 1.0 - PROB_EPS);
    (p / (1.0 - p)).ln()
}

/// Checks shapes, weights (finite, non-negative, positive total) and that both classes carry
/// weight. Returns the weighted positive rate.
pub(crate) fn check_xyw(x: &Matrix, y: &[bool], w: &[f64]) -> Result<f64, LearnError> {
    let n = x.n_rows();
    if y.len() != n {
        return Err(LearnError::Shape { rows: n, labels: y.len(), what: "labels" });
    }
    if w.len() != n {
        return Err(LearnError::Shape { rows: n, labels: w.len(), what: "weights" });
    }
    if n == 0 {
        return Err(LearnError::Empty { what: "the design matrix has no rows" });
    }
    if x.n_cols() == 0 {
        return Err(LearnError::Empty { what: "the design matrix has no columns" });
    }
    let (mut pos, mut tot) = (0.0, 0.0);
    for (i, (&wi, &yi)) in w.iter().zip(y).enumerate() {
        if !wi.is_finite() {
            return Err(LearnError::NonFinite { what: "sample weights" });
        }
        if wi < 0.0 {
            return Err(LearnError::NegativeWeight { row: i, value: wi });
        }
        tot += wi;
        if yi {
            pos += wi;
        }
    }
    if tot <= 0.0 {
        return Err(LearnError::Empty { what: "all sample weights are zero" });
    }
    if pos <= 0.0 || pos >= tot {
        return Err(LearnError::SingleClass { positive: pos > 0.0 });
    }
    Ok(pos / tot)
}

/// Checks `x`, `y` and `w` ([`check_xyw`]) and calls `fit` on the rows with positive weight
/// only (all of them, without a copy, when no weight is zero), with their weighted base rate.
pub(crate) fn fit_weighted_rows<M>(
    x: &Matrix,
    y: &[bool],
    w: &[f64],
    fit: impl FnOnce(&Matrix, &[bool], &[f64], f64) -> Result<M, LearnError>,
) -> Result<M, LearnError> {
    let base_rate = check_xyw(x, y, w)?;
    match drop_zero_weight(x, y, w) {
        Some((x2, y2, w2)) => fit(&x2, &y2, &w2, base_rate),
        None => fit(x, y, w, base_rate),
    }
}

/// When some weights are zero, the rows with positive weight (zero-weight rows must not
/// influence binning, bagging or counts: the model equals the one fitted without them).
pub(crate) fn drop_zero_weight(x: &Matrix, y: &[bool], w: &[f64]) -> Option<(Matrix, Vec<bool>, Vec<f64>)> {
    if w.iter().all(|&v| v > 0.0) {
        return None;
    }
    let keep: Vec<usize> = (0..w.len()).filter(|&i| w[i] > 0.0).collect();
    Some((x.select_rows(&keep), keep.iter().map(|&i| y[i]).collect(), keep.iter().map(|&i| w[i]).collect()))
}

/// Rows per block when scoring a matrix: the block is transposed to row-major once.
const PREDICT_BLOCK: usize = 512;

/// Scores every row of `x` with `score_block(rows_row_major, p, out)` (`p` values per row,
/// `out.len()` rows), in parallel over fixed blocks of rows (results do not depend on the
/// thread count): the `predict_raw` of a model fitted on `n_features` inputs.
///
/// # Panics
/// When `x` has fewer than `n_features` columns.
pub(crate) fn predict_blocked<F>(x: &Matrix, n_features: usize, score_block: F) -> Vec<f64>
where
    F: Fn(&[f64], usize, &mut [f64]) + Sync,
{
    assert!(x.n_cols() >= n_features, "matrix has too few columns for this model");
    let n = x.n_rows();
    let p = x.n_cols();
    let mut out = vec![0.0; n];
    out.par_chunks_mut(PREDICT_BLOCK).enumerate().for_each_init(Vec::new, |buf: &mut Vec<f64>, (b, chunk)| {
        let start = b * PREDICT_BLOCK;
        let m = chunk.len();
        buf.clear();
        buf.resize(m * p, 0.0);
        for j in 0..p {
            let col = &x.col(j)[start..start + m];
            for (i, &v) in col.iter().enumerate() {
                buf[i * p + j] = v;
            }
        }
        score_block(buf, p, chunk);
    });
    out
}
