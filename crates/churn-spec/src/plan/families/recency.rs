//! `kind = "recency"`: days since the last day with an event before the snapshot.

use super::{ev_text, log_text, suffix, Col, Ctx};
use crate::error::FeatureError;
use crate::plan::{invalid, Op};
use crate::spec::EventSel;

/// One column per event type: `days_since_{ev}`.
pub(super) fn expand(ctx: &Ctx, events: &EventSel, never: Option<f64>, log1p: bool) -> Result<Vec<Col>, FeatureError> {
    if never.is_some_and(|v| !v.is_finite()) {
        return Err(invalid(ctx.field("never"), "must be a finite number"));
    }
    let mut cols = Vec::new();
    for (ch, ev) in ctx.events.resolve(&ctx.field("events"), events)? {
        cols.push(Col::new(
            format!("days_since_{ev}{}", suffix(log1p)),
            "recency",
            format!(
                "days from the last day with {} events before the snapshot to the snapshot (1 = the day before); {} when there is none{}",
                ev_text(&ev),
                match never {
                    Some(v) => format!("{v}"),
                    None => "the tenure in days".to_string(),
                },
                log_text(log1p)
            ),
            None,
            Some(&ev),
            Op::Recency { ch, never },
            log1p,
        ));
    }
    Ok(cols)
}
