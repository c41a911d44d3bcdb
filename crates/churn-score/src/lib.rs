//! Streaming batch scoring: a model file and a data file in, one output row per input row out.
//!
//! The input is read once, in chunks, on its own thread, while the chunks already read are
//! scored in parallel; output rows keep the input order. Every row read is either scored or
//! rejected with its line, column, value and reason: `rows read = rows scored + rows rejected`.
//! The output is written under a temporary name and renamed into place only when the run
//! succeeds.
#![warn(missing_docs)]

pub mod parquet;
mod summary;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use churn_core::output::AtomicFile;
use churn_core::table::{csv_error, find_column, is_missing, open_csv, parse_number};
use churn_core::CoreError;
use churn_model::{ModelError, ModelFile};
use rayon::prelude::*;

pub use summary::{Summary, SummaryRow};

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
        write!(f, "line {}, column `{}`: {} ('{}')", self.line, self.column, self.reason, self.value)
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "jsonl" => Ok(Format::Jsonl),
            "parquet" => Err("parquet output is not available in this build; use csv or jsonl".into()),
            _ => Err(format!("unknown format '{s}' (known: csv, jsonl)")),
        }
    }
}

/// Options of a scoring run.
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// Input data (CSV or CSV.gz).
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
    /// Revenue column to total per tier and health state.
    pub revenue: Option<String>,
    /// A rule-based health score (`[health]` in `churn.toml`) instead of `100 × (1 − p)`.
    pub health: Option<churn_health::HealthConfig>,
    /// The `scored_at` stamp written on every row (RFC 3339).
    pub scored_at: String,
    /// Show a progress line on stderr (only when it is a terminal).
    pub progress: bool,
    /// Rows per chunk.
    pub chunk_rows: usize,
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
            revenue: None,
            health: None,
            scored_at: now_rfc3339(),
            progress: false,
            chunk_rows: 16_384,
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
    let secs =
        std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or_else(|| {
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
}

struct Chunk {
    records: Vec<csv::StringRecord>,
    lines: Vec<u64>,
    len: usize,
}

struct ChunkOut {
    bytes: Vec<u8>,
    rejects: Vec<Reject>,
    summary: Summary,
}

/// Column positions of one input file, bound to a model.
struct Bound<'a> {
    model: &'a ModelFile,
    cols: Vec<usize>,
    id: Option<usize>,
    revenue: Option<(usize, String)>,
    health: Option<churn_health::HealthScorer>,
    width: usize,
    opts: &'a ScoreOptions,
}

/// The output columns, in order.
pub fn output_columns(model: &ModelFile, drivers: usize) -> Vec<String> {
    let mut cols: Vec<String> = model.schema.id.iter().cloned().collect();
    cols.extend(["churn_probability", "risk_tier", "health_score", "health_state"].map(String::from));
    cols.extend((1..=drivers).map(|k| format!("risk_driver_{k}")));
    cols.extend(["recommended_action", "model_id", "model_version", "scored_at"].map(String::from));
    cols
}

