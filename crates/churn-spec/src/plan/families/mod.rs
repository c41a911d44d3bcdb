//! The feature families: one expander per `[[features]]` kind, each in its own file, and the
//! registry ([`expand`]) that dispatches an entry to its expander.
//!
//! An expander validates its entry's fields and returns the entry's columns: for numeric
//! families each column's dictionary entry (name, family, definition, window, event type) and
//! its computation ([`Op`]). To add a family: a variant of [`FeatureEntry`] (the spec's
//! shape), a file here with its `expand`, a line in [`expand`], and (for a numeric family) its
//! [`Op`] with the computation in `compute.rs`.

mod bgnbd;
mod purchase_cycle;
mod ratio;
mod recency;
pub(super) mod statics;
mod stickiness;
mod subscription;
mod tenure;
mod trend;
mod velocity;
mod window;

use super::{invalid, Events, Op};
use crate::error::FeatureError;
use crate::spec::{FeatureDef, FeatureEntry, FeatureSpec};

/// What an expander sees: the spec, the declared event types, the entry's index (for error
/// fields) and the numeric columns defined by earlier entries (for ratios).
pub(super) struct Ctx<'a> {
    pub(super) spec: &'a FeatureSpec,
    pub(super) events: &'a Events,
    pub(super) index: usize,
    pub(super) numeric: &'a NumericNames,
}

impl Ctx<'_> {
    /// The error field of the entry's field `f`: `features[i].f`.
    pub(super) fn field(&self, f: &str) -> String {
        format!("features[{}].{f}", self.index)
    }

    /// Checks a list of window lengths (field `windows`).
    pub(super) fn check_windows(&self, ws: &[u32]) -> Result<(), FeatureError> {
        if ws.is_empty() {
            return Err(invalid(self.field("windows"), "the list is empty"));
        }
        if let Some(w) = ws.iter().find(|w| **w == 0 || **w > 36_500) {
            return Err(invalid(self.field("windows"), format!("{w} is not a window length in 1..=36500 days")));
        }
        Ok(())
    }
}

/// The numeric columns defined so far: name, op index and window, in order.
#[derive(Default)]
pub(super) struct NumericNames(Vec<(String, usize, Option<u32>)>);

impl NumericNames {
    pub(super) fn push(&mut self, name: String, op: usize, window_days: Option<u32>) {
        self.0.push((name, op, window_days));
    }

    /// The op index and window of the column `name`.
    pub(super) fn find(&self, name: &str) -> Option<(usize, Option<u32>)> {
        self.0.iter().find(|(n, _, _)| n == name).map(|(_, i, w)| (*i, *w))
    }

    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _, _)| n.as_str())
    }
}

/// One numeric column: its dictionary entry and its computation.
pub(super) struct Col {
    pub(super) def: FeatureDef,
    pub(super) op: Op,
    pub(super) log1p: bool,
}

impl Col {
    /// A numeric column of family `kind`.
    pub(super) fn new(
        name: String,
        kind: &str,
        definition: String,
        window_days: Option<u32>,
        event_type: Option<&str>,
        op: Op,
        log1p: bool,
    ) -> Col {
        let def = FeatureDef {
            name,
            kind: kind.to_string(),
            definition,
            window_days,
            event_type: event_type.map(str::to_string),
            value_type: "number".to_string(),
        };
        Col { def, op, log1p }
    }
}

/// The columns of one entry.
pub(super) enum Expanded {
    /// Numeric columns, in order.
    Numeric(Vec<Col>),
    /// A text column copied from the subscriptions table's `column`.
    Subscription { def: FeatureDef, column: String },
}

/// The registry: expands one entry with the expander of its family and applies an explicit
/// `name` (allowed when the entry makes one column).
pub(super) fn expand(ctx: &Ctx, entry: &FeatureEntry) -> Result<Expanded, FeatureError> {
    use FeatureEntry as E;
    let (cols, name) = match entry {
        E::Window { events, windows, aggregations, log1p, name } => {
            (window::expand(ctx, events, windows, aggregations, *log1p)?, name.as_ref())
        }
        E::Velocity { events, windows, aggregation, bounded, zero_value, log1p, name } => {
            let v = velocity::Velocity { aggregation, bounded: *bounded, zero_value: *zero_value, log1p: *log1p };
            (velocity::expand(ctx, events, windows, &v)?, name.as_ref())
        }
        E::Trend { events, periods, period_days, aggregation, normalize, log1p, name } => {
            let t = trend::Trend {
                periods: *periods,
                period_days: *period_days,
                aggregation,
                normalize: *normalize,
                log1p: *log1p,
            };
            (trend::expand(ctx, events, &t)?, name.as_ref())
        }
        E::Recency { events, never, log1p, name } => (recency::expand(ctx, events, *never, *log1p)?, name.as_ref()),
        E::Tenure { log1p, name } => (tenure::expand(*log1p), name.as_ref()),
        E::Ratio { name, numerator, denominator, zero_value, log1p } => {
            (ratio::expand(ctx, numerator, denominator, *zero_value, *log1p)?, Some(name))
        }
        E::Stickiness { events, short_days, long_days, name } => {
            (stickiness::expand(ctx, events, *short_days, *long_days)?, name.as_ref())
        }
        E::PurchaseCycle { events, windows, trend_periods, trend_period_days } => {
            (purchase_cycle::expand(ctx, events, windows, *trend_periods, *trend_period_days)?, None)
        }
        E::Bgnbd { events, horizon_days } => (bgnbd::expand(ctx, events, *horizon_days)?, None),
        E::Subscription { column, name } => return subscription::expand(ctx, column, name.as_deref()),
    };
    Ok(Expanded::Numeric(named(ctx, cols, name)?))
}

/// Applies an entry's explicit `name` to its only column.
fn named(ctx: &Ctx, mut cols: Vec<Col>, name: Option<&String>) -> Result<Vec<Col>, FeatureError> {
    if let Some(n) = name {
        if cols.len() != 1 {
            return Err(invalid(
                ctx.field("name"),
                format!("this entry makes {} columns; `name` is only allowed when it makes one", cols.len()),
            ));
        }
        cols[0].def.name = n.clone();
    }
    Ok(cols)
}

/// How an event selection reads in a definition: `all` or the quoted type.
pub(super) fn ev_text(ev: &str) -> String {
    if ev == "any" {
        "all".to_string()
    } else {
        format!("`{ev}`")
    }
}

/// The end of a definition with `log1p`.
pub(super) fn log_text(log1p: bool) -> &'static str {
    if log1p {
        "; then sign(x)·ln(1+|x|)"
    } else {
        ""
    }
}

/// The suffix of a generated name with `log1p`.
pub(super) fn suffix(log1p: bool) -> &'static str {
    if log1p {
        "_log1p"
    } else {
        ""
    }
}
