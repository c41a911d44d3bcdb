//! `kind = "bgnbd"`: the BG/NBD model of repeat buying, fitted per snapshot date.

use super::{ev_text, Col, Ctx};
use crate::error::FeatureError;
use crate::plan::BgWhat;
use crate::plan::{invalid, Op};
use crate::spec::EventSel;

/// Per event type: `{ev}_bgnbd_p_alive` and `{ev}_bgnbd_expected_{h}d`.
pub(super) fn expand(ctx: &Ctx, events: &EventSel, horizon_days: Option<u32>) -> Result<Vec<Col>, FeatureError> {
    let label = &ctx.spec.label;
    let h = match horizon_days {
        Some(0) => return Err(invalid(ctx.field("horizon_days"), "must be at least 1")),
        Some(h) => h,
        None => match (label.horizon_days, label.horizon_months) {
            (Some(d), _) => d,
            (None, Some(m)) => (m as f64 * 30.4375).round() as u32,
            (None, None) => 30,
        },
    };
    let mut cols = Vec::new();
    for (ch, ev) in ctx.events.resolve(&ctx.field("events"), events)? {
        let e = ev_text(&ev);
        for (name, what, definition) in [
            (format!("{ev}_bgnbd_p_alive"), BgWhat::PAlive, format!("BG/NBD probability that the account is still active, from its {e} activity days before the snapshot; the four parameters fitted by maximum likelihood on the population at the snapshot")),
            (format!("{ev}_bgnbd_expected_{h}d"), BgWhat::Expected(h as i32), format!("BG/NBD expected number of days with {e} events in [t, t+{h}); the four parameters fitted by maximum likelihood on the population at the snapshot")),
        ] {
            cols.push(Col::new(name, "bgnbd", definition, None, Some(&ev), Op::Bgnbd { ch, what }, false));
        }
    }
    Ok(cols)
}
