//! A read-only public view of the validated computation plan, for code generators (the SQL
//! compiler in `churn-sql`) that must compute exactly what this crate computes.
//!
//! Families a generator does not know come out as [`OpView::Unsupported`] (named by their
//! dictionary kind) so that it can refuse them instead of guessing.

use crate::error::FeatureError;
use crate::plan::{Agg, FeaturePlan, Op, Source};
use crate::spec::{FeatureDef, FeatureSpec};

/// An aggregation over a window of days `[a, b)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggView {
    /// Rows (events); with `format = "usage"` the sum of the value column.
    Count,
    /// Sum of the value column (rows when there is none).
    Sum,
    /// Sum / active days (0 without active days).
    Mean,
    /// Days with at least one row.
    ActiveDays,
}

/// One numeric column's computation; `ch` is a channel: the index of a declared event type,
/// or [`PlanView::type_ids`]`.len()` for `any` (all rows whatever their type).
#[derive(Debug, Clone, PartialEq)]
pub enum OpView {
    /// Aggregation over `[t - w, t)`.
    Window {
        /// Channel.
        ch: usize,
        /// Window in days.
        w: i32,
        /// Aggregation.
        agg: AggView,
    },
    /// Velocity of `a` over `[t - w, t)` against `b` over `[t - 2w, t - w)`.
    Velocity {
        /// Channel.
        ch: usize,
        /// Window in days.
        w: i32,
        /// Aggregation.
        agg: AggView,
        /// `(a - b) / (a + b)` instead of `(a - b) / b`.
        bounded: bool,
        /// Value when only `b` is 0.
        zero: f64,
    },
    /// Least-squares slope of `n` period totals of `p` days before `t`.
    Trend {
        /// Channel.
        ch: usize,
        /// Periods.
        n: i32,
        /// Period length in days.
        p: i32,
        /// Aggregation (count or sum).
        agg: AggView,
        /// Divided by the mean period total.
        normalize: bool,
    },
    /// Days since the last day with a row before `t`.
    Recency {
        /// Channel.
        ch: usize,
        /// Value when there is none (default: the tenure).
        never: Option<f64>,
    },
    /// Days from the first subscription start to `t`.
    Tenure,
    /// Numeric column `num` / numeric column `den` (indices into [`PlanView::ops`]).
    Ratio {
        /// Numerator op.
        num: usize,
        /// Denominator op.
        den: usize,
        /// Value when the denominator is 0.
        zero: f64,
    },
    /// Active days in `[t - short, t)` / active days in `[t - long, t)`.
    Stickiness {
        /// Channel.
        ch: usize,
        /// Short window.
        short: i32,
        /// Long window.
        long: i32,
    },
    /// A purchase-cycle statistic of the whole history of channel `ch` before `t`.
    Cycle {
        /// Channel.
        ch: usize,
        /// The statistic.
        stat: CycleView,
    },
    /// A family this view does not describe (its dictionary kind).
    Unsupported {
        /// The feature family.
        kind: String,
    },
}

/// A purchase-cycle statistic (see `FeatureEntry::PurchaseCycle`); gap statistics, the
/// overdue ratio and value means are missing (NaN) when they are undefined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleView {
    /// Distinct days with activity before `t`.
    Days,
    /// Mean gap between consecutive activity days: `(last - first) / (days - 1)`.
    GapMean,
    /// Median gap.
    GapMedian,
    /// The last gap.
    GapLast,
    /// `(t - last) / GapMean`.
    Overdue,
    /// Days with activity in `[t - w, t)`.
    ActiveDays(i32),
    /// Sum of the value in `[t - w, t)`.
    ValueSum(i32),
    /// Mean value per row in `[t - w, t)`.
    ValueMean(i32),
    /// Mean value per row over the whole history before `t`.
    ValueMeanAll,
    /// Slope of the value sums of the last `n` periods of `p` days (oldest first) / their mean
    /// (0 when it is 0).
    ValueTrend(i32, i32),
}