/// Scores `opts.input` with `model` into `opts.output`.
pub fn score_file(model: &ModelFile, opts: &ScoreOptions) -> Result<ScoreSummary, ScoreError> {
    let started = Instant::now();
    let src = open_csv(&opts.input)?;
    let path = src.path.clone();
    let cols = model.bind_columns(&path, &src.headers)?;
    let id = match &model.schema.id {
        Some(id) => Some(
            find_column(&path, &src.headers, id)
                .map_err(|_| ModelError::SchemaMismatch { path: path.clone(), missing: vec![id.clone()] })?,
        ),
        None => None,
    };
    let revenue = match &opts.revenue {
        Some(r) => Some((find_column(&path, &src.headers, r)?, r.clone())),
        None => None,
    };
    let health = match &opts.health {
        Some(h) => Some(churn_health::HealthScorer::new(h, &src.headers, &path)?),
        None => None,
    };
    let bound = Bound { model, cols, id, revenue, health, width: src.headers.len(), opts };
    let mut out = AtomicFile::create(&opts.output)?;
    if opts.format == Format::Csv {
        let header: Vec<String> =
            output_columns(model, opts.drivers).iter().map(|c| csv_field(c).into_owned()).collect();
        writeln!(out, "{}", header.join(",")).map_err(|e| CoreError::io(&opts.output, e))?;
    }

    let mut summary = Summary::new(model, opts.revenue.is_some());
    let mut rejects: Vec<Reject> = Vec::new();
    let (mut rows_read, mut rows_rejected) = (0u64, 0u64);
    let chunk_rows = opts.chunk_rows.max(1);
    let progress = opts.progress && std::io::stderr().is_terminal();

    let (tx, rx) = sync_channel::<Result<Chunk, CoreError>>(2);
    // Chunks go back to the reader once written, so their records' buffers are reused rather
    // than allocated for every row.
    let (recycle_tx, recycle_rx) = sync_channel::<Chunk>(4);
    let mut reader = src.reader;
    std::thread::scope(|scope| -> Result<(), ScoreError> {
        let reader_path = path.clone();
        scope.spawn(move || loop {
            let mut chunk = recycle_rx.try_recv().unwrap_or_else(|_| Chunk {
                records: vec![csv::StringRecord::new(); chunk_rows],
                lines: vec![0; chunk_rows],
                len: 0,
            });
            chunk.len = 0;
            while chunk.len < chunk_rows {
                let k = chunk.len;
                match reader.read_record(&mut chunk.records[k]) {
                    Ok(true) => {
                        chunk.lines[k] = chunk.records[k].position().map_or(0, |p| p.line());
                        chunk.len += 1;
                    }
                    Ok(false) => break,
                    Err(e) => {
                        let _ = tx.send(Err(csv_error(&reader_path, &e)));
                        return;
                    }
                }
            }
            let last = chunk.len < chunk_rows;
            if (chunk.len > 0 && tx.send(Ok(chunk)).is_err()) || last {
                return;
            }
        });
        for chunk in rx {
            let chunk = chunk?;
            let n = chunk.len;
            let parts: Vec<ChunkOut> = chunk.records[..n]
                .par_chunks(512)
                .zip(chunk.lines[..n].par_chunks(512))
                .map(|(recs, lines)| bound.score_records(recs, lines))
                .collect();
            for part in parts {
                out.write_all(&part.bytes).map_err(|e| CoreError::io(&opts.output, e))?;
                summary.merge(&part.summary);
                rows_rejected += part.rejects.len() as u64;
                rejects.extend(part.rejects);
            }
            rows_read += n as u64;
            if progress {
                eprint!("\r  {rows_read} rows read, {rows_rejected} rejected ...");
            }
            let _ = recycle_tx.try_send(chunk);
        }
        Ok(())
    })?;
    if progress {
        eprintln!();
    }
    let rows_scored = summary.accounts();
    debug_assert_eq!(rows_read, rows_scored + rows_rejected);
    if rows_read == 0 {
        return Err(CoreError::EmptyFile { path, header_only: true }.into());
    }
    let mut rejects_file = None;
    if !rejects.is_empty() {
        let rp = opts.rejects_path();
        write_rejects(&rp, &rejects)?;
        rejects_file = Some(rp);
    }
    let rate = rows_rejected as f64 / rows_read as f64;
    if rate > opts.max_reject_rate {
        return Err(ScoreError::TooManyRejects {
            read: rows_read,
            rejected: rows_rejected,
            rate: rate * 100.0,
            allowed: opts.max_reject_rate * 100.0,
            first: format!("{} {}", path.display(), rejects[0]),
            rejects_file,
        });
    }
    out.commit()?;
    Ok(ScoreSummary {
        rows_read,
        rows_scored,
        rows_rejected,
        summary,
        rejects_file,
        seconds: started.elapsed().as_secs_f64(),
    })
}

impl Bound<'_> {
    fn score_records(&self, recs: &[csv::StringRecord], lines: &[u64]) -> ChunkOut {
        let model = self.model;
        let mut out = ChunkOut {
            bytes: Vec::with_capacity(recs.len() * 96),
            rejects: Vec::new(),
            summary: Summary::new(model, self.revenue.is_some()),
        };
        let mut buf = vec![0.0; model.preprocessing.width()];
        let mut fields: Vec<&str> = Vec::with_capacity(self.cols.len());
        for (rec, &line) in recs.iter().zip(lines) {
            if rec.len() != self.width {
                out.rejects.push(Reject {
                    line,
                    column: String::new(),
                    value: format!("{} fields", rec.len()),
                    reason: format!("expected {} fields as in the header", self.width),
                });
                continue;
            }
            let revenue = match &self.revenue {
                Some((j, name)) => match parse_number(&rec[*j]) {
                    Some(v) => v,
                    None if is_missing(&rec[*j]) => 0.0,
                    None => {
                        out.rejects.push(Reject {
                            line,
                            column: name.clone(),
                            value: rec[*j].to_string(),
                            reason: "revenue is not a number".into(),
                        });
                        continue;
                    }
                },
                None => 0.0,
            };
            fields.clear();
            fields.extend(self.cols.iter().map(|&j| &rec[j]));
            let p = match model.score_fields(&fields, &mut buf) {
                Ok((_, p)) => p,
                Err(e) => {
                    out.rejects.push(Reject {
                        line,
                        column: model.schema.features[e.column].name.clone(),
                        value: e.value,
                        reason: format!("not {}", e.expected),
                    });
                    continue;
                }
            };
            let health = match &self.health {
                None => 100.0 * (1.0 - p),
                Some(h) => match h.score_with(|j| &rec[j]) {
                    Ok(v) => v,
                    Err(e) => {
                        out.rejects.push(Reject { line, column: e.column, value: e.value, reason: e.reason });
                        continue;
                    }
                },
            };
            // The state is that of the printed (one-decimal) score, so the two never disagree.
            let health = (health * 10.0).round() / 10.0;
            let tier = model.tiers.index_of(p);
            let state = model.health_states.index_of(health);
            out.summary.add(tier, state, p, revenue);
            let drivers: Vec<(usize, f64)> =
                if self.opts.drivers > 0 { model.risk_drivers(&buf, self.opts.drivers) } else { Vec::new() };
            let row = Row {
                id: self.id.map(|j| &rec[j]),
                p,
                tier: &model.tiers.bands()[tier],
                health,
                state: &model.health_states.bands()[state].name,
                drivers: drivers.iter().map(|&(c, v)| (model.schema.features[c].name.as_str(), fields[c], v)).collect(),
                n_drivers: self.opts.drivers,
                model,
                scored_at: &self.opts.scored_at,
            };
            match self.opts.format {
                Format::Csv => row.write_csv(&mut out.bytes),
                Format::Jsonl => row.write_json(&mut out.bytes),
            }
        }
        out
    }
}

