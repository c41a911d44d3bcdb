//! The declarative feature spec (TOML) and its validation into a computation plan.
//!
//! See the crate documentation for the format. The types here are plain serde data, so a spec
//! round-trips through TOML and JSON (it is embedded in the feature dictionary and from there in
//! model files). File names are relative to a data directory.

use serde::{Deserialize, Serialize};

use crate::error::{closest, FeatureError};
use churn_core::date::parse_date;

/// Current version of the spec format.
pub const SPEC_VERSION: u32 = 1;

/// A complete feature spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureSpec {
    /// Spec format version (1).
    #[serde(default = "default_version")]
    pub version: u32,
    /// `training` (labels computed, censored rows handled per `label.censored`) or `scoring`
    /// (no labels, every account alive at a snapshot gets a row).
    #[serde(default)]
    pub mode: Mode,
    /// First date NOT covered by the data (exclusive end, `YYYY-MM-DD`). Subscription ends on or
    /// after it mean "still active"; outcome windows reaching past it are censored. Required in
    /// training mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_end: Option<String>,
    /// The activity table (raw events or pre-aggregated usage).
    pub activity: ActivitySpec,
    /// The subscriptions table (population, tenure, churn dates). Optional: without it (an
    /// empty `file`, the default), the population is every account with activity before the
    /// snapshot, tenure counts from the first activity and the label must be
    /// `kind = "inactivity"`. Use [`FeatureSpec::subscriptions`] to read it.
    #[serde(default, skip_serializing_if = "SubscriptionSpec::is_absent")]
    pub subscriptions: SubscriptionSpec,
    /// Who is in the population at a snapshot when there is no subscriptions table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<PopulationSpec>,
    /// Optional static per-account tables joined by account id.
    #[serde(default, rename = "static", skip_serializing_if = "Vec::is_empty")]
    pub statics: Vec<StaticSpec>,
    /// How snapshot dates are chosen.
    pub snapshots: SnapshotSpec,
    /// How labels are computed (training mode).
    #[serde(default)]
    pub label: LabelSpec,
    /// The features, in output order.
    #[serde(default)]
    pub features: Vec<FeatureEntry>,
}

fn default_version() -> u32 {
    SPEC_VERSION
}

/// Whether labels are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Labels computed; rows whose outcome window is not fully observed are handled per
    /// [`LabelSpec::censored`].
    #[default]
    Training,
    /// No labels; every account alive at a snapshot date gets a row.
    Scoring,
}

/// Shape of the activity table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityFormat {
    /// One row per event: account, timestamp, event type, optional numeric value.
    #[default]
    Events,
    /// One row per account, day and metric: account, date, metric, count or value.
    Usage,
}

/// The activity table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivitySpec {
    /// File name (CSV or gzip-compressed CSV), relative to the data directory.
    pub file: String,
    /// `events` or `usage`.
    #[serde(default)]
    pub format: ActivityFormat,
    /// Account id column.
    #[serde(default = "default_account")]
    pub account: String,
    /// Timestamp (events) or date (usage) column; only the `YYYY-MM-DD` part is used.
    pub time: String,
    /// Event type / metric column.
    #[serde(rename = "type")]
    pub type_column: String,
    /// Numeric column: the event's value (events, optional) or the count/value (usage, required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The event types (metrics) that features may name: either the raw value, or
    /// `{ id = "<raw value>", name = "<name used in feature names>" }`.
    #[serde(default)]
    pub event_types: Vec<EventTypeDecl>,
}

fn default_account() -> String {
    "account_id".to_string()
}

/// A declared event type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EventTypeDecl {
    /// The raw value is also the name.
    Plain(String),
    /// A raw value with a readable name.
    Named {
        /// The value in the type column.
        id: String,
        /// The name used in the spec and in feature names.
        name: String,
    },
}

impl EventTypeDecl {
    /// The raw value in the type column.
    pub fn id(&self) -> &str {
        match self {
            EventTypeDecl::Plain(s) => s,
            EventTypeDecl::Named { id, .. } => id,
        }
    }
    /// The name used in the spec and in feature names.
    pub fn name(&self) -> &str {
        match self {
            EventTypeDecl::Plain(s) => s,
            EventTypeDecl::Named { name, .. } => name,
        }
    }
}

/// The subscriptions table: one or more rows per account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionSpec {
    /// File name, relative to the data directory.
    pub file: String,
    /// Account id column (its name is also the id column of the output).
    #[serde(default = "default_account")]
    pub account: String,
    /// Start date column.
    pub start: String,
    /// End (churn) date column; an empty cell means open-ended.
    pub end: String,
    /// Rows of one account separated by at most this many days are one active period
    /// (the book uses 7). Default 0: only touching or overlapping rows merge.
    #[serde(default)]
    pub max_gap_days: u32,
}

impl SubscriptionSpec {
    /// True for the placeholder of a spec without a `[subscriptions]` table (empty `file`).
    pub fn is_absent(&self) -> bool {
        self.file.is_empty()
    }
}

impl Default for SubscriptionSpec {
    /// The absent table (empty `file`).
    fn default() -> Self {
        SubscriptionSpec {
            file: String::new(),
            account: default_account(),
            start: String::new(),
            end: String::new(),
            max_gap_days: 0,
        }
    }
}

/// The population of a spec without subscriptions: accounts with activity (of the label's
/// `events`) before the snapshot, optionally only those active recently.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationSpec {
    /// Only accounts with activity in `[t - active_within_days, t)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_within_days: Option<u32>,
}

/// A static per-account table joined by account id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticSpec {
    /// File name, relative to the data directory.
    pub file: String,
    /// Account id column.
    #[serde(default = "default_account")]
    pub account: String,
    /// Columns copied verbatim into the output (missing accounts give empty cells).
    pub columns: Vec<String>,
    /// Optional prefix for the output column names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// How snapshot dates are chosen. Each account gets a row at a snapshot date `t` when it is