/// Where an output column's values come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceView {
    /// Numeric op `i` (index into [`PlanView::ops`]).
    Num(usize),
    /// Subscription column `i` (index into [`PlanView::sub_columns`]).
    SubAttr(usize),
    /// Static table `t`, column `c`.
    Static(usize, usize),
    /// A source this view does not describe.
    Unsupported,
}

/// The validated plan of a spec.
#[derive(Debug, Clone)]
pub struct PlanView {
    /// Output feature columns (after the id and snapshot date, before the label).
    pub columns: Vec<FeatureDef>,
    /// Source of each column.
    pub sources: Vec<SourceView>,
    /// Numeric computations with their `log1p` flag.
    pub ops: Vec<(OpView, bool)>,
    /// Declared event type ids (the raw values of the type column), in channel order.
    pub type_ids: Vec<String>,
    /// Subscription columns the features copy.
    pub sub_columns: Vec<String>,
    /// Days of history a snapshot needs (recency looks at all history).
    pub lookback: i32,
    /// `data_end` as a day number.
    pub data_end: Option<i32>,
    /// Whether labels are computed.
    pub labels: bool,
    /// Inactivity labels: the channels counted as activity (population, tenure, label); empty:
    /// every row.
    pub label_chans: Vec<usize>,
}

fn agg_view(a: Agg) -> AggView {
    match a {
        Agg::Count => AggView::Count,
        Agg::Sum => AggView::Sum,
        Agg::Mean => AggView::Mean,
        Agg::ActiveDays => AggView::ActiveDays,
    }
}

/// The view of one op. Written as a chain of `if let` so that a family added later maps to
/// `Unsupported` until it is described here.
fn op_view(op: &Op, kind: &str) -> OpView {
    if let Op::Window { ch, w, agg } = *op {
        return OpView::Window { ch, w, agg: agg_view(agg) };
    }
    if let Op::Velocity { ch, w, agg, bounded, zero } = *op {
        return OpView::Velocity { ch, w, agg: agg_view(agg), bounded, zero };
    }
    if let Op::Trend { ch, n, p, agg, normalize } = *op {
        return OpView::Trend { ch, n, p, agg: agg_view(agg), normalize };
    }
    if let Op::Recency { ch, never } = *op {
        return OpView::Recency { ch, never };
    }
    if let Op::Tenure = *op {
        return OpView::Tenure;
    }
    if let Op::Ratio { num, den, zero } = *op {
        return OpView::Ratio { num, den, zero };
    }
    if let Op::Stickiness { ch, short, long } = *op {
        return OpView::Stickiness { ch, short, long };
    }
    if let Op::Cycle { ch, stat } = *op {
        return OpView::Cycle { ch, stat };
    }
    OpView::Unsupported { kind: kind.to_string() }
}

impl FeatureSpec {
    /// Validates the spec and returns its plan (what `churn features` computes, column by
    /// column).
    pub fn plan_view(&self) -> Result<PlanView, FeatureError> {
        Ok(FeaturePlan::new(self.clone())?.view())
    }
}

impl FeaturePlan {
    /// The public view of the plan (what `churn features` computes, column by column).
    pub fn view(&self) -> PlanView {
        let plan = &self.plan;
        let mut kinds = vec![String::new(); plan.ops.len()];
        let sources = plan
            .sources
            .iter()
            .zip(&plan.columns)
            .map(|(s, c)| {
                // Sources are matched one by one for the same reason as ops.
                if let Source::Num(i) = *s {
                    kinds[i] = c.kind.clone();
                    return SourceView::Num(i);
                }
                if let Source::SubAttr(i) = *s {
                    return SourceView::SubAttr(i);
                }
                if let Source::Static(t, c) = *s {
                    return SourceView::Static(t, c);
                }
                SourceView::Unsupported
            })
            .collect();
        PlanView {
            ops: plan.ops.iter().zip(&kinds).map(|((op, log), k)| (op_view(op, k), *log)).collect(),
            columns: plan.columns.clone(),
            sources,
            type_ids: plan.type_ids.clone(),
            sub_columns: plan.sub_columns.clone(),
            lookback: plan.lookback,
            data_end: plan.data_end,
            labels: plan.labels,
            label_chans: plan.label_chans.iter().map(|&c| c as usize).collect(),
        }
    }
}