struct Row<'a> {
    id: Option<&'a str>,
    p: f64,
    tier: &'a churn_core::Band,
    health: f64,
    state: &'a str,
    drivers: Vec<(&'a str, &'a str, f64)>,
    n_drivers: usize,
    model: &'a ModelFile,
    scored_at: &'a str,
}

fn driver_value(v: &str) -> &str {
    if is_missing(v) {
        "missing"
    } else {
        v.trim()
    }
}

impl Row<'_> {
    fn write_csv(&self, b: &mut Vec<u8>) {
        if let Some(id) = self.id {
            b.extend_from_slice(csv_field(id).as_bytes());
            b.push(b',');
        }
        let _ = write!(b, "{},{},{:.1},{}", self.p, csv_field(&self.tier.name), self.health, csv_field(self.state));
        for k in 0..self.n_drivers {
            b.push(b',');
            if let Some((name, value, c)) = self.drivers.get(k) {
                let text = format!("{name}={} ({c:+.3})", driver_value(value));
                b.extend_from_slice(csv_field(&text).as_bytes());
            }
        }
        let action = self.tier.action.as_deref().unwrap_or("");
        let _ = writeln!(
            b,
            ",{},{},{},{}",
            csv_field(action),
            csv_field(&self.model.model_id),
            csv_field(&self.model.version),
            self.scored_at
        );
    }

    fn write_json(&self, b: &mut Vec<u8>) {
        let mut obj = serde_json::Map::new();
        if let (Some(id), Some(name)) = (self.id, &self.model.schema.id) {
            obj.insert(name.clone(), id.into());
        }
        obj.insert("churn_probability".into(), self.p.into());
        obj.insert("risk_tier".into(), self.tier.name.clone().into());
        obj.insert("health_score".into(), ((self.health * 10.0).round() / 10.0).into());
        obj.insert("health_state".into(), self.state.into());
        for k in 0..self.n_drivers {
            let v = match self.drivers.get(k) {
                Some((name, value, c)) => serde_json::json!({
                    "feature": name,
                    "value": driver_value(value),
                    "direction": "raises risk",
                    "contribution": c,
                }),
                None => serde_json::Value::Null,
            };
            obj.insert(format!("risk_driver_{}", k + 1), v);
        }
        obj.insert("recommended_action".into(), self.tier.action.clone().unwrap_or_default().into());
        obj.insert("model_id".into(), self.model.model_id.clone().into());
        obj.insert("model_version".into(), self.model.version.clone().into());
        obj.insert("scored_at".into(), self.scored_at.into());
        let _ = serde_json::to_writer(&mut *b, &obj);
        b.push(b'\n');
    }
}

/// Quotes a CSV field when it needs it.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

fn write_rejects(path: &Path, rejects: &[Reject]) -> Result<(), CoreError> {
    let mut f = AtomicFile::create(path)?;
    let mut text = String::from("line,column,value,reason\n");
    for r in rejects {
        text.push_str(&format!(
            "{},{},{},{}\n",
            r.line,
            csv_field(&r.column),
            csv_field(&r.value),
            csv_field(&r.reason)
        ));
    }
    f.write_all(text.as_bytes()).map_err(|e| CoreError::io(path, e))?;
    f.commit()
}
