//! Point-in-time feature engineering from usage over time.
//!
//! Turns raw activity (events or pre-aggregated daily usage) and a subscriptions table into a
//! feature table with one row per account per snapshot date, ready for training or scoring.
//!
//! * [`run`] does everything `churn features --spec SPEC [--data-dir DIR] --out FILE` does:
//!   reads the spec, builds the table, and writes the CSV and its feature dictionary
//!   ([`dictionary_path`]) atomically (temporary files, then rename; nothing is left behind on
//!   error).
//! * [`FeatureSpec::from_toml`] parses a spec, [`build_features`] builds a table in memory,
//!   [`features_at`] recomputes the same columns for one scoring date from a spec carried in a
//!   model file (via the [`FeatureDictionary`]).
//!
//! # Example
//!
//! ```
//! use churn_features::{build_features, FeatureSpec};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(
//!     dir.path().join("events.csv"),
//!     "account_id,timestamp,event_type\n\
//!      a,2024-01-10T08:00:00,login\n\
//!      a,2024-01-31T23:59:59,login\n\
//!      a,2024-02-01T00:00:00,login\n",
//! )?;
//! std::fs::write(
//!     dir.path().join("subscriptions.csv"),
//!     "account_id,start_date,end_date\na,2024-01-01,2024-02-20\n",
//! )?;
//! let spec = FeatureSpec::from_toml(
//!     r#"
//!     data_end = "2024-06-01"
//!     [activity]
//!     file = "events.csv"
//!     time = "timestamp"
//!     type = "event_type"
//!     event_types = ["login"]
//!     [subscriptions]
//!     file = "subscriptions.csv"
//!     start = "start_date"
//!     end = "end_date"
//!     [snapshots]
//!     kind = "cutoff"
//!     date = "2024-02-01"
//!     [[features]]
//!     kind = "window"
//!     events = "login"
//!     windows = [28]
//!     aggregations = ["count"]
//!     [[features]]
//!     kind = "recency"
//!     "#,
//!     "example",
//! )?;
//! let (table, summary) = build_features(&spec, dir.path())?;
//! assert_eq!(summary.rows, 1);
//! // The event on 2024-02-01 (the snapshot day) is not used.
//! assert_eq!(table.number(0, "login_count_28d"), Some(2.0));
//! assert_eq!(table.number(0, "days_since_any"), Some(1.0));
//! // Churn on 2024-02-20 falls inside the default 30-day horizon.
//! assert_eq!(table.labels, Some(vec![true]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Point-in-time correctness
//!
//! A feature at snapshot date `t` only uses activity on days strictly before `t`
//! (windows are `[t - w, t)`), and subscription rows that started before `t`. The label is churn
//! (the end of an active period) in `[t + lead, t + lead + horizon)`.
//!
//! # Spec format (TOML)
//!
//! ```toml
//! mode = "training"            # or "scoring" (no labels, every live account gets a row)
//! data_end = "2020-06-01"      # first day NOT in the data (exclusive); required for training
//!
//! [activity]
//! file = "events.csv.gz"       # CSV or gzip CSV (detected by magic bytes), relative to the data dir
//! format = "events"            # "events" (one row per event) or "usage" (account, day, metric, count)
//! account = "account_id"
//! time = "timestamp"           # YYYY-MM-DD with an optional time part (ignored)
//! type = "event_type"
//! # value = "amount"           # optional for events, required for usage (the count/value)
//! event_types = ["login", { id = "3", name = "adview" }]
//!
//! [subscriptions]
//! file = "subscriptions.csv"   # several rows per account allowed
//! account = "account_id"       # also the id column of the output
//! start = "start_date"
//! end = "end_date"             # empty = open-ended
//! max_gap_days = 7             # rows this close form one active period
//!
//! [[static]]                   # optional, any number
//! file = "accounts.csv"
//! columns = ["channel", "country"]
//!
//! [snapshots]                  # kind = cutoff | dates | monthly | anniversary
//! kind = "anniversary"         # period start + k months - offset (default offset: label.lead_days)
//! start = "2020-02-09"
//! end = "2020-05-10"
//!
//! [label]                      # churn in [t + lead_days, t + lead_days + horizon)
//! lead_days = 5
//! horizon_months = 1           # or horizon_days (default 30 days)
//! censored = "drop"            # or "keep" (label 0) for rows whose window passes data_end
//!
//! [[features]]
//! kind = "window"              # window | velocity | trend | recency | tenure | ratio |
//! events = "*"                 #   stickiness | subscription
//! windows = [7, 28]
//! aggregations = ["count", "active_days"]   # count | sum | mean | active_days
//! ```
//!
//! Without `[subscriptions]` the label must be `[label] kind = "inactivity"` (churned = no
//! activity of `label.events` in `[t + lead, t + lead + horizon)`): the population at `t` is
//! every account with such activity before `t` (`[population] active_within_days` narrows it),
//! tenure counts from the first one, and an empty `[[features]]` list gets
//! [`FeatureSpec::default_features`]: recency, tenure, `purchase_cycle` and `bgnbd`
//! (see [`FeatureEntry::PurchaseCycle`] and [`FeatureEntry::Bgnbd`]).
//!
//! `events` is `"any"` (all rows), `"*"` (each declared type), a declared type name, or a list.
//! Generated column names: `{type}_{agg}_{w}d`, `{type}_{agg}_velocity[_bounded]_{w}d`,
//! `{type}_trend[_norm]_{n}x{p}d`, `days_since_{type}`, `tenure_days`,
//! `{type}_stickiness_{s}_{l}d`; `log1p = true` appends `_log1p`. See [`FeatureEntry`] for each
//! family's exact definition and zero cases, and `datasets/features-example/README.md`.
//!
//! # Output
//!
//! CSV with the id column, `snapshot_date` (YYYY-MM-DD), the features in spec order, static
//! columns, and `churned` (0/1) in training mode; rows grouped by account (in order of first
//! appearance in the subscriptions table), dates ascending. Beside it,
//! `<out>.dictionary.json`: a [`FeatureDictionary`] with each column's definition and window and
//! the spec itself.
#![warn(missing_docs)]

