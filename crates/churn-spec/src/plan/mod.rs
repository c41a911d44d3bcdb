//! The validated plan of a spec: what `churn features` computes, column by column.
//!
//! [`FeatureSpec::plan`] checks the spec's tables, snapshots and label (`checks.rs`), resolves
//! event type names to channels (`events.rs`) and hands each `[[features]]` entry to the
//! expander of its family (`families/`: one file per family behind the registry in
//! `families/mod.rs`). The plan is computed once per run and shared by the engine, the
//! dictionary and the public [`crate::PlanView`] that code generators (churn-sql) read.

mod checks;
mod events;
mod families;

use crate::error::{closest, FeatureError};
use crate::spec::{FeatureDef, FeatureSpec, LabelKind, Mode};

pub use events::Events;

/// The valid aggregation names.
pub const AGGREGATIONS: [&str; 4] = ["count", "sum", "mean", "active_days"];

/// An aggregation over a window of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agg {
    Count,
    Sum,
    Mean,
    ActiveDays,
}

impl Agg {
    pub fn name(self) -> &'static str {
        match self {
            Agg::Count => "count",
            Agg::Sum => "sum",
            Agg::Mean => "mean",
            Agg::ActiveDays => "active_days",
        }
    }
}

pub fn parse_agg(field: &str, s: &str) -> Result<Agg, FeatureError> {
    match s {
        "count" => Ok(Agg::Count),
        "sum" => Ok(Agg::Sum),
        "mean" => Ok(Agg::Mean),
        "active_days" => Ok(Agg::ActiveDays),
        _ => Err(FeatureError::UnknownAggregation {
            field: field.to_string(),
            value: s.to_string(),
            suggestion: closest(s, AGGREGATIONS),
            valid: AGGREGATIONS.join(", "),
        }),
    }
}

pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> FeatureError {
    FeatureError::InvalidSpec { field: field.into(), message: message.into() }
}

/// A purchase-cycle statistic: the public view's enum, so the plan and its view share one list.
pub use crate::view::CycleView as CycleStat;

/// What a BG/NBD column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BgWhat {
    /// Probability that the account is still alive at `t`.
    PAlive,
    /// Expected activity days in `[t, t + h)` (days).
    Expected(i32),
}

/// A channel: index of a declared event type, or `ANY`.
pub type Chan = usize;

/// A computation for one numeric column.
#[derive(Debug, Clone)]
pub enum Op {
    Window { ch: Chan, w: i32, agg: Agg },
    Velocity { ch: Chan, w: i32, agg: Agg, bounded: bool, zero: f64 },
    Trend { ch: Chan, n: i32, p: i32, agg: Agg, normalize: bool },
    Recency { ch: Chan, never: Option<f64> },
    Tenure,
    Ratio { num: usize, den: usize, zero: f64 },
    Stickiness { ch: Chan, short: i32, long: i32 },
    Cycle { ch: Chan, stat: CycleStat },
    Bgnbd { ch: Chan, what: BgWhat },
}

/// Where an output column's values come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Numeric column `i` (index into `Plan::ops`).
    Num(usize),
    /// Subscription attribute `i` (index into `Plan::sub_columns`).
    SubAttr(usize),
    /// Static table `t`, column `c`.
    Static(usize, usize),
}

/// A validated spec ready to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub columns: Vec<FeatureDef>,
    pub sources: Vec<Source>,
    pub ops: Vec<(Op, bool)>,
    /// Declared event type ids; channel `ids.len()` is `any`.
    pub type_ids: Vec<String>,
    pub sub_columns: Vec<String>,
    /// Days of history needed before a snapshot (recency is tracked separately).
    pub lookback: i32,
    pub data_end: Option<i32>,
    pub labels: bool,
    pub needs_active: bool,
    /// Some feature needs whole histories (purchase cycle, BG/NBD).
    pub needs_history: bool,
    /// Inactivity labels: the channels counted as activity (empty: every row).
    pub label_chans: Vec<u32>,
}

impl Plan {
    pub fn any(&self) -> Chan {
        self.type_ids.len()
    }
    pub fn n_channels(&self) -> usize {
        self.type_ids.len() + 1
    }
}

impl Op {
    /// Days of history before the snapshot the op reads (0: whole history or none).
    fn lookback(&self) -> i32 {
        match *self {
            Op::Window { w, .. } => w,
            Op::Velocity { w, .. } => 2 * w,
            Op::Trend { n, p, .. } => n * p,
            Op::Stickiness { long, .. } => long,
            Op::Recency { .. } | Op::Tenure | Op::Ratio { .. } | Op::Cycle { .. } | Op::Bgnbd { .. } => 0,
        }
    }