/// alive then: some active period has `start < t <= end` (open-ended periods have no end).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SnapshotSpec {
    /// One cut-off date.
    Cutoff {
        /// The date `YYYY-MM-DD`.
        date: String,
    },
    /// A list of dates.
    Dates {
        /// The dates `YYYY-MM-DD`.
        dates: Vec<String>,
    },
    /// Day `day` of every month from `start` to `end` (inclusive).
    Monthly {
        /// First date of the range.
        start: String,
        /// Last date of the range (inclusive).
        end: String,
        /// Day of the month (clamped to the month's length). Default 1.
        #[serde(default = "default_day")]
        day: u32,
    },
    /// Each active period's monthly anniversaries minus an offset (the book's rule):
    /// `t = period start + k months - offset_days`, `k = 1, 2, ...`, within `start..=end`.
    Anniversary {
        /// First date of the range.
        start: String,
        /// Last date of the range (inclusive).
        end: String,
        /// Days before each anniversary; default `label.lead_days`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offset_days: Option<u32>,
        /// Leave out active periods that ended (churned) on or before this date. The book's
        /// listing 4.4 joins on `churn_date > obs_start + 1 month - lead`, i.e. this is
        /// `start + 1 month - lead - 1 day` to reproduce it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exclude_churned_on_or_before: Option<String>,
    },
}

fn default_day() -> u32 {
    1
}

/// What to do with training rows whose outcome window is not fully observed (it reaches past
/// `data_end`) and that have no churn observed in its visible part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Censored {
    /// Leave the row out (default: censored is not "retained").
    #[default]
    Drop,
    /// Keep the row labelled 0 (what the book's listing does).
    Keep,
}

/// Label definition: churn in `[t + lead_days, t + lead_days + horizon)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelSpec {
    /// Days between the snapshot and the start of the outcome window. Rows whose account churns
    /// inside `[t, t + lead_days)` are left out (too late to act).
    #[serde(default)]
    pub lead_days: u32,
    /// Outcome window length in days (default 30 unless `horizon_months` is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon_days: Option<u32>,
    /// Outcome window length in calendar months (exclusive with `horizon_days`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon_months: Option<u32>,
    /// Censored rows: `drop` (default) or `keep`.
    #[serde(default)]
    pub censored: Censored,
    /// `subscription_end` (default: churn = the end of an active period) or `inactivity`
    /// (churn = no activity of `events` in the outcome window).
    #[serde(default, skip_serializing_if = "LabelKind::is_default")]
    pub kind: LabelKind,
    /// Inactivity labels: the declared event types that count as activity (for the population,
    /// tenure, the label and the purchase-cycle default); empty = every row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    /// Survival labels: the name of a column that gets, per snapshot row, the days from the
    /// snapshot to churn (`churned` = 1) or to `data_end` (`churned` = 0). Censored rows are
    /// kept; there is no outcome window (no horizon, no lead time). For
    /// `churn train --time COL --horizons ...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_column: Option<String>,
}

impl Default for LabelSpec {
    fn default() -> Self {
        LabelSpec {
            lead_days: 0,
            horizon_days: None,
            horizon_months: None,
            censored: Censored::Drop,
            kind: LabelKind::SubscriptionEnd,
            events: Vec::new(),
            time_column: None,
        }
    }
}

/// What churn means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelKind {
    /// An active period of the subscriptions table ends in the outcome window.
    #[default]
    SubscriptionEnd,
    /// No activity (of `label.events`) in the outcome window `[t + lead, t + lead + horizon)`.
    Inactivity,
}

impl LabelKind {
    fn is_default(&self) -> bool {
        *self == LabelKind::SubscriptionEnd
    }
}

impl LabelSpec {
    /// The outcome window `[t + lead, t + lead + horizon)` of a snapshot `t`.
    pub(crate) fn window(&self, t: i32) -> (i32, i32) {
        let ws = t + self.lead_days as i32;
        let we = match (self.horizon_months, self.horizon_days) {
            (Some(m), _) => crate::subs::add_months(ws, m as i32),
            (None, Some(d)) => ws + d as i32,
            (None, None) => ws + 30,
        };
        (ws, we)
    }
}

/// The snapshot dates shared by every account (cutoff, dates, monthly), ascending; `None` for
/// anniversary snapshots.
pub(crate) fn common_dates(spec: &FeatureSpec) -> Result<Option<Vec<i32>>, FeatureError> {
    use churn_core::date::{civil_from_days, days_from_civil, days_in_month};
    Ok(match &spec.snapshots {
        SnapshotSpec::Cutoff { date } => Some(vec![parse_spec_date("snapshots.date", date)?]),
        SnapshotSpec::Dates { dates } => {
            let mut v = dates.iter().map(|d| parse_spec_date("snapshots.dates", d)).collect::<Result<Vec<_>, _>>()?;
            v.sort_unstable();
            v.dedup();
            Some(v)
        }
        SnapshotSpec::Monthly { start, end, day } => {
            let s = parse_spec_date("snapshots.start", start)?;
            let e = parse_spec_date("snapshots.end", end)?;
            let (y, m, _) = civil_from_days(s);
            let first = days_from_civil(y, m, 1);
            let mut v = Vec::new();
            let mut k = 0;
            loop {
                let month_start = crate::subs::add_months(first, k);
                if month_start > e {
                    break;
                }
                let (yy, mm, _) = civil_from_days(month_start);
                let d = days_from_civil(yy, mm, (*day).min(days_in_month(yy, mm)));
                if d >= s && d <= e {
                    v.push(d);
                }
                k += 1;
            }
            Some(v)
        }
        SnapshotSpec::Anniversary { .. } => None,
    })
}

/// Which event types a feature uses: `"any"` (all rows, whatever their type), `"*"` (each
/// declared type in turn), one declared type, or a list of declared types (each in turn).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EventSel {
    /// `"any"`, `"*"` or one type name.
    One(String),
    /// Several type names.
    Many(Vec<String>),
}

impl Default for EventSel {
    fn default() -> Self {
        EventSel::One("any".to_string())
    }
}