mod activity;
mod compute;
pub mod confine;
mod cycle;
mod error;
mod history;
mod input;
pub mod limits;
mod plan;
mod spec;
mod subs;
mod survival;
mod table_rows;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use churn_core::date::format_date;

pub use compute::signed_log1p;
pub use cycle::{fit_bgnbd, hyp2f1, BgNbd, Rfm};
// The spec, its plan, the dictionary and the driver words live in churn-spec (so that
// churn-model can carry a dictionary without the engine); this crate's API re-exports them.
pub use churn_spec::words;
pub use churn_spec::{
    ActivityFormat, ActivitySpec, AggView, Censored, CycleView, EventSel, EventTypeDecl, FeatureDef, FeatureDictionary,
    FeatureEntry, FeatureError, FeaturePlan, FeatureSpec, LabelKind, LabelSpec, Mode, OpView, PlanView, PopulationSpec,
    SnapshotSpec, SourceView, StaticSpec, SubscriptionSpec, AGGREGATIONS, DICTIONARY_VERSION, LABEL_COLUMN,
    SNAPSHOT_COLUMN, SPEC_VERSION,
};
pub use subs::add_months;

use crate::error::io_err;
use crate::input::{display_name, Header};
use crate::plan::Source;

/// One cell of a [`FeatureTable`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// A numeric feature.
    Number(f64),
    /// A verbatim (static or subscription) value.
    Text(&'a str),
    /// No value (e.g. an account missing from a static table).
    Missing,
}

