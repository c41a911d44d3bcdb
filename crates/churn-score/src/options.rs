//! The options, errors and summary of a scoring run.

use std::path::{Path, PathBuf};

use churn_core::CoreError;
use churn_model::{ModelError, ModelFile};

use crate::pipeline::BLOCK_BYTES;
use crate::{epoch, Summary};

/// Errors that stop a scoring run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// Data-layer error.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// Model-layer error.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Health-score configuration error.
    #[error(transparent)]
    Health(#[from] churn_health::HealthError),
    /// Too many rows could not be scored.
    #[error("{rejected} of {read} rows rejected ({rate:.2}%, above the allowed {allowed:.2}%); first: {first}{}", rejects_file.as_ref().map(|p| format!("; all rejects are in {}", p.display())).unwrap_or_default())]
    TooManyRejects {
        /// Rows read.
        read: u64,
        /// Rows rejected.
        rejected: u64,
        /// Reject rate in percent.
        rate: f64,
        /// Allowed rate in percent.
        allowed: f64,
        /// The first rejected row, described.
        first: String,
        /// Where the rejects were written.
        rejects_file: Option<PathBuf>,
    },
}

/// A row that could not be scored.
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    /// 1-based line in the input file.
    pub line: u64,
    /// Column name.
    pub column: String,
    /// The offending value.
    pub value: String,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (column, value) = (churn_core::excerpt(&self.column), churn_core::excerpt(&self.value));
        write!(f, "line {}, column `{column}`: {} ('{value}')", self.line, self.reason)
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header.
    Csv,
    /// One JSON object per line.
    Jsonl,
    /// Apache Parquet (snappy-compressed), one row group per ~64k rows.
    Parquet,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 3] = [Format::Csv, Format::Jsonl, Format::Parquet];

    /// The name on the command line (`--format`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::Parquet => "parquet",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Format::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| {
            let known: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
            format!("unknown format '{s}' (known: {})", known.join(", "))
        })
    }
}

/// Options of a scoring run.
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// Input data: CSV, gzipped CSV or Parquet (recognised by their first bytes).
    pub input: PathBuf,
    /// Output file.
    pub output: PathBuf,
    /// Output format.
    pub format: Format,
    /// Where rejected rows go (default: `<output>.rejects.csv`, written only if any).
    pub rejects: Option<PathBuf>,
    /// Largest tolerated fraction of rejected rows (default 0: any reject fails the run).
    pub max_reject_rate: f64,
    /// Number of risk drivers per account (0 = off; default 3).
    pub drivers: usize,
    /// Columns never named as drivers (protected attributes, ...).
    pub drivers_exclude: Vec<String>,
    /// Smallest contribution (log-odds) named as a driver.
    pub drivers_min: f64,
    /// Revenue column to total per tier and health state.
    pub revenue: Option<String>,
    /// A rule-based health score (`[health]` in `churn.toml`) instead of `100 × (1 − p)`.
    pub health: Option<churn_health::HealthConfig>,
    /// The `scored_at` stamp written on every row (RFC 3339).
    pub scored_at: String,
    /// Show a progress line on stderr (only when it is a terminal).
    pub progress: bool,
    /// Input bytes per block (blocks of whole records are scored in parallel).
    pub block_bytes: usize,
    /// Write CSV text cells exactly as they are, without neutralising those a spreadsheet
    /// would run as formulas (see [`crate::cells`]). Default false.
    pub raw_csv: bool,
    /// `[[actions]]` rules: the recommended action of the first rule matching the row's tier
    /// and named risk drivers; the tier's action when none does.
    pub actions: Vec<churn_core::actions::ActionRule>,
}

impl ScoreOptions {
    /// Defaults for an input and an output.
    pub fn new(input: impl Into<PathBuf>, output: impl Into<PathBuf>) -> Self {
        ScoreOptions {
            input: input.into(),
            output: output.into(),
            format: Format::Csv,
            rejects: None,
            max_reject_rate: 0.0,
            drivers: 3,
            drivers_exclude: Vec::new(),
            drivers_min: churn_model::drivers::DEFAULT_MIN_CONTRIBUTION,
            revenue: None,
            health: None,
            scored_at: now_rfc3339(),
            progress: false,
            block_bytes: BLOCK_BYTES,
            raw_csv: false,
            actions: Vec::new(),
        }
    }

    /// `<output>.rejects.csv`, or the path given.
    pub fn rejects_path(&self) -> PathBuf {
        self.rejects.clone().unwrap_or_else(|| sibling(&self.output, ".rejects.csv"))
    }
}

/// `path` with `suffix` appended to its file name.
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The current UTC time as RFC 3339, or `SOURCE_DATE_EPOCH` when set (reproducible runs).
pub fn now_rfc3339() -> String {
    let secs = epoch::source_date_epoch().ok().flatten().unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
    });
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        churn_core::date::format_date(days as i32),
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// What a scoring run did.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreSummary {
    /// Rows read.
    pub rows_read: u64,
    /// Rows scored and written.
    pub rows_scored: u64,
    /// Rows rejected.
    pub rows_rejected: u64,
    /// Accounts and revenue per tier and health state.
    pub summary: Summary,
    /// Where rejects were written, if any.
    pub rejects_file: Option<PathBuf>,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Seconds the workers spent on blocks (parse, score, drivers, format), summed over workers.
    pub work_seconds: f64,
    /// Of which computing risk drivers.
    pub driver_seconds: f64,
}

impl ScoreSummary {
    /// The run summary written beside the scores (`<output>.summary.json`): the model, the
    /// input (a path, or what `--as-of` read), the output, the row counts and the summary per
    /// tier and health state; with a survival model's `horizons` those, otherwise the rejects
    /// file.
    pub fn to_json(
        &self,
        model: &ModelFile,
        input: &serde_json::Value,
        output: &Path,
        horizons: Option<&[crate::survival::HorizonRevenue]>,
    ) -> serde_json::Value {
        let mut json = serde_json::json!({
            "model_id": model.model_id,
            "model_version": model.version,
            "input": input,
            "output": output,
            "rows_read": self.rows_read,
            "rows_scored": self.rows_scored,
            "rows_rejected": self.rows_rejected,
            "summary": self.summary,
        });
        match horizons {
            Some(h) => json["horizons"] = serde_json::json!(h),
            None => json["rejects_file"] = serde_json::json!(self.rejects_file),
        }
        json
    }
}
