//! Checks of hyperparameter ranges shared by the learners.

use crate::LearnError;

/// The error naming parameter `name`, its value and the valid range.
pub(crate) fn invalid(name: &'static str, value: impl ToString, reason: &'static str) -> LearnError {
    LearnError::InvalidParam { name, value: value.to_string(), reason }
}

pub(crate) fn check_fraction(name: &'static str, v: f64) -> Result<(), LearnError> {
    if v > 0.0 && v <= 1.0 {
        Ok(())
    } else {
        Err(invalid(name, v, "must be in (0, 1]"))
    }
}

pub(crate) fn check_nonneg(name: &'static str, v: f64) -> Result<(), LearnError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(invalid(name, v, "must be finite and >= 0"))
    }
}

/// The ranges shared by the parameters of CART trees (single trees and forests).
pub(crate) fn check_cart(
    max_depth: Option<usize>,
    min_samples_leaf: usize,
    min_gain: f64,
    max_bins: usize,
) -> Result<(), LearnError> {
    if max_depth == Some(0) {
        return Err(invalid("max_depth", 0, "must be >= 1 (or absent for unlimited)"));
    }
    if min_samples_leaf == 0 {
        return Err(invalid("min_samples_leaf", 0, "must be >= 1"));
    }
    check_nonneg("min_gain", min_gain)?;
    if !(2..=255).contains(&max_bins) {
        return Err(invalid("max_bins", max_bins, "must be in 2..=255"));
    }
    Ok(())
}