fn default_agg() -> String {
    "count".to_string()
}
fn default_one() -> f64 {
    1.0
}
fn default_periods() -> u32 {
    8
}
fn default_period_days() -> u32 {
    7
}
fn default_short() -> u32 {
    7
}
fn default_long() -> u32 {
    30
}
fn default_cycle_windows() -> Vec<u32> {
    vec![30, 90, 365]
}
fn default_trend_periods() -> u32 {
    6
}
fn default_trend_period_days() -> u32 {
    30
}

/// One `[[features]]` entry; may expand to several columns (one per event type × window ×
/// aggregation). `log1p = true` outputs `sign(x) * ln(1 + |x|)` and appends `_log1p` to
/// generated names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeatureEntry {
    /// Aggregations over trailing windows `[t - w, t)`.
    Window {
        /// Event types.
        #[serde(default)]
        events: EventSel,
        /// Window lengths in days.
        windows: Vec<u32>,
        /// `count`, `sum`, `mean`, `active_days`.
        aggregations: Vec<String>,
        /// Apply log1p.
        #[serde(default)]
        log1p: bool,
        /// Column name (only when the entry expands to one column).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// `(a - b) / b` with `a` the aggregation over `[t - w, t)` and `b` over `[t - 2w, t - w)`;
    /// 0 when both are 0, `zero_value` when only `b` is 0. `bounded = true` gives
    /// `(a - b) / (a + b)` in `[-1, 1]` (0 when `a + b = 0`).
    Velocity {
        /// Event types.
        #[serde(default)]
        events: EventSel,
        /// Window lengths in days.
        windows: Vec<u32>,
        /// Aggregation of each window (default `count`).
        #[serde(default = "default_agg")]
        aggregation: String,
        /// Bounded variant.
        #[serde(default)]
        bounded: bool,
        /// Value when the previous window is 0 and the current one is not (default 1).
        #[serde(default = "default_one")]
        zero_value: f64,
        /// Apply log1p.
        #[serde(default)]
        log1p: bool,
        /// Column name (only when the entry expands to one column).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// Least-squares slope of the totals of the last `periods` periods of `period_days` days
    /// (oldest first, x = 0, 1, ...), per period; `normalize = true` divides by their mean
    /// (0 when the mean is 0).
    Trend {
        /// Event types.
        #[serde(default)]
        events: EventSel,
        /// Number of periods (at least 2; default 8).
        #[serde(default = "default_periods")]
        periods: u32,
        /// Period length in days (1 = daily, 7 = weekly; default 7).
        #[serde(default = "default_period_days")]
        period_days: u32,
        /// Aggregation of each period: `count` (default) or `sum`.
        #[serde(default = "default_agg")]
        aggregation: String,
        /// Divide by the mean of the period totals.
        #[serde(default)]
        normalize: bool,
        /// Apply log1p.
        #[serde(default)]
        log1p: bool,
        /// Column name (only when the entry expands to one column).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// Days since the last day with an event before `t` (1 = yesterday). When there is none:
    /// `never`, or by default the account's tenure in days.
    Recency {
        /// Event types.
        #[serde(default)]
        events: EventSel,
        /// Value when there was no event.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        never: Option<f64>,
        /// Apply log1p.
        #[serde(default)]
        log1p: bool,
        /// Column name (only when the entry expands to one column).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// Days from the account's first subscription start to `t`.
    Tenure {
        /// Apply log1p.
        #[serde(default)]
        log1p: bool,
        /// Column name (default `tenure_days`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// `numerator / denominator` of two numeric features defined earlier (by output name);
    /// `zero_value` when the denominator is 0.
    Ratio {
        /// Column name.
        name: String,
        /// Numerator feature name.
        numerator: String,
        /// Denominator feature name.
        denominator: String,
        /// Value when the denominator is 0 (default 0).
        #[serde(default)]
        zero_value: f64,
        /// Apply log1p.
        #[serde(default)]
        log1p: bool,
    },
    /// Active days in `[t - short_days, t)` / active days in `[t - long_days, t)` (0 when the
    /// latter is 0).
    Stickiness {
        /// Event types (default `any`).
        #[serde(default)]
        events: EventSel,
        /// Short window (default 7).
        #[serde(default = "default_short")]
        short_days: u32,
        /// Long window (default 30).
        #[serde(default = "default_long")]
        long_days: u32,
        /// Column name (only when the entry expands to one column).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// Purchase-cycle statistics of the whole history before `t` (see the crate docs):
    /// `{ev}_activity_days`, `{ev}_gap_mean`, `{ev}_gap_median`, `{ev}_gap_last`, `{ev}_overdue`,
    /// `{ev}_active_days_{w}d` per window and, with a value column, `{ev}_value_sum_{w}d`,
    /// `{ev}_value_mean_{w}d`, `{ev}_value_mean` and `{ev}_value_trend_{n}x{p}d`.
    PurchaseCycle {
        /// Event types.
        #[serde(default)]
        events: EventSel,
        /// Window lengths in days (default 30, 90, 365).
        #[serde(default = "default_cycle_windows")]
        windows: Vec<u32>,
        /// Periods of the value trend (default 6).
        #[serde(default = "default_trend_periods")]
        trend_periods: u32,
        /// Days per period of the value trend (default 30).
        #[serde(default = "default_trend_period_days")]
        trend_period_days: u32,
    },
    /// The BG/NBD model of repeat buying, fitted by maximum likelihood on the population at each
    /// snapshot date: `{ev}_bgnbd_p_alive` and `{ev}_bgnbd_expected_{h}d` (expected activity days
    /// in `[t, t + h)`).
    Bgnbd {
        /// Event types.
        #[serde(default)]
        events: EventSel,
        /// Horizon of the expectation in days (default: the label's horizon, 30 days without
        /// one; months count 30.4375 days).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        horizon_days: Option<u32>,
    },
    /// A subscriptions-table column (e.g. `mrr`, `plan`) taken from the account's latest
    /// subscription row that started before `t`; copied verbatim.
    Subscription {
        /// The column.
        column: String,
        /// Column name (default: the column).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
}

/// The valid aggregation names.
pub const AGGREGATIONS: [&str; 4] = ["count", "sum", "mean", "active_days"];

/// An aggregation over a window of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Agg {
    Count,
    Sum,
    Mean,
    ActiveDays,
}

impl Agg {
    fn name(self) -> &'static str {
        match self {
            Agg::Count => "count",
            Agg::Sum => "sum",
            Agg::Mean => "mean",
            Agg::ActiveDays => "active_days",
        }
    }
}

/// One column of the output and its definition: an entry of the feature dictionary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDef {
    /// Output column name.
    pub name: String,
    /// Feature family: `window`, `velocity`, `trend`, `recency`, `tenure`, `ratio`,
    /// `stickiness`, `subscription`, `static`.
    pub kind: String,
    /// Human-readable definition.
    pub definition: String,
    /// Days before the snapshot the feature looks at (`None`: all history or not time-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_days: Option<u32>,
    /// The event type, `any`, or `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// `number` or `text`.
    pub value_type: String,
}

/// A channel: index of a declared event type, or `ANY`.
pub(crate) type Chan = usize;

/// A computation for one numeric column.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Window { ch: Chan, w: i32, agg: Agg },
    Velocity { ch: Chan, w: i32, agg: Agg, bounded: bool, zero: f64 },
    Trend { ch: Chan, n: i32, p: i32, agg: Agg, normalize: bool },
    Recency { ch: Chan, never: Option<f64> },
    Tenure,
    Ratio { num: usize, den: usize, zero: f64 },
    Stickiness { ch: Chan, short: i32, long: i32 },
    Cycle { ch: Chan, stat: crate::cycle::CycleStat },
    Bgnbd { ch: Chan, what: crate::cycle::BgWhat },
}

/// Where an output column's values come from.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// Numeric column `i` (index into `Plan::ops`).
    Num(usize),
    /// Subscription attribute `i` (index into `Plan::sub_columns`).
    SubAttr(usize),
    /// Static table `t`, column `c`.
    Static(usize, usize),
}

/// A validated spec ready to run.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) columns: Vec<FeatureDef>,
    pub(crate) sources: Vec<Source>,
    pub(crate) ops: Vec<(Op, bool)>,
    /// Declared event type ids; channel `ids.len()` is `any`.
    pub(crate) type_ids: Vec<String>,
    pub(crate) sub_columns: Vec<String>,
    /// Days of history needed before a snapshot (recency is tracked separately).
    pub(crate) lookback: i32,
    pub(crate) data_end: Option<i32>,
    pub(crate) labels: bool,
    pub(crate) needs_active: bool,
    /// Some feature needs whole histories (purchase cycle, BG/NBD).
    pub(crate) needs_history: bool,
    /// Inactivity labels: the channels counted as activity (empty: every row).
    pub(crate) label_chans: Vec<u32>,
}

