//! `kind = "stickiness"`: active days in a short window over active days in a long one.

use super::{ev_text, Col, Ctx};
use crate::error::FeatureError;
use crate::plan::{invalid, Op};
use crate::spec::EventSel;

/// One column per event type: `{ev}_stickiness_{short}_{long}d`.
pub(super) fn expand(ctx: &Ctx, events: &EventSel, short_days: u32, long_days: u32) -> Result<Vec<Col>, FeatureError> {
    if short_days == 0 || short_days > long_days || long_days > 36_500 {
        return Err(invalid(
            ctx.field("short_days"),
            format!("need 1 <= short_days ({short_days}) <= long_days ({long_days}) <= 36500"),
        ));
    }
    let mut cols = Vec::new();
    for (ch, ev) in ctx.events.resolve(&ctx.field("events"), events)? {
        cols.push(Col::new(
            format!("{ev}_stickiness_{short_days}_{long_days}d"),
            "stickiness",
            format!(
                "days with {} events in [t-{short_days}, t) / days with them in [t-{long_days}, t), 0 when the latter is 0",
                ev_text(&ev)
            ),
            Some(long_days),
            Some(&ev),
            Op::Stickiness { ch, short: short_days as i32, long: long_days as i32 },
            false,
        ));
    }
    Ok(cols)
}
