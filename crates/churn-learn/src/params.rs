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

/// Defines a learner's hyperparameters in linfa's shape (`XParams(XValidParams)`, as
/// linfa-logistic and linfa-trees): the checked struct `$valid` with the fields, their
/// defaults and a getter per field; the unchecked `$params` wrapping it, with a builder
/// setter per field, serialised exactly as the checked struct (`serde(transparent)`); and
/// `linfa::ParamGuard` for `$params`, whose `check_ref`/`check` run `$valid::check_ranges`
/// (O(1)). Only this crate builds a `$valid` other than through `check` (or its `Default`,
/// whose values pass the checks), so a fit that takes `&$valid` never sees unchecked values.
macro_rules! checked_params {
    (
        $(#[$params_doc:meta])*
        $params:ident => $(#[$valid_doc:meta])* $valid:ident {
            $( $(#[doc = $doc:expr])* $field:ident: $ty:ty = $default:expr, )*
        }
    ) => {
        $(#[$valid_doc])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $valid {
            $( $(#[doc = $doc])* pub(crate) $field: $ty, )*
        }

        impl Default for $valid {
            fn default() -> Self {
                $valid { $( $field: $default, )* }
            }
        }

        impl $valid {
            $( $(#[doc = $doc])* pub fn $field(&self) -> $ty { self.$field } )*
        }

        $(#[$params_doc])*
        #[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $params(pub(crate) $valid);

        impl $params {
            $(
                #[doc = concat!("Sets `", stringify!($field), "`:")]
                $(#[doc = $doc])*
                pub fn $field(mut self, value: $ty) -> Self {
                    self.0.$field = value;
                    self
                }
            )*
        }

        impl linfa::ParamGuard for $params {
            type Checked = $valid;
            type Error = $crate::LearnError;

            fn check_ref(&self) -> Result<&$valid, $crate::LearnError> {
                self.0.check_ranges()?;
                Ok(&self.0)
            }

            fn check(self) -> Result<$valid, $crate::LearnError> {
                self.0.check_ranges()?;
                Ok(self.0)
            }
        }

        impl From<$valid> for $params {
            fn from(valid: $valid) -> Self {
                $params(valid)
            }
        }
    };
}
pub(crate) use checked_params;