    /// Whether the op reads active-day counts.
    fn needs_active(&self) -> bool {
        matches!(
            self,
            Op::Window { agg: Agg::Mean | Agg::ActiveDays, .. }
                | Op::Velocity { agg: Agg::Mean | Agg::ActiveDays, .. }
                | Op::Stickiness { .. }
        )
    }

    /// Whether the op reads whole histories.
    fn needs_history(&self) -> bool {
        matches!(self, Op::Cycle { .. } | Op::Bgnbd { .. })
    }
}

impl Plan {
    /// Appends a numeric column.
    fn push_numeric(&mut self, def: FeatureDef, op: Op, log1p: bool) {
        self.lookback = self.lookback.max(op.lookback());
        self.needs_active |= op.needs_active();
        self.needs_history |= op.needs_history();
        self.sources.push(Source::Num(self.ops.len()));
        self.ops.push((op, log1p));
        self.columns.push(def);
    }

    /// Appends a text column.
    fn push_text(&mut self, mut def: FeatureDef, source: Source) {
        def.value_type = "text".into();
        self.columns.push(def);
        self.sources.push(source);
    }
}

impl FeatureSpec {
    /// Validates the spec and expands it into a plan.
    pub fn plan(&self) -> Result<Plan, FeatureError> {
        let data_end = checks::check_tables(self)?;
        let labels = self.mode == Mode::Training;
        let events = Events::new(&self.activity.event_types)?;
        let mut plan = Plan {
            columns: Vec::new(),
            sources: Vec::new(),
            ops: Vec::new(),
            type_ids: events.ids.clone(),
            sub_columns: Vec::new(),
            lookback: 0,
            data_end,
            labels,
            needs_active: false,
            needs_history: false,
            label_chans: Vec::new(),
        };
        let inactivity = self.label.kind == LabelKind::Inactivity;
        if inactivity {
            for (ch, _) in events.resolve("label.events", &self.label_events())? {
                if ch == events.any() {
                    plan.label_chans.clear();
                    break;
                }
                plan.label_chans.push(ch as u32);
            }
        } else if !self.label.events.is_empty() {
            return Err(invalid("label.events", "only for `kind = \"inactivity\"` labels"));
        }
        checks::check_population(self, data_end)?;
        let defaults;
        let features = if inactivity && self.features.is_empty() {
            defaults = self.default_features();
            &defaults
        } else {
            &self.features
        };
        let mut names = families::NumericNames::default();
        for (fi, entry) in features.iter().enumerate() {
            let ctx = families::Ctx { spec: self, events: &events, index: fi, numeric: &names };
            match families::expand(&ctx, entry)? {
                families::Expanded::Numeric(cols) => {
                    for c in cols {
                        names.push(c.def.name.clone(), plan.ops.len(), c.def.window_days);
                        plan.push_numeric(c.def, c.op, c.log1p);
                    }
                }
                families::Expanded::Subscription { def, column } => {
                    let idx = match plan.sub_columns.iter().position(|c| *c == column) {
                        Some(i) => i,
                        None => {
                            plan.sub_columns.push(column);
                            plan.sub_columns.len() - 1
                        }
                    };
                    plan.push_text(def, Source::SubAttr(idx));
                }
            }
        }
        for (def, source) in families::statics::expand(self)? {
            plan.push_text(def, source);
        }
        checks::check_unique(self, labels, &plan.columns)?;
        Ok(plan)
    }
}

/// A spec validated and expanded once: the spec with its columns and their computations. The
/// engine (`churn_features::build_planned`), the dictionary ([`FeaturePlan::dictionary`]) and code
/// generators ([`FeaturePlan::view`]) all read this one plan.
#[derive(Debug, Clone)]
pub struct FeaturePlan {
    spec: FeatureSpec,
    pub plan: Plan,
}

impl FeaturePlan {
    /// Validates `spec` and expands its features.
    pub fn new(spec: FeatureSpec) -> Result<FeaturePlan, FeatureError> {
        let plan = spec.plan()?;
        Ok(FeaturePlan { spec, plan })
    }

    /// Parses and validates a spec from TOML text; `origin` names it in error messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<FeaturePlan, FeatureError> {
        FeaturePlan::new(FeatureSpec::parse_toml(text, origin)?)
    }

    /// The spec.
    pub fn spec(&self) -> &FeatureSpec {
        &self.spec
    }

    /// The output feature columns (the dictionary entries), in order.
    pub fn columns(&self) -> &[FeatureDef] {
        &self.plan.columns
    }

    /// The feature dictionary of the plan's output.
    pub fn dictionary(&self) -> crate::FeatureDictionary {
        crate::FeatureDictionary::of_plan(self)
    }
}
