//! `kind = "window"`: aggregations over trailing windows `[t - w, t)`.

use super::{ev_text, log_text, suffix, Col, Ctx};
use crate::error::FeatureError;
use crate::plan::{invalid, parse_agg, Agg, Op};
use crate::spec::EventSel;

/// One column per event type × window × aggregation: `{ev}_{agg}_{w}d`.
pub(super) fn expand(
    ctx: &Ctx,
    events: &EventSel,
    windows: &[u32],
    aggregations: &[String],
    log1p: bool,
) -> Result<Vec<Col>, FeatureError> {
    ctx.check_windows(windows)?;
    if aggregations.is_empty() {
        return Err(invalid(ctx.field("aggregations"), "the list is empty"));
    }
    let aggs = aggregations.iter().map(|a| parse_agg(&ctx.field("aggregations"), a)).collect::<Result<Vec<_>, _>>()?;
    let mut cols = Vec::new();
    for (ch, ev) in ctx.events.resolve(&ctx.field("events"), events)? {
        for &w in windows {
            for &agg in &aggs {
                let what = match agg {
                    Agg::Count => format!("number of {} events", ev_text(&ev)),
                    Agg::Sum => format!("sum of the value of {} events", ev_text(&ev)),
                    Agg::Mean => format!("sum of the value of {} events per active day (0 when none)", ev_text(&ev)),
                    Agg::ActiveDays => format!("number of days with {} events", ev_text(&ev)),
                };
                cols.push(Col::new(
                    format!("{ev}_{}_{w}d{}", agg.name(), suffix(log1p)),
                    "window",
                    format!("{what} in the {w} days before the snapshot [t-{w}, t){}", log_text(log1p)),
                    Some(w),
                    Some(&ev),
                    Op::Window { ch, w: w as i32, agg },
                    log1p,
                ));
            }
        }
    }
    Ok(cols)
}