/// A feature table in memory.
#[derive(Debug, Clone)]
pub struct FeatureTable {
    /// Name of the id column.
    pub id_column: String,
    /// The feature columns in output order (without id, snapshot date and label).
    pub columns: Vec<FeatureDef>,
    /// Account id of each row.
    pub accounts: Vec<String>,
    /// Snapshot date of each row (days since 1970-01-01).
    pub snapshots: Vec<i32>,
    /// Label of each row (training mode).
    pub labels: Option<Vec<bool>>,
    /// Survival labels (`label.time_column`): the column name and each row's days from the
    /// snapshot to churn (label 1) or to `data_end` (label 0), written after the label.
    pub times: Option<(String, Vec<i32>)>,
    numeric: Vec<f64>,
    n_numeric: usize,
    text: Vec<Option<String>>,
    n_text: usize,
    /// Per column: (is_text, index within the numeric or text block).
    layout: Vec<(bool, usize)>,
}

impl FeatureTable {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Index of the feature column `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The cell at `row`, feature column `col`.
    pub fn cell(&self, row: usize, col: usize) -> Cell<'_> {
        let (is_text, i) = self.layout[col];
        if is_text {
            match &self.text[row * self.n_text + i] {
                Some(s) => Cell::Text(s),
                None => Cell::Missing,
            }
        } else {
            Cell::Number(self.numeric[row * self.n_numeric + i])
        }
    }

    /// The numeric value at `row` of feature column `name` (`None` for unknown or text columns).
    pub fn number(&self, row: usize, name: &str) -> Option<f64> {
        match self.cell(row, self.column_index(name)?) {
            Cell::Number(v) => Some(v),
            _ => None,
        }
    }

    /// Writes the table as CSV (header included).
    pub fn write_csv<W: Write>(&self, mut w: W) -> std::io::Result<()> {
        let mut head = Vec::new();
        push_text(&mut head, &self.id_column);
        head.push(b',');
        head.extend_from_slice(SNAPSHOT_COLUMN.as_bytes());
        for c in &self.columns {
            head.push(b',');
            push_text(&mut head, &c.name);
        }
        if self.labels.is_some() {
            head.push(b',');
            head.extend_from_slice(LABEL_COLUMN.as_bytes());
        }
        if let Some((name, _)) = &self.times {
            head.push(b',');
            push_text(&mut head, name);
        }
        head.push(b'\n');
        w.write_all(&head)?;
        const BLOCK: usize = 4096;
        const GROUP: usize = 64;
        let blocks: Vec<usize> = (0..self.len().div_ceil(BLOCK)).collect();
        // Format blocks in parallel, a bounded number at a time, and write them in order; the
        // buffers are reused from one group to the next.
        let mut bufs: Vec<Vec<u8>> = vec![Vec::new(); GROUP.min(blocks.len())];
        for group in blocks.chunks(GROUP) {
            bufs.par_iter_mut().zip(group.par_iter()).for_each_init(NumberCache::new, |cache, (buf, &b)| {
                buf.clear();
                for r in b * BLOCK..((b + 1) * BLOCK).min(self.len()) {
                    self.format_row(r, buf, cache);
                }
            });
            for b in &bufs[..group.len()] {
                w.write_all(b)?;
            }
        }
        w.flush()
    }

    fn format_row(&self, r: usize, buf: &mut Vec<u8>, cache: &mut NumberCache) {
        push_text(buf, &self.accounts[r]);
        buf.push(b',');
        push_date(buf, self.snapshots[r]);
        for c in 0..self.columns.len() {
            buf.push(b',');
            match self.cell(r, c) {
                Cell::Number(v) => cache.push(buf, v),
                Cell::Text(s) => push_text(buf, s),
                Cell::Missing => {}
            }
        }
        if let Some(l) = &self.labels {
            buf.extend_from_slice(if l[r] { b",1" } else { b",0" });
        }
        if let Some((_, t)) = &self.times {
            buf.push(b',');
            push_int(buf, t[r] as i64);
        }
        buf.push(b'\n');
    }
}

/// Formats numbers as `push_number` does, remembering the text of recent non-integers (feature
/// tables repeat the same few thousand ratios and slopes millions of times).
struct NumberCache {
    /// Direct-mapped: (bits, length, text); bits 0 (+0.0, never cached) marks an empty slot.
    slots: Vec<(u64, u8, [u8; 30])>,
}

impl NumberCache {
    const BITS: u32 = 12;

    fn new() -> NumberCache {
        NumberCache { slots: vec![(0, 0, [0; 30]); 1 << Self::BITS] }
    }

    /// Appends `v` formatted like `push_number`.
    #[inline]
    fn push(&mut self, buf: &mut Vec<u8>, v: f64) {
        if formats_without_fmt(v) {
            push_number(buf, v);
        } else {
            let bits = v.to_bits();
            let slot = &mut self.slots[(bits.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - Self::BITS)) as usize];
            if slot.0 == bits {
                buf.extend_from_slice(&slot.2[..slot.1 as usize]);
                return;
            }
            let start = buf.len();
            push_number(buf, v);
            let text = &buf[start..];
            if text.len() <= slot.2.len() {
                slot.0 = bits;
                slot.1 = text.len() as u8;
                slot.2[..text.len()].copy_from_slice(text);
            }
        }
    }
}

/// Appends `v` in decimal, as `write!(buf, "{v}")` does.
#[inline]
fn push_int(buf: &mut Vec<u8>, v: i64) {
    if v < 0 {
        buf.push(b'-');
    }
    churn_core::output::push_uint(buf, v.unsigned_abs());
}

/// Appends a day as `format_date` does (`YYYY-MM-DD`).
#[inline]
fn push_date(buf: &mut Vec<u8>, day: i32) {
    let (y, m, d) = churn_core::date::civil_from_days(day);
    if !(0..=9999).contains(&y) {
        buf.extend_from_slice(format_date(day).as_bytes());
        return;
    }
    let y = y as u32;
    let digit = |x: u32| b'0' + x as u8;
    buf.extend_from_slice(&[
        digit(y / 1000),
        digit(y / 100 % 10),
        digit(y / 10 % 10),
        digit(y % 10),
        b'-',
        digit(m / 10),
        digit(m % 10),
        b'-',
        digit(d / 10),
        digit(d % 10),
    ]);
}

/// True when [`push_number`] writes `v` without the standard formatter (nothing to cache).
fn formats_without_fmt(v: f64) -> bool {
    v.is_nan() || v == 0.0 || (v.fract() == 0.0 && v.abs() < 1e15)
}

fn push_number(buf: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        return;
    }
    if v == 0.0 {
        buf.push(b'0');
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        push_int(buf, v as i64);
    } else {
        let _ = write!(buf, "{v}");
    }
}

fn push_text(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(churn_core::csv_field(s).as_bytes());
}

/// What a feature run did: counts for the user, including events that were skipped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeatureRunSummary {
    /// Rows in the table.
    pub rows: usize,
    /// Distinct accounts in the table.
    pub accounts: usize,
    /// Distinct snapshot dates in the table.
    pub snapshot_dates: usize,
    /// Rows labelled churned (training mode).
    pub churned_rows: Option<usize>,
    /// Feature columns (without id, snapshot date and label).
    pub feature_columns: usize,
    /// Data rows read from the activity table.
    pub activity_rows: u64,
    /// Activity rows whose account is not in the subscriptions table (skipped).
    pub unknown_account_rows: u64,
    /// Distinct such accounts.
    pub unknown_accounts: u64,
    /// Up to five of them.
    pub unknown_account_examples: Vec<String>,
    /// Activity rows whose type is not declared (they count only towards `any`).
    pub unlisted_type_rows: u64,
    /// Activity rows outside every snapshot's look-back (not needed; recency still sees them).
    pub out_of_range_rows: u64,
    /// Rows left out because the account churned inside the lead time `[t, t + lead)`.
    pub excluded_churn_in_lead: u64,
    /// Rows left out because their outcome window is not fully observed (censored).
    pub censored_dropped: u64,
    /// Censored rows kept with label 0 (`label.censored = "keep"`), or, with a survival label
    /// (`label.time_column`), kept with their time to censoring.
    pub censored_kept: u64,
    /// The survival label's time column (`label.time_column`), when the table has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survival_time_column: Option<String>,
    /// Accounts of the table missing from a static table (their cells are empty).
    pub static_missing_accounts: u64,
    /// The first and last day (days since 1970-01-01) of the activity rows read, of accounts
    /// in the table; `None` when there were none. Not serialised.
    #[serde(skip)]
    pub activity_days: Option<(i32, i32)>,
    /// The output file, when written.
    pub output: Option<PathBuf>,
    /// The dictionary file, when written.
    pub dictionary: Option<PathBuf>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

impl std::fmt::Display for FeatureRunSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} rows ({} accounts, {} snapshot dates, {} features",
            self.rows, self.accounts, self.snapshot_dates, self.feature_columns
        )?;
        if let Some(c) = self.churned_rows {
            write!(f, ", {c} churned")?;
        }
        writeln!(f, ") in {:.2} s", self.seconds)?;
        write!(f, "{} activity rows read", self.activity_rows)?;
        if self.unknown_account_rows > 0 {
            write!(
                f,
                "; {} rows for {} accounts not in the subscriptions table were skipped (e.g. {})",
                self.unknown_account_rows,
                self.unknown_accounts,
                self.unknown_account_examples.join(", ")
            )?;
        }
        if self.unlisted_type_rows > 0 {
            write!(f, "; {} rows of undeclared event types", self.unlisted_type_rows)?;
        }
        if let Some(col) = &self.survival_time_column {
            write!(
                f,
                "\nsurvival label: {} censored rows kept with their time to censoring in `{col}`; {} rows left out \
                 (snapshot on or after the end of the data)",
                self.censored_kept, self.censored_dropped
            )?;
        } else if self.excluded_churn_in_lead + self.censored_dropped + self.censored_kept > 0 {
            write!(
                f,
                "\nrows left out: {} churned within the lead time, {} censored; {} censored rows kept as 0",
                self.excluded_churn_in_lead, self.censored_dropped, self.censored_kept
            )?;
        }
        if self.static_missing_accounts > 0 {
            write!(f, "\n{} accounts missing from static tables", self.static_missing_accounts)?;
        }
        if let Some(o) = &self.output {
            write!(f, "\nwrote {}", o.display())?;
        }
        if let Some(d) = &self.dictionary {
            write!(f, " and {}", d.display())?;
        }
        Ok(())
    }
}

/// Where [`run`] writes the dictionary of `out`: `<out>.dictionary.json`.
pub fn dictionary_path(out: &Path) -> PathBuf {
    let mut s = out.as_os_str().to_os_string();
    s.push(".dictionary.json");
    PathBuf::from(s)
}

/// Reads and validates a spec file.
pub fn load_spec(path: &Path) -> Result<FeatureSpec, FeatureError> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    FeatureSpec::from_toml(&text, &display_name(path))
}

/// Reads a spec file into its validated plan.
pub fn load_plan(path: &Path) -> Result<FeaturePlan, FeatureError> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    FeaturePlan::from_toml(&text, &display_name(path))
}

/// Builds the feature table of `spec`, with file names relative to `data_dir`.
pub fn build_features(spec: &FeatureSpec, data_dir: &Path) -> Result<(FeatureTable, FeatureRunSummary), FeatureError> {
    build_planned(&FeaturePlan::new(spec.clone())?, data_dir)
}

/// Builds the feature table of a validated plan, with file names relative to `data_dir`.
pub fn build_planned(
    planned: &FeaturePlan,
    data_dir: &Path,
) -> Result<(FeatureTable, FeatureRunSummary), FeatureError> {
    let started = Instant::now();
    let (spec, plan) = (planned.spec(), &planned.plan);
    let (acc, hist, rows, counts) = if spec.subscriptions.is_absent() {
        let (hist, ids, _) = history::read_history(spec, plan, None, data_dir)?;
        let (acc, hist) = history::accounts_from_activity(hist, ids, &plan.label_chans);
        let dates = spec::common_dates(spec)?.unwrap_or_default();
        let (rows, counts) = history::inactivity_snapshots(spec, plan, &acc, &hist, &dates, &plan.label_chans);
        (acc, Some(hist), rows, counts)
    } else {
        let acc = subs::read_subscriptions(spec, plan, data_dir)?;
        let (rows, counts) = subs::snapshots(spec, plan, &acc)?;
        let hist =
            if plan.needs_history { Some(history::read_history(spec, plan, Some(&acc), data_dir)?.0) } else { None };
        (acc, hist, rows, counts)
    };
    let statics = read_statics(spec, data_dir)?;
    let act = activity::read_activity(spec, plan, &acc, &rows, data_dir)?;
    let usage = spec.activity.format == ActivityFormat::Usage;
    let fits = compute::fit_bgnbd_per_snapshot(spec, plan, hist.as_ref(), &rows)?;
    let numeric = compute::compute(plan, &acc, &act.buckets, &rows, usage, hist.as_ref(), &fits);
    drop(act.buckets);

    let n_numeric = plan.ops.len();
    let mut layout = Vec::new();
    let mut text_sources = Vec::new();
    for s in &plan.sources {
        match s {
            Source::Num(i) => layout.push((false, *i)),
            other => {
                layout.push((true, text_sources.len()));
                text_sources.push(other.clone());
            }
        }
    }
    let n_text = text_sources.len();
    let mut text = Vec::with_capacity(rows.len() * n_text);
    let mut missing_static = vec![false; acc.ids.len()];
    if n_text > 0 {
        for r in &rows {
            let a = r.account as usize;
            for s in &text_sources {
                text.push(match s {
                    Source::SubAttr(i) => {
                        acc.rows[a].iter().rev().find(|row| row.start < r.t).map(|row| row.attrs[*i].clone())
                    }
                    Source::Static(ti, ci) => match statics[*ti].get(acc.ids[a].as_str()) {
                        Some(vals) => Some(vals[*ci].clone()),
                        None => {
                            missing_static[a] = true;
                            None
                        }
                    },
                    Source::Num(_) => None,
                });
            }
        }
    }
    let labels: Option<Vec<bool>> = plan.labels.then(|| rows.iter().map(|r| r.label.unwrap_or(false)).collect());
    let mut dates: Vec<i32> = rows.iter().map(|r| r.t).collect();
    dates.sort_unstable();
    dates.dedup();
    let mut n_accounts = 0;
    for (i, r) in rows.iter().enumerate() {
        if i == 0 || rows[i - 1].account != r.account {
            n_accounts += 1;
        }
    }
    let summary = FeatureRunSummary {
        rows: rows.len(),
        accounts: n_accounts,
        snapshot_dates: dates.len(),
        churned_rows: labels.as_ref().map(|l| l.iter().filter(|&&x| x).count()),
        feature_columns: plan.columns.len(),
        activity_rows: act.stats.rows,
        unknown_account_rows: act.stats.unknown_account_rows,
        unknown_accounts: act.stats.unknown_accounts,
        unknown_account_examples: act.stats.unknown_account_examples.clone(),
        unlisted_type_rows: act.stats.unlisted_type_rows,
        out_of_range_rows: act.stats.out_of_range_rows,
        excluded_churn_in_lead: counts.churn_in_lead,
        censored_dropped: counts.censored_dropped,
        censored_kept: counts.censored_kept,
        survival_time_column: if spec.mode == Mode::Training { spec.label.time_column.clone() } else { None },
        static_missing_accounts: missing_static.iter().filter(|&&m| m).count() as u64,
        activity_days: act.stats.days,
        output: None,
        dictionary: None,
        seconds: started.elapsed().as_secs_f64(),
    };
    let table = FeatureTable {
        id_column: spec.id_column().to_string(),
        columns: plan.columns.clone(),
        accounts: rows.iter().map(|r| acc.ids[r.account as usize].clone()).collect(),
        snapshots: rows.iter().map(|r| r.t).collect(),
        labels,
        times: match (&spec.label.time_column, plan.labels) {
            (Some(name), true) => Some((name.clone(), rows.iter().map(|r| r.time).collect())),
            _ => None,
        },
        numeric,
        n_numeric,
        text,
        n_text,
        layout,
    };
    Ok((table, summary))
}

/// Recomputes the features of `spec` (e.g. from a model file's dictionary) for one scoring date:
/// no labels, one row per account alive at `date`, the same columns as the training table.
pub fn features_at(
    spec: &FeatureSpec,
    data_dir: &Path,
    date: i32,
) -> Result<(FeatureTable, FeatureRunSummary), FeatureError> {
    build_features(&spec.for_scoring(date), data_dir)
}

type StaticTable = std::collections::HashMap<String, Vec<String>>;

fn read_statics(spec: &FeatureSpec, data_dir: &Path) -> Result<Vec<StaticTable>, FeatureError> {
    let mut out = Vec::new();
    for (ti, st) in spec.statics.iter().enumerate() {
        let path = confine::confined_path(data_dir, &format!("static[{ti}].file"), &st.file)?;
        let file = display_name(&path);
        let (mut rdr, lines) = crate::input::csv_reader(&path)?;
        let mut rec = csv::StringRecord::new();
        let csv_err = |e: csv::Error| FeatureError::BadRow {
            file: file.clone(),
            line: e.position().map_or(0, |p| lines.line_at(p.byte())),
            message: e.to_string(),
        };
        if !rdr.read_record(&mut rec).map_err(csv_err)? {
            return Err(FeatureError::EmptyFile { file });
        }
        let mut line = Vec::new();
        {
            let mut w = csv::Writer::from_writer(&mut line);
            let _ = w.write_record(&rec);
        }
        let header = Header::parse(&file, &line)?;
        let ia = header.find(&st.account, &format!("static[{ti}].account"))?;
        let cols = st
            .columns
            .iter()
            .map(|c| header.find(c, &format!("static[{ti}].columns")))
            .collect::<Result<Vec<_>, _>>()?;
        let mut table = StaticTable::new();
        loop {
            match rdr.read_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_err(e)),
            }
            let ln = rec.position().map_or(0, |p| lines.line_at(p.byte()));
            if rec.len() != header.names.len() {
                if rec.len() == 1 && rec[0].trim().is_empty() {
                    continue;
                }
                return Err(FeatureError::BadRow {
                    file: file.clone(),
                    line: ln,
                    message: format!("expected {} fields, found {}", header.names.len(), rec.len()),
                });
            }
            let id = rec[ia].trim().to_string();
            if table.contains_key(&id) {
                return Err(FeatureError::BadRow {
                    file: file.clone(),
                    line: ln,
                    message: format!("account '{id}' appears twice"),
                });
            }
            table.insert(id, cols.iter().map(|&c| rec[c].trim().to_string()).collect());
        }
        out.push(table);
    }
    Ok(out)
}

/// Writes `path` atomically: `fill` writes a temporary file in the same folder, which is renamed
/// over `path` only if everything succeeded. Returns the temporary path for a later rename when
/// `defer` is set.
fn write_temp<F>(path: &Path, fill: F) -> Result<PathBuf, FeatureError>
where
    F: FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
{
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let f = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        fill(&mut w)?;
        // No fsync: the rename gives all-or-nothing output; durability is the OS's job.
        w.into_inner().map_err(|e| e.into_error())?;
        Ok(())
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(FeatureError::Io { path: path.to_path_buf(), source: e })
        }
    }
}

/// Writes a table and its dictionary (`<out>.dictionary.json`) atomically.
pub fn write_outputs(
    table: &FeatureTable,
    dictionary: &FeatureDictionary,
    out: &Path,
) -> Result<PathBuf, FeatureError> {
    let dict_path = dictionary_path(out);
    let tmp_csv = write_temp(out, |w| table.write_csv(w))?;
    let tmp_dict = match write_temp(&dict_path, |w| w.write_all(dictionary.to_json().as_bytes())) {
        Ok(p) => p,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp_csv);
            return Err(e);
        }
    };
    let renamed = std::fs::rename(&tmp_dict, &dict_path)
        .map_err(io_err(&dict_path))
        .and_then(|_| std::fs::rename(&tmp_csv, out).map_err(io_err(out)));
    if let Err(e) = renamed {
        let _ = std::fs::remove_file(&tmp_csv);
        let _ = std::fs::remove_file(&tmp_dict);
        return Err(e);
    }
    Ok(dict_path)
}

/// Everything `churn features --spec SPEC [--data-dir DIR] --out FILE` does: reads the spec,
/// builds the table (file names relative to `data_dir`, by default the spec's folder), and
/// writes `out` and `<out>.dictionary.json` atomically. On error nothing is written.
pub fn run(spec_path: &Path, data_dir: Option<&Path>, out: &Path) -> Result<FeatureRunSummary, FeatureError> {
    let started = Instant::now();
    let planned = load_plan(spec_path)?;
    // Fail before the work if the output folder does not exist.
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            return Err(FeatureError::Io {
                path: out.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("the output folder {} does not exist", parent.display()),
                ),
            });
        }
    }
    let dir = match data_dir {
        Some(d) => d.to_path_buf(),
        None => match spec_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
    };
    let (table, mut summary) = build_planned(&planned, &dir)?;
    let dictionary = planned.dictionary();
    let dict_path = write_outputs(&table, &dictionary, out)?;
    summary.output = Some(out.to_path_buf());
    summary.dictionary = Some(dict_path);
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_what_happened_to_censored_rows() {
        let mut s = FeatureRunSummary { rows: 10, censored_kept: 4, censored_dropped: 2, ..Default::default() };
        let classification = s.to_string();
        assert!(classification.contains("2 censored; 4 censored rows kept as 0"), "{classification}");
        s.survival_time_column = Some("days_to_churn".into());
        let survival = s.to_string();
        assert!(
            survival.contains("4 censored rows kept with their time to censoring in `days_to_churn`; 2 rows left out"),
            "{survival}"
        );
        assert!(!survival.contains("kept as 0"), "{survival}");
        // Absent from the JSON of tables without a survival label.
        s.survival_time_column = None;
        assert!(!serde_json::to_string(&s).unwrap().contains("survival_time_column"));
    }

    /// The formatting before `NumberCache` and `push_int`.
    fn reference(v: f64) -> String {
        if v.is_nan() {
            String::new()
        } else if v == 0.0 {
            "0".into()
        } else if v.fract() == 0.0 && v.abs() < 1e15 {
            format!("{}", v as i64)
        } else {
            format!("{v}")
        }
    }

    #[test]
    fn numbers_are_formatted_as_before() {
        let mut cache = NumberCache::new();
        let mut rng = churn_core::rng::Rng::new(5);
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.25,
            1e15,
            -1e15,
            999_999_999_999_999.0,
            1e300,
            1e-300,
            5e-324,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            i64::MAX as f64,
            0.1 + 0.2,
            1.0 / 3.0,
            123456.789,
        ];
        for _ in 0..20_000 {
            let a = rng.below(200) as f64 - 100.0;
            let b = rng.below(60) as f64 + 1.0;
            values.push(a / b);
            values.push(f64::from_bits(rng.below(u64::MAX)));
            values.push((rng.below(1 << 40) as f64) - (1u64 << 39) as f64);
        }
        // Twice: the second pass reads the cache.
        for _ in 0..2 {
            for &v in &values {
                let mut buf = b"x".to_vec();
                cache.push(&mut buf, v);
                assert_eq!(std::str::from_utf8(&buf[1..]).unwrap(), reference(v), "{v:?}");
            }
        }
    }

    #[test]
    fn dates_are_formatted_as_before() {
        for d in (-800_000..3_000_000).step_by(97).chain([0, -1, 2_932_896, 2_932_897, -719_528, -719_529]) {
            let mut buf = Vec::new();
            push_date(&mut buf, d);
            assert_eq!(String::from_utf8(buf).unwrap(), format_date(d), "{d}");
        }
    }
}
