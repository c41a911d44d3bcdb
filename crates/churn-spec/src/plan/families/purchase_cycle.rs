//! `kind = "purchase_cycle"`: statistics of the days with activity over the whole history.

use super::{ev_text, Col, Ctx};
use crate::error::FeatureError;
use crate::plan::CycleStat as S;
use crate::plan::{invalid, Op};
use crate::spec::EventSel;

/// Per event type: activity days, gap statistics, overdue ratio, active days per window and,
/// with a value column, value sums and means per window, the mean value and its trend.
pub(super) fn expand(
    ctx: &Ctx,
    events: &EventSel,
    windows: &[u32],
    trend_periods: u32,
    trend_period_days: u32,
) -> Result<Vec<Col>, FeatureError> {
    ctx.check_windows(windows)?;
    if !(2..=1000).contains(&trend_periods) {
        return Err(invalid(ctx.field("trend_periods"), format!("{trend_periods} is not in 2..=1000")));
    }
    if !(1..=366).contains(&trend_period_days) {
        return Err(invalid(ctx.field("trend_period_days"), format!("{trend_period_days} is not in 1..=366")));
    }
    let has_value = ctx.spec.activity.value.is_some();
    let mut cols = Vec::new();
    for (ch, ev) in ctx.events.resolve(&ctx.field("events"), events)? {
        let e = ev_text(&ev);
        let mut stats: Vec<(String, S, String, Option<u32>)> = vec![
            (format!("{ev}_activity_days"), S::Days, format!("number of days with {e} events before the snapshot"), None),
            (format!("{ev}_gap_mean"), S::GapMean, format!("mean number of days between consecutive days with {e} events before the snapshot (empty with fewer than two such days)"), None),
            (format!("{ev}_gap_median"), S::GapMedian, format!("median number of days between consecutive days with {e} events before the snapshot (empty with fewer than two such days)"), None),
            (format!("{ev}_gap_last"), S::GapLast, format!("days between the last two days with {e} events before the snapshot (empty with fewer than two such days)"), None),
            (format!("{ev}_overdue"), S::Overdue, format!("days since the last day with {e} events before the snapshot / their mean gap (empty with fewer than two such days)"), None),
        ];
        for &w in windows {
            stats.push((
                format!("{ev}_active_days_{w}d"),
                S::ActiveDays(w as i32),
                format!("number of days with {e} events in [t-{w}, t)"),
                Some(w),
            ));
        }
        if has_value {
            for &w in windows {
                stats.push((
                    format!("{ev}_value_sum_{w}d"),
                    S::ValueSum(w as i32),
                    format!("sum of the value of {e} events in [t-{w}, t)"),
                    Some(w),
                ));
                stats.push((
                    format!("{ev}_value_mean_{w}d"),
                    S::ValueMean(w as i32),
                    format!("mean value of {e} events in [t-{w}, t) (empty without events)"),
                    Some(w),
                ));
            }
            stats.push((
                format!("{ev}_value_mean"),
                S::ValueMeanAll,
                format!("mean value of {e} events before the snapshot (empty without events)"),
                None,
            ));
            let (n, p) = (trend_periods, trend_period_days);
            stats.push((
                format!("{ev}_value_trend_{n}x{p}d"),
                S::ValueTrend(n as i32, p as i32),
                format!("least-squares slope (per period) of the value sums of {e} events in the {n} periods of {p} days before the snapshot, oldest first, divided by their mean (0 when it is 0)"),
                Some(n * p),
            ));
        }
        for (name, stat, definition, window_days) in stats {
            cols.push(Col::new(
                name,
                "purchase_cycle",
                definition,
                window_days,
                Some(&ev),
                Op::Cycle { ch, stat },
                false,
            ));
        }
    }
    Ok(cols)
}
