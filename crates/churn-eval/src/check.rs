//! Input validation shared by all metrics.

use crate::error::{EvalError, Result};

/// Lengths equal, at least one row, every score finite.
pub(crate) fn scores_labels(scores: &[f64], labels: &[bool]) -> Result<()> {
    if scores.len() != labels.len() {
        return Err(EvalError::LengthMismatch { scores: scores.len(), labels: labels.len() });
    }
    if scores.is_empty() {
        return Err(EvalError::Empty);
    }
    finite(scores)
}

/// Every value finite.
pub(crate) fn finite(values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(EvalError::NonFinite { index, value: values[index] }),
        None => Ok(()),
    }
}

/// [`scores_labels`] plus every score in `[0, 1]`.
pub(crate) fn probabilities(scores: &[f64], labels: &[bool]) -> Result<()> {
    scores_labels(scores, labels)?;
    match scores.iter().position(|p| !(0.0..=1.0).contains(p)) {
        Some(index) => Err(EvalError::NotProbability { index, value: scores[index] }),
        None => Ok(()),
    }
}

/// Number of positive labels.
pub(crate) fn count_positive(labels: &[bool]) -> usize {
    labels.iter().filter(|&&y| y).count()
}

/// Error unless both classes are present.
pub(crate) fn both_classes(metric: &'static str, positives: usize, n: usize) -> Result<()> {
    if positives == 0 || positives == n {
        Err(EvalError::SingleClass { metric, positives, negatives: n - positives })
    } else {
        Ok(())
    }
}

/// Error unless there is at least one positive.
pub(crate) fn some_positive(metric: &'static str, positives: usize, n: usize) -> Result<()> {
    if positives == 0 {
        Err(EvalError::SingleClass { metric, positives, negatives: n })
    } else {
        Ok(())
    }
}

/// Smallest `f64` strictly greater than `x` (finite input), i.e. `f64::next_up` (stable only
/// since Rust 1.86, above the workspace MSRV).
pub(crate) fn next_up(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == 0.0 {
        return f64::from_bits(1);
    }
    let bits = x.to_bits();
    if x > 0.0 {
        f64::from_bits(bits + 1)
    } else {
        f64::from_bits(bits - 1)
    }
}

/// Linear-interpolation quantile of sorted data at `q` in `[0, 1]`, bit-for-bit like numpy's
/// default (`method="linear"`), including its two-sided `lerp`.
pub(crate) fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    debug_assert!(n > 0);
    let virtual_index = (n as f64 - 1.0) * q;
    if virtual_index >= (n - 1) as f64 {
        return sorted[n - 1];
    }
    if virtual_index < 0.0 {
        return sorted[0];
    }
    let lo = virtual_index.floor();
    let gamma = virtual_index - lo;
    let a = sorted[lo as usize];
    let b = sorted[lo as usize + 1];
    let diff = b - a;
    if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_up_is_the_next_float() {
        assert_eq!(next_up(1.0), 1.0 + f64::EPSILON);
        assert_eq!(next_up(0.0), f64::from_bits(1));
        assert_eq!(next_up(-0.0), f64::from_bits(1));
        assert_eq!(next_up(-1.0), -1.0 + f64::EPSILON / 2.0);
        assert_eq!(next_up(f64::MAX), f64::INFINITY);
    }

    #[test]
    fn quantile_matches_numpy_linear() {
        // np.quantile([1, 2, 4, 8], [0, 0.3, 0.5, 0.9, 1]) == [1, 1.9, 3, 6.8, 8]
        let v = [1.0, 2.0, 4.0, 8.0];
        let got: Vec<f64> = [0.0, 0.3, 0.5, 0.9, 1.0].iter().map(|&q| quantile_sorted(&v, q)).collect();
        assert_eq!(got, [1.0, 1.9, 3.0, 6.800000000000001, 8.0]);
        assert_eq!(quantile_sorted(&[3.5], 0.7), 3.5);
    }
}
