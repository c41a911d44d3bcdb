//! `kind = "ratio"`: one numeric feature defined earlier divided by another.

use super::{log_text, Col, Ctx};
use crate::error::{closest, FeatureError};
use crate::plan::{invalid, Op};

/// The column `numerator / denominator` (named by the entry).
pub(super) fn expand(
    ctx: &Ctx,
    numerator: &str,
    denominator: &str,
    zero_value: f64,
    log1p: bool,
) -> Result<Vec<Col>, FeatureError> {
    if !zero_value.is_finite() {
        return Err(invalid(ctx.field("zero_value"), "must be a finite number"));
    }
    let find = |f: &str, v: &str| {
        ctx.numeric.find(v).ok_or_else(|| FeatureError::UnknownFeature {
            field: ctx.field(f),
            value: v.to_string(),
            suggestion: closest(v, ctx.numeric.names()),
        })
    };
    let (num, num_window) = find("numerator", numerator)?;
    let (den, den_window) = find("denominator", denominator)?;
    Ok(vec![Col::new(
        String::new(),
        "ratio",
        format!("{numerator} / {denominator}, {zero_value} when the denominator is 0{}", log_text(log1p)),
        num_window.max(den_window),
        None,
        Op::Ratio { num, den, zero: zero_value },
        log1p,
    )])
}
