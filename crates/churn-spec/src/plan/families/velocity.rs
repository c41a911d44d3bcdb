//! `kind = "velocity"`: change of an aggregation between `[t - 2w, t - w)` and `[t - w, t)`.

use super::{ev_text, log_text, suffix, Col, Ctx};
use crate::error::FeatureError;
use crate::plan::{invalid, parse_agg, Op};
use crate::spec::EventSel;

/// The entry's fields besides its events and windows.
pub(super) struct Velocity<'a> {
    pub(super) aggregation: &'a str,
    pub(super) bounded: bool,
    pub(super) zero_value: f64,
    pub(super) log1p: bool,
}

/// One column per event type × window: `{ev}_{agg}_velocity[_bounded]_{w}d`.
pub(super) fn expand(ctx: &Ctx, events: &EventSel, windows: &[u32], v: &Velocity) -> Result<Vec<Col>, FeatureError> {
    ctx.check_windows(windows)?;
    let agg = parse_agg(&ctx.field("aggregation"), v.aggregation)?;
    let zero_value = v.zero_value;
    if !zero_value.is_finite() {
        return Err(invalid(ctx.field("zero_value"), "must be a finite number"));
    }
    let mut cols = Vec::new();
    for (ch, ev) in ctx.events.resolve(&ctx.field("events"), events)? {
        for &w in windows {
            let b = if v.bounded { "_bounded" } else { "" };
            let formula = if v.bounded {
                "(a - b) / (a + b), 0 when a + b = 0".to_string()
            } else {
                format!("(a - b) / b, 0 when a = b = 0, {zero_value} when only b = 0")
            };
            cols.push(Col::new(
                format!("{ev}_{}_velocity{b}_{w}d{}", agg.name(), suffix(v.log1p)),
                "velocity",
                format!(
                    "{formula}, with a = {} of {} events in [t-{w}, t) and b = the same in [t-{}, t-{w}){}",
                    agg.name(),
                    ev_text(&ev),
                    2 * w,
                    log_text(v.log1p)
                ),
                Some(2 * w),
                Some(&ev),
                Op::Velocity { ch, w: w as i32, agg, bounded: v.bounded, zero: zero_value },
                v.log1p,
            ));
        }
    }
    Ok(cols)
}
