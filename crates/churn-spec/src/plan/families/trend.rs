//! `kind = "trend"`: least-squares slope of period totals before the snapshot.

use super::{ev_text, log_text, suffix, Col, Ctx};
use crate::error::FeatureError;
use crate::plan::{invalid, parse_agg, Agg, Op};
use crate::spec::EventSel;

/// The entry's fields besides its events.
pub(super) struct Trend<'a> {
    pub(super) periods: u32,
    pub(super) period_days: u32,
    pub(super) aggregation: &'a str,
    pub(super) normalize: bool,
    pub(super) log1p: bool,
}

/// One column per event type: `{ev}_trend[_norm]_{n}x{p}d`.
pub(super) fn expand(ctx: &Ctx, events: &EventSel, t: &Trend) -> Result<Vec<Col>, FeatureError> {
    let (periods, period_days, aggregation) = (t.periods, t.period_days, t.aggregation);
    let agg = parse_agg(&ctx.field("aggregation"), aggregation)?;
    if !matches!(agg, Agg::Count | Agg::Sum) {
        return Err(invalid(
            ctx.field("aggregation"),
            format!("'{aggregation}' cannot be totalled per period; use count or sum"),
        ));
    }
    if !(2..=1000).contains(&periods) {
        return Err(invalid(ctx.field("periods"), format!("{periods} is not in 2..=1000")));
    }
    if !(1..=366).contains(&period_days) {
        return Err(invalid(ctx.field("period_days"), format!("{period_days} is not in 1..=366")));
    }
    let span = periods * period_days;
    let mut cols = Vec::new();
    for (ch, ev) in ctx.events.resolve(&ctx.field("events"), events)? {
        let norm = if t.normalize { "_norm" } else { "" };
        cols.push(Col::new(
            format!("{ev}_trend{norm}_{periods}x{period_days}d{}", suffix(t.log1p)),
            "trend",
            format!(
                "least-squares slope (per period) of the {} of {} events in the {periods} periods of {period_days} days before the snapshot, [t-{span}, t), oldest first{}{}",
                agg.name(),
                ev_text(&ev),
                if t.normalize { ", divided by the mean period total (0 when it is 0)" } else { "" },
                log_text(t.log1p)
            ),
            Some(span),
            Some(&ev),
            Op::Trend { ch, n: periods as i32, p: period_days as i32, agg, normalize: t.normalize },
            t.log1p,
        ));
    }
    Ok(cols)
}
