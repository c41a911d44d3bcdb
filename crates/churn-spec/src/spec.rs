//! The declarative feature spec (TOML) and its validation into a computation plan.
//!
//! See the crate documentation for the format. The types here are plain serde data, so a spec
//! round-trips through TOML and JSON (it is embedded in the feature dictionary and from there in
//! model files). File names are relative to a data directory.

use serde::{Deserialize, Serialize};

use crate::error::FeatureError;
use crate::plan::invalid;
use churn_core::date::parse_date;

/// `day + months` calendar months, the day of month clamped to the target month's length.
pub fn add_months(day: i32, months: i32) -> i32 {
    use churn_core::date::{civil_from_days, days_from_civil, days_in_month};
    let (y, m, d) = civil_from_days(day);
    let total = y * 12 + (m as i32 - 1) + months;
    let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    let last = days_in_month(ny, nm);
    days_from_civil(ny, nm, d.min(last))
}

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
    pub fn window(&self, t: i32) -> (i32, i32) {
        let ws = t + self.lead_days as i32;
        let we = match (self.horizon_months, self.horizon_days) {
            (Some(m), _) => add_months(ws, m as i32),
            (None, Some(d)) => ws + d as i32,
            (None, None) => ws + 30,
        };
        (ws, we)
    }
}

/// The snapshot dates shared by every account (cutoff, dates, monthly), ascending; `None` for
/// anniversary snapshots.
pub fn common_dates(spec: &FeatureSpec) -> Result<Option<Vec<i32>>, FeatureError> {
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
                let month_start = add_months(first, k);
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

/// Parses a spec date (`YYYY-MM-DD`); the error names the spec field.
pub fn parse_spec_date(field: &str, value: &str) -> Result<i32, FeatureError> {
    parse_date(value).ok_or_else(|| FeatureError::InvalidSpec {
        field: field.to_string(),
        message: format!("cannot parse '{value}' as a date (YYYY-MM-DD)"),
    })
}

impl FeatureSpec {
    /// Parses a spec from TOML text; `origin` names it in error messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<FeatureSpec, FeatureError> {
        let spec = FeatureSpec::parse_toml(text, origin)?;
        spec.plan()?;
        Ok(spec)
    }

    /// Parses a spec from TOML text and checks its version, without validating the rest.
    pub fn parse_toml(text: &str, origin: &str) -> Result<FeatureSpec, FeatureError> {
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

    /// The snapshot dates shared by every account (cutoff, dates, monthly), ascending, as
    /// `churn features` chooses them; `None` for anniversary snapshots (per account).
    pub fn common_dates(&self) -> Result<Option<Vec<i32>>, FeatureError> {
        common_dates(self)
    }

    /// The subscriptions table, when the spec has one.
    pub fn subscriptions(&self) -> Option<&SubscriptionSpec> {
        (!self.subscriptions.is_absent()).then_some(&self.subscriptions)
    }

    /// The event types counted as activity by an inactivity label.
    pub fn label_events(&self) -> EventSel {
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
}