impl Plan {
    pub(crate) fn any(&self) -> Chan {
        self.type_ids.len()
    }
    pub(crate) fn n_channels(&self) -> usize {
        self.type_ids.len() + 1
    }
}

pub(crate) fn parse_spec_date(field: &str, value: &str) -> Result<i32, FeatureError> {
    parse_date(value).ok_or_else(|| FeatureError::InvalidSpec {
        field: field.to_string(),
        message: format!("cannot parse '{value}' as a date (YYYY-MM-DD)"),
    })
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> FeatureError {
    FeatureError::InvalidSpec { field: field.into(), message: message.into() }
}

fn parse_agg(field: &str, s: &str) -> Result<Agg, FeatureError> {
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

impl FeatureSpec {
    /// Parses a spec from TOML text; `origin` names it in error messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<FeatureSpec, FeatureError> {
        let spec: FeatureSpec = toml::from_str(text).map_err(|e| FeatureError::SpecSyntax {
            origin: origin.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        if spec.version != SPEC_VERSION {
            return Err(invalid(
                "version",
                format!("unsupported spec version {} (this build reads version {SPEC_VERSION})", spec.version),
            ));
        }
        spec.plan()?;
        Ok(spec)
    }

    /// Serializes the spec back to TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// The output columns (the feature dictionary entries), after validating the spec.
    pub fn columns(&self) -> Result<Vec<FeatureDef>, FeatureError> {
        Ok(self.plan()?.columns)
    }

    /// The same spec for scoring at one snapshot date: no labels, every account alive at
    /// `date` gets a row, and the feature columns are exactly the same.
    pub fn for_scoring(&self, date: i32) -> FeatureSpec {
        let mut s = self.clone();
        s.mode = Mode::Scoring;
        s.snapshots = SnapshotSpec::Cutoff { date: churn_core::date::format_date(date) };
        s
    }

    /// The id column of the output: the subscriptions table's account column, or the activity
    /// table's without subscriptions.
    pub fn id_column(&self) -> &str {
        if self.subscriptions.is_absent() {
            &self.activity.account
        } else {
            &self.subscriptions.account
        }
    }

    /// The subscriptions table, when the spec has one.
    pub fn subscriptions(&self) -> Option<&SubscriptionSpec> {
        (!self.subscriptions.is_absent()).then_some(&self.subscriptions)
    }

    /// The event types counted as activity by an inactivity label.
    pub(crate) fn label_events(&self) -> EventSel {
        if self.label.events.is_empty() {
            EventSel::default()
        } else {
            EventSel::Many(self.label.events.clone())
        }
    }

    /// The features of an inactivity spec that lists none: recency and tenure, the
    /// purchase-cycle family and BG/NBD, over the label's events.
    pub fn default_features(&self) -> Vec<FeatureEntry> {
        let events = self.label_events();
        vec![
            FeatureEntry::Recency { events: events.clone(), never: None, log1p: false, name: None },
            FeatureEntry::Tenure { log1p: false, name: None },
            FeatureEntry::PurchaseCycle {
                events: events.clone(),
                windows: default_cycle_windows(),
                trend_periods: default_trend_periods(),
                trend_period_days: default_trend_period_days(),
            },
            FeatureEntry::Bgnbd { events, horizon_days: None },
        ]
    }

    /// The label kind against the tables and `[population]`, and an inactivity label's outcome
    /// windows against `data_end`.
    fn check_population(&self, data_end: Option<i32>) -> Result<(), FeatureError> {
        match (self.label.kind, self.subscriptions.is_absent()) {
            (LabelKind::SubscriptionEnd, true) => {
                return Err(invalid(
                    "label.kind",
                    "without a `[subscriptions]` table the label must be `kind = \"inactivity\"`",
                ))
            }
            (LabelKind::Inactivity, false) => {
                return Err(invalid(
                    "subscriptions",
                    "an inactivity label takes its population from the activity table; remove `[subscriptions]`",
                ))
            }
            (LabelKind::SubscriptionEnd, false) => {
                if self.population.is_some() {
                    return Err(invalid(
                        "population",
                        "`[population]` is for inactivity labels (with subscriptions the population is the subscribers)",
                    ));
                }
            }
            (LabelKind::Inactivity, true) => {
                if let Some(w) = self.population.as_ref().and_then(|p| p.active_within_days) {
                    if !(1..=36_500).contains(&w) {
                        return Err(invalid("population.active_within_days", format!("{w} is not in 1..=36500")));
                    }
                }
                if matches!(self.snapshots, SnapshotSpec::Anniversary { .. }) {
                    return Err(invalid(
                        "snapshots.kind",
                        "anniversary snapshots need subscriptions; use cutoff, dates or monthly",
                    ));
                }
                if let (Mode::Training, Some(end), Some(dates)) = (self.mode, data_end, common_dates(self)?) {
                    if !dates.is_empty() && dates.iter().all(|&t| self.label.window(t).1 > end) {
                        return Err(invalid(
                            "label",
                            format!(
                                "the outcome window of every snapshot reaches past data_end {}: nothing to learn from (the last snapshot {} needs data until {})",
                                churn_core::date::format_date(end),
                                churn_core::date::format_date(*dates.last().unwrap_or(&0)),
                                churn_core::date::format_date(self.label.window(*dates.last().unwrap_or(&0)).1 - 1)
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Validates the spec and expands it into a plan.
    pub(crate) fn plan(&self) -> Result<Plan, FeatureError> {
        let data_end = match &self.data_end {
            Some(d) => Some(parse_spec_date("data_end", d)?),
            None => None,
        };
        let labels = self.mode == Mode::Training;
        if labels && data_end.is_none() {
            return Err(invalid("data_end", "required in training mode (first date not covered by the data)"));
        }
        if self.label.horizon_days.is_some() && self.label.horizon_months.is_some() {
            return Err(invalid("label", "give either `horizon_days` or `horizon_months`, not both"));
        }
        if self.label.horizon_days == Some(0) || self.label.horizon_months == Some(0) {
            return Err(invalid("label", "the horizon must be at least 1"));
        }
        crate::survival::check_label(self)?;
        if self.activity.format == ActivityFormat::Usage && self.activity.value.is_none() {
            return Err(invalid("activity.value", "required for `format = \"usage\"` (the count or value column)"));
        }
        match &self.snapshots {
            SnapshotSpec::Cutoff { date } => {
                parse_spec_date("snapshots.date", date)?;
            }
            SnapshotSpec::Dates { dates } => {
                if dates.is_empty() {
                    return Err(invalid("snapshots.dates", "the list is empty"));
                }
                for d in dates {
                    parse_spec_date("snapshots.dates", d)?;
                }
            }
            SnapshotSpec::Monthly { start, end, day } => {
                let s = parse_spec_date("snapshots.start", start)?;
                let e = parse_spec_date("snapshots.end", end)?;
                if e < s {
                    return Err(invalid("snapshots.end", "is before `snapshots.start`"));
                }
                if !(1..=31).contains(day) {
                    return Err(invalid("snapshots.day", format!("{day} is not in 1..=31")));
                }
            }
            SnapshotSpec::Anniversary { start, end, exclude_churned_on_or_before, .. } => {
                let s = parse_spec_date("snapshots.start", start)?;
                let e = parse_spec_date("snapshots.end", end)?;
                if e < s {
                    return Err(invalid("snapshots.end", "is before `snapshots.start`"));
                }
                if let Some(d) = exclude_churned_on_or_before {
                    parse_spec_date("snapshots.exclude_churned_on_or_before", d)?;
                }
            }
        }

        // Event types.
        let type_ids: Vec<String> = self.activity.event_types.iter().map(|t| t.id().to_string()).collect();
        let type_names: Vec<String> = self.activity.event_types.iter().map(|t| t.name().to_string()).collect();
        for (i, n) in type_names.iter().enumerate() {
            if n == "any" || n == "*" || n.is_empty() {
                return Err(invalid(
                    format!("activity.event_types[{i}]"),
                    format!("'{n}' cannot be used as an event type name"),
                ));
            }
            if type_names[..i].contains(n) || type_ids[..i].contains(&type_ids[i]) {
                return Err(invalid(format!("activity.event_types[{i}]"), format!("'{n}' is declared twice")));
            }
        }
        let any = type_ids.len();
        let resolve = |field: &str, sel: &EventSel| -> Result<Vec<(Chan, String)>, FeatureError> {
            let names: Vec<&str> = match sel {
                EventSel::One(s) if s == "any" => return Ok(vec![(any, "any".to_string())]),
                EventSel::One(s) if s == "*" => {
                    if type_names.is_empty() {
                        return Err(invalid(field, "'*' needs `activity.event_types` to be declared"));
                    }
                    return Ok(type_names.iter().cloned().enumerate().collect());
                }
                EventSel::One(s) => vec![s.as_str()],
                EventSel::Many(v) => v.iter().map(|s| s.as_str()).collect(),
            };
            if names.is_empty() {
                return Err(invalid(field, "the list of event types is empty"));
            }
            let mut out = Vec::new();
            for n in names {
                if n == "any" {
                    out.push((any, "any".to_string()));
                    continue;
                }
                match type_names.iter().position(|t| t == n) {
                    Some(i) => out.push((i, n.to_string())),
                    None => {
                        return Err(FeatureError::UnknownEventType {
                            field: field.to_string(),
                            value: n.to_string(),
                            suggestion: closest(n, type_names.iter().map(|s| s.as_str())),
                            declared: if type_names.is_empty() {
                                "(none; declare them in `activity.event_types`)".to_string()
                            } else {
                                type_names.join(", ")
                            },
                        })
                    }
                }
            }
            Ok(out)
        };

        let mut plan = Plan {
            columns: Vec::new(),
            sources: Vec::new(),
            ops: Vec::new(),
            type_ids: type_ids.clone(),
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
            for (ch, _) in resolve("label.events", &self.label_events())? {
                if ch == any {
                    plan.label_chans.clear();
                    break;
                }
                plan.label_chans.push(ch as u32);
            }
        } else if !self.label.events.is_empty() {
            return Err(invalid("label.events", "only for `kind = \"inactivity\"` labels"));
        }
        self.check_population(data_end)?;
        let defaults;
        let features = if inactivity && self.features.is_empty() {
            defaults = self.default_features();
            &defaults
        } else {
            &self.features
        };
        // (name -> op index) for ratio references.
        let mut numeric_names: Vec<(String, usize)> = Vec::new();

        struct Col {
            name: String,
            def: FeatureDef,
            op: Op,
            log1p: bool,
        }
        let number = "number".to_string();

        for (fi, entry) in features.iter().enumerate() {
            let field = |f: &str| format!("features[{fi}].{f}");
            let mut cols: Vec<Col> = Vec::new();
            let suffix = |log1p: bool| if log1p { "_log1p" } else { "" };
            let check_windows = |ws: &Vec<u32>| -> Result<(), FeatureError> {
                if ws.is_empty() {
                    return Err(invalid(field("windows"), "the list is empty"));
                }
                if let Some(w) = ws.iter().find(|w| **w == 0 || **w > 36_500) {
                    return Err(invalid(field("windows"), format!("{w} is not a window length in 1..=36500 days")));
                }
                Ok(())
            };
            let explicit_name: Option<&String>;
            match entry {
                FeatureEntry::Window { events, windows, aggregations, log1p, name } => {
                    explicit_name = name.as_ref();
                    check_windows(windows)?;
                    if aggregations.is_empty() {
                        return Err(invalid(field("aggregations"), "the list is empty"));
                    }
                    let aggs = aggregations
                        .iter()
                        .map(|a| parse_agg(&field("aggregations"), a))
                        .collect::<Result<Vec<_>, _>>()?;
                    for (ch, ev) in resolve(&field("events"), events)? {
                        for &w in windows {
                            for &agg in &aggs {
                                let what = match agg {
                                    Agg::Count => format!("number of {} events", ev_text(&ev)),
                                    Agg::Sum => format!("sum of the value of {} events", ev_text(&ev)),
                                    Agg::Mean => format!(
                                        "sum of the value of {} events per active day (0 when none)",
                                        ev_text(&ev)
                                    ),
                                    Agg::ActiveDays => {
                                        format!("number of days with {} events", ev_text(&ev))
                                    }
                                };
                                cols.push(Col {
                                    name: format!("{ev}_{}_{w}d{}", agg.name(), suffix(*log1p)),
                                    def: FeatureDef {
                                        name: String::new(),
                                        kind: "window".into(),
                                        definition: format!(
                                            "{what} in the {w} days before the snapshot [t-{w}, t){}",
                                            log_text(*log1p)
                                        ),
                                        window_days: Some(w),
                                        event_type: Some(ev.clone()),
                                        value_type: number.clone(),
                                    },
                                    op: Op::Window { ch, w: w as i32, agg },
                                    log1p: *log1p,
                                });
                            }
                        }
                    }
                }
                FeatureEntry::Velocity { events, windows, aggregation, bounded, zero_value, log1p, name } => {
                    explicit_name = name.as_ref();
                    check_windows(windows)?;
                    let agg = parse_agg(&field("aggregation"), aggregation)?;
                    if !zero_value.is_finite() {
                        return Err(invalid(field("zero_value"), "must be a finite number"));
                    }
                    for (ch, ev) in resolve(&field("events"), events)? {
                        for &w in windows {
                            let b = if *bounded { "_bounded" } else { "" };
                            let formula = if *bounded {
                                "(a - b) / (a + b), 0 when a + b = 0".to_string()
                            } else {
                                format!("(a - b) / b, 0 when a = b = 0, {zero_value} when only b = 0")
                            };
                            cols.push(Col {
                                name: format!(
                                    "{ev}_{}_velocity{b}_{w}d{}",
                                    agg.name(),
                                    suffix(*log1p)
                                ),
                                def: FeatureDef {
                                    name: String::new(),
                                    kind: "velocity".into(),
                                    definition: format!(
                                        "{formula}, with a = {} of {} events in [t-{w}, t) and b = the same in [t-{}, t-{w}){}",
                                        agg.name(),
                                        ev_text(&ev),
                                        2 * w,
                                        log_text(*log1p)
                                    ),
                                    window_days: Some(2 * w),
                                    event_type: Some(ev.clone()),
                                    value_type: number.clone(),
                                },
                                op: Op::Velocity {
                                    ch,
                                    w: w as i32,
                                    agg,
                                    bounded: *bounded,
                                    zero: *zero_value,
                                },
                                log1p: *log1p,
                            });
                        }
                    }
                }
                FeatureEntry::Trend { events, periods, period_days, aggregation, normalize, log1p, name } => {
                    explicit_name = name.as_ref();
                    let agg = parse_agg(&field("aggregation"), aggregation)?;
                    if !matches!(agg, Agg::Count | Agg::Sum) {
                        return Err(invalid(
                            field("aggregation"),
                            format!("'{aggregation}' cannot be totalled per period; use count or sum"),
                        ));
                    }
                    if !(2..=1000).contains(periods) {
                        return Err(invalid(field("periods"), format!("{periods} is not in 2..=1000")));
                    }
                    if !(1..=366).contains(period_days) {
                        return Err(invalid(field("period_days"), format!("{period_days} is not in 1..=366")));
                    }
                    let span = periods * period_days;
                    for (ch, ev) in resolve(&field("events"), events)? {
                        let norm = if *normalize { "_norm" } else { "" };
                        cols.push(Col {
                            name: format!(
                                "{ev}_trend{norm}_{periods}x{period_days}d{}",
                                suffix(*log1p)
                            ),
                            def: FeatureDef {
                                name: String::new(),
                                kind: "trend".into(),
                                definition: format!(
                                    "least-squares slope (per period) of the {} of {} events in the {periods} periods of {period_days} days before the snapshot, [t-{span}, t), oldest first{}{}",
                                    agg.name(),
                                    ev_text(&ev),
                                    if *normalize { ", divided by the mean period total (0 when it is 0)" } else { "" },
                                    log_text(*log1p)
                                ),
                                window_days: Some(span),
                                event_type: Some(ev.clone()),
                                value_type: number.clone(),
                            },
                            op: Op::Trend {
                                ch,
                                n: *periods as i32,
                                p: *period_days as i32,
                                agg,
                                normalize: *normalize,
                            },
                            log1p: *log1p,
                        });
                    }
                }
                FeatureEntry::Recency { events, never, log1p, name } => {
                    explicit_name = name.as_ref();
                    if never.is_some_and(|v| !v.is_finite()) {
                        return Err(invalid(field("never"), "must be a finite number"));
                    }
                    for (ch, ev) in resolve(&field("events"), events)? {
                        cols.push(Col {
                            name: format!("days_since_{ev}{}", suffix(*log1p)),
                            def: FeatureDef {
                                name: String::new(),
                                kind: "recency".into(),
                                definition: format!(
                                    "days from the last day with {} events before the snapshot to the snapshot (1 = the day before); {} when there is none{}",
                                    ev_text(&ev),
                                    match never {
                                        Some(v) => format!("{v}"),
                                        None => "the tenure in days".to_string(),
                                    },
                                    log_text(*log1p)
                                ),
                                window_days: None,
                                event_type: Some(ev.clone()),
                                value_type: number.clone(),
                            },
                            op: Op::Recency { ch, never: *never },
                            log1p: *log1p,
                        });
                    }
                }
                FeatureEntry::Tenure { log1p, name } => {
                    explicit_name = name.as_ref();
                    cols.push(Col {
                        name: format!("tenure_days{}", suffix(*log1p)),
                        def: FeatureDef {
                            name: String::new(),
                            kind: "tenure".into(),
                            definition: format!(
                                "days from the account's first subscription start to the snapshot{}",
                                log_text(*log1p)
                            ),
                            window_days: None,
                            event_type: None,
                            value_type: number.clone(),
                        },
                        op: Op::Tenure,
                        log1p: *log1p,
                    });
                }
                FeatureEntry::Ratio { name, numerator, denominator, zero_value, log1p } => {
                    explicit_name = Some(name);
                    if !zero_value.is_finite() {
                        return Err(invalid(field("zero_value"), "must be a finite number"));
                    }
                    let find = |f: &str, v: &str| -> Result<usize, FeatureError> {
                        numeric_names.iter().find(|(n, _)| n == v).map(|(_, i)| *i).ok_or_else(|| {
                            FeatureError::UnknownFeature {
                                field: field(f),
                                value: v.to_string(),
                                suggestion: closest(v, numeric_names.iter().map(|(n, _)| n.as_str())),
                            }
                        })
                    };
                    let num = find("numerator", numerator)?;
                    let den = find("denominator", denominator)?;
                    let window = plan.columns[col_of_op(&plan, num)]
                        .window_days
                        .max(plan.columns[col_of_op(&plan, den)].window_days);
                    cols.push(Col {
                        name: name.clone(),
                        def: FeatureDef {
                            name: String::new(),
                            kind: "ratio".into(),
                            definition: format!(
                                "{numerator} / {denominator}, {zero_value} when the denominator is 0{}",
                                log_text(*log1p)
                            ),
                            window_days: window,
                            event_type: None,
                            value_type: number.clone(),
                        },
                        op: Op::Ratio { num, den, zero: *zero_value },
                        log1p: *log1p,
                    });
                }
                FeatureEntry::Stickiness { events, short_days, long_days, name } => {
                    explicit_name = name.as_ref();
                    if *short_days == 0 || short_days > long_days || *long_days > 36_500 {
                        return Err(invalid(
                            field("short_days"),
                            format!("need 1 <= short_days ({short_days}) <= long_days ({long_days}) <= 36500"),
                        ));
                    }
                    for (ch, ev) in resolve(&field("events"), events)? {
                        cols.push(Col {
                            name: format!("{ev}_stickiness_{short_days}_{long_days}d"),
                            def: FeatureDef {
                                name: String::new(),
                                kind: "stickiness".into(),
                                definition: format!(
                                    "days with {} events in [t-{short_days}, t) / days with them in [t-{long_days}, t), 0 when the latter is 0",
                                    ev_text(&ev)
                                ),
                                window_days: Some(*long_days),
                                event_type: Some(ev.clone()),
                                value_type: number.clone(),
                            },
                            op: Op::Stickiness {
                                ch,
                                short: *short_days as i32,
                                long: *long_days as i32,
                            },
                            log1p: false,
                        });
                    }
                }
                FeatureEntry::PurchaseCycle { events, windows, trend_periods, trend_period_days } => {
                    use crate::cycle::CycleStat as S;
                    explicit_name = None;
                    check_windows(windows)?;
                    if !(2..=1000).contains(trend_periods) {
                        return Err(invalid(field("trend_periods"), format!("{trend_periods} is not in 2..=1000")));
                    }
                    if !(1..=366).contains(trend_period_days) {
                        return Err(invalid(
                            field("trend_period_days"),
                            format!("{trend_period_days} is not in 1..=366"),
                        ));
                    }
                    let has_value = self.activity.value.is_some();
                    for (ch, ev) in resolve(&field("events"), events)? {
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
                            let (n, p) = (*trend_periods, *trend_period_days);
                            stats.push((
                                format!("{ev}_value_trend_{n}x{p}d"),
                                S::ValueTrend(n as i32, p as i32),
                                format!("least-squares slope (per period) of the value sums of {e} events in the {n} periods of {p} days before the snapshot, oldest first, divided by their mean (0 when it is 0)"),
                                Some(n * p),
                            ));
                        }
                        for (name, stat, definition, window_days) in stats {
                            cols.push(Col {
                                name,
                                def: FeatureDef {
                                    name: String::new(),
                                    kind: "purchase_cycle".into(),
                                    definition,
                                    window_days,
                                    event_type: Some(ev.clone()),
                                    value_type: number.clone(),
                                },
                                op: Op::Cycle { ch, stat },
                                log1p: false,
                            });
                        }
                    }
                }
                FeatureEntry::Bgnbd { events, horizon_days } => {
                    use crate::cycle::BgWhat;
                    explicit_name = None;
                    let h = match horizon_days {
                        Some(0) => return Err(invalid(field("horizon_days"), "must be at least 1")),
                        Some(h) => *h,
                        None => match (self.label.horizon_days, self.label.horizon_months) {
                            (Some(d), _) => d,
                            (None, Some(m)) => (m as f64 * 30.4375).round() as u32,
                            (None, None) => 30,
                        },
                    };
                    for (ch, ev) in resolve(&field("events"), events)? {
                        let e = ev_text(&ev);
                        for (name, what, definition) in [
                            (format!("{ev}_bgnbd_p_alive"), BgWhat::PAlive, format!("BG/NBD probability that the account is still active, from its {e} activity days before the snapshot; the four parameters fitted by maximum likelihood on the population at the snapshot")),
                            (format!("{ev}_bgnbd_expected_{h}d"), BgWhat::Expected(h as i32), format!("BG/NBD expected number of days with {e} events in [t, t+{h}); the four parameters fitted by maximum likelihood on the population at the snapshot")),
                        ] {
                            cols.push(Col {
                                name,
                                def: FeatureDef {
                                    name: String::new(),
                                    kind: "bgnbd".into(),
                                    definition,
                                    window_days: None,
                                    event_type: Some(ev.clone()),
                                    value_type: number.clone(),
                                },
                                op: Op::Bgnbd { ch, what },
                                log1p: false,
                            });
                        }
                    }
                }
                FeatureEntry::Subscription { column, name } => {
                    if self.subscriptions.is_absent() {
                        return Err(invalid(field("column"), "subscription columns need a `[subscriptions]` table"));
                    }
                    let out = name.clone().unwrap_or_else(|| column.clone());
                    let idx = match plan.sub_columns.iter().position(|c| c == column) {
                        Some(i) => i,
                        None => {
                            plan.sub_columns.push(column.clone());
                            plan.sub_columns.len() - 1
                        }
                    };
                    plan.columns.push(FeatureDef {
                        name: out,
                        kind: "subscription".into(),
                        definition: format!(
                            "column `{column}` of the account's latest subscription row that started before the snapshot (verbatim)"
                        ),
                        window_days: None,
                        event_type: None,
                        value_type: "text".into(),
                    });
                    plan.sources.push(Source::SubAttr(idx));
                    continue;
                }
            }
            if let Some(n) = explicit_name {
                if cols.len() != 1 {
                    return Err(invalid(
                        field("name"),
                        format!("this entry makes {} columns; `name` is only allowed when it makes one", cols.len()),
                    ));
                }
                cols[0].name = n.clone();
            }
            for mut c in cols {
                plan.lookback = plan.lookback.max(lookback(&c.op));
                if matches!(
                    c.op,
                    Op::Window { agg: Agg::Mean | Agg::ActiveDays, .. }
                        | Op::Velocity { agg: Agg::Mean | Agg::ActiveDays, .. }
                        | Op::Stickiness { .. }
                ) {
                    plan.needs_active = true;
                }
                if matches!(c.op, Op::Cycle { .. } | Op::Bgnbd { .. }) {
                    plan.needs_history = true;
                }
                c.def.name = c.name.clone();
                numeric_names.push((c.name.clone(), plan.ops.len()));
                plan.sources.push(Source::Num(plan.ops.len()));
                plan.ops.push((c.op, c.log1p));
                plan.columns.push(c.def);
            }
        }
        for (ti, st) in self.statics.iter().enumerate() {
            if st.columns.is_empty() {
                return Err(invalid(format!("static[{ti}].columns"), "the list is empty"));
            }
            for (ci, c) in st.columns.iter().enumerate() {
                plan.columns.push(FeatureDef {
                    name: format!("{}{c}", st.prefix.as_deref().unwrap_or("")),
                    kind: "static".into(),
                    definition: format!("column `{c}` of {} (static, verbatim)", st.file),
                    window_days: None,
                    event_type: None,
                    value_type: "text".into(),
                });
                plan.sources.push(Source::Static(ti, ci));
            }
        }
        let id = self.id_column();
        let mut seen = std::collections::HashSet::new();
        seen.insert(id);
        seen.insert("snapshot_date");
        if labels {
            seen.insert("churned");
            if let Some(t) = &self.label.time_column {
                seen.insert(t.as_str());
            }
        }
        for c in &plan.columns {
            if !seen.insert(c.name.as_str()) {
                return Err(FeatureError::DuplicateColumn { name: c.name.clone() });
            }
        }
        Ok(plan)
    }
}

fn col_of_op(plan: &Plan, op: usize) -> usize {
    plan.sources.iter().position(|s| matches!(s, Source::Num(i) if *i == op)).unwrap_or(0)
}

fn lookback(op: &Op) -> i32 {
    match *op {
        Op::Window { w, .. } => w,
        Op::Velocity { w, .. } => 2 * w,
        Op::Trend { n, p, .. } => n * p,
        Op::Stickiness { long, .. } => long,
        Op::Recency { .. } | Op::Tenure | Op::Ratio { .. } | Op::Cycle { .. } | Op::Bgnbd { .. } => 0,
    }
}

fn ev_text(ev: &str) -> String {
    if ev == "any" {
        "all".to_string()
    } else {
        format!("`{ev}`")
    }
}

fn log_text(log1p: bool) -> &'static str {
    if log1p {
        "; then sign(x)·ln(1+|x|)"
    } else {
        ""
    }
}
