//! Streaming batch scoring: a model file and a data file in, one output row per input row out.
//!
//! The input is read once, in chunks, on its own thread, while the chunks already read are
//! scored in parallel; output rows keep the input order. Every row read is either scored or
//! rejected with its line, column, value and reason: `rows read = rows scored + rows rejected`.
//! The output is written under a temporary name and renamed into place only when the run
//! succeeds.
//!
//! # Example
//!
//! ```
//! use churn_score::{score_file, ScoreOptions};
//!
//! let model = churn_model::ModelFile::load("../../models/golden-v1.json".as_ref())?;
//! let out = std::env::temp_dir().join(format!("churn-doc-scores-{}.csv", std::process::id()));
//! let mut opts = ScoreOptions::new("../../datasets/customers-small.csv", &out);
//! opts.scored_at = "2026-01-01T00:00:00Z".into();
//! let summary = score_file(&model, &opts)?;
//! assert_eq!(summary.rows_read, 600);
//! assert_eq!(summary.rows_read, summary.rows_scored + summary.rows_rejected);
//! let text = std::fs::read_to_string(&out)?;
//! assert!(text.starts_with("account_id,churn_probability,risk_tier"));
//! # std::fs::remove_file(&out)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod cells;
pub mod epoch;
mod fmt;
pub mod parquet;
mod summary;
pub mod survival;
mod survival_parquet;
pub mod timing;
mod unseen;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use churn_core::output::AtomicFile;
use churn_core::publish::Publication;
use churn_core::table::{find_column, is_missing, open_maybe_gz, parse_number};
use churn_core::CoreError;
use churn_model::{ModelError, ModelFile};

use churn_core::blocks::{BlockReader, RecordReader};

pub use cells::csv_cell;
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

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "jsonl" => Ok(Format::Jsonl),
            "parquet" => Ok(Format::Parquet),
            _ => Err(format!("unknown format '{s}' (known: csv, jsonl, parquet)")),
        }
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
    /// would run as formulas (see [`cells`]). Default false.
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

/// A block travelling through the pipeline: raw CSV records in, what they became out.
#[derive(Default)]
struct Block {
    data: Vec<u8>,
    out: Option<BlockOut>,
}

/// What one block became.
struct BlockOut {
    bytes: Vec<u8>,
    /// The rows as columns, for Parquet output.
    cols: Option<parquet::ScoredColumns>,
    /// Rejects, with lines relative to the block (1 = its first line).
    rejects: Vec<Reject>,
    summary: Summary,
    records: u64,
    newlines: u64,
    /// Seconds spent on this block, and on its drivers.
    work: f64,
    drivers: f64,
}

/// Per-worker scratch space, reused from block to block.
struct Scratch {
    records: RecordReader,
    batch: Batch,
}

/// Rows parsed and preprocessed, waiting to be scored together.
#[derive(Default)]
struct Batch {
    /// Preprocessed rows, row-major.
    x: Vec<f64>,
    raw: Vec<f64>,
    pending: Vec<Pending>,
    /// Each pending row's record text, concatenated.
    text: String,
    /// Where each pending row's text starts in `text`.
    starts: Vec<usize>,
    /// Field ends of every pending row, as offsets in `text`.
    record_ends: Vec<usize>,
}

impl Batch {
    fn clear(&mut self) {
        self.pending.clear();
        self.text.clear();
        self.starts.clear();
        self.record_ends.clear();
    }
}

impl Scratch {
    fn new() -> Scratch {
        Scratch { records: RecordReader::new(), batch: Batch::default() }
    }
}

/// A parsed row waiting for the learner: where its fields are in [`Scratch::text`].
struct Pending {
    revenue: f64,
    health: Option<f64>,
    /// Offset of this row's field ends in [`Scratch::record_ends`].
    ends_at: usize,
}

/// Rows preprocessed before the learner scores them together.
const BATCH_ROWS: usize = 256;

/// Column positions of one input file, bound to a model.
struct Bound<'a> {
    model: &'a ModelFile,
    cols: Vec<usize>,
    id: Option<usize>,
    revenue: Option<(usize, String)>,
    health: Option<churn_health::HealthScorer>,
    width: usize,
    headers: Vec<String>,
    /// Parquet input: a reject's `line` is the 1-based row number.
    rows_as_lines: bool,
    opts: &'a ScoreOptions,
    /// Per risk tier: `,<tier>,` then, after the health score and state, the row's tail.
    tier_text: Vec<String>,
    tail_text: Vec<String>,
    state_text: Vec<String>,
    driver_filter: churn_model::DriverFilter,
    /// Drivers in words, when the model carries a feature dictionary.
    words: Option<churn_model::drivers::ModelWords<'a>>,
    known: unseen::KnownCategories,
}

/// The output columns, in order.
pub fn output_columns(model: &ModelFile, drivers: usize) -> Vec<String> {
    let mut cols: Vec<String> = model.schema.id.iter().cloned().collect();
    cols.extend(["churn_probability", "risk_tier", "health_score", "health_state"].map(String::from));
    cols.extend((1..=drivers).map(|k| format!("risk_driver_{k}")));
    cols.extend(["recommended_action", "model_id", "model_version", "scored_at"].map(String::from));
    cols
}

/// Where input blocks come from.
enum Source {
    Csv(BlockReader<Box<dyn std::io::Read + Send>>),
    Parquet(parquet::ParquetSource),
}

/// Where output goes: both kinds are renamed into place only when the run succeeds.
enum Sink {
    Text(AtomicFile),
    Parquet(Box<parquet::ParquetSink>),
}

/// Parquet rows per block (converted to CSV text, then parsed like CSV rows).
const PARQUET_BLOCK_ROWS: usize = 4096;

/// Bytes read per block: enough rows to keep both cores busy between hand-overs.
const BLOCK_BYTES: usize = 1 << 19;

/// Scores `opts.input` with `model` into `opts.output`.
///
/// The input is read once: a reader thread cuts it into blocks of whole records (see
/// `blocks.rs`), the blocks are parsed, scored and formatted on every core, and the main
/// thread writes their output in input order.
pub fn score_file(model: &ModelFile, opts: &ScoreOptions) -> Result<ScoreSummary, ScoreError> {
    let (summary, outputs) = score_file_staged(model, opts)?;
    outputs.publish()?;
    Ok(summary)
}

/// [`score_file`] without publishing: the scores (and rejects) are complete and synced under
/// temporary names in the returned [`Publication`], for the caller to add its own outputs
/// (the run summary) and publish them all together, or drop them all. When too many rows are
/// rejected, the rejects file (named in the error) is published and the scores are not.
pub fn score_file_staged(model: &ModelFile, opts: &ScoreOptions) -> Result<(ScoreSummary, Publication), ScoreError> {
    let started = Instant::now();
    let path = opts.input.clone();
    let rows_as_lines = parquet::is_parquet(&path)?;
    let (headers, header_lines, mut source) = if rows_as_lines {
        let src = parquet::ParquetSource::open(&path)?;
        (src.headers().to_vec(), 0, Source::Parquet(src))
    } else {
        let (headers, rest, header_lines, reader) = read_header(&path)?;
        (headers, header_lines, Source::Csv(BlockReader::new(reader, rest, opts.block_bytes.max(1))))
    };
    let cols = model.bind_columns(&path, &headers)?;
    let id = match &model.schema.id {
        Some(id) => Some(
            find_column(&path, &headers, id)
                .map_err(|_| ModelError::SchemaMismatch { path: path.clone(), missing: vec![id.clone()] })?,
        ),
        None => None,
    };
    let revenue = match &opts.revenue {
        Some(r) => Some((find_column(&path, &headers, r)?, r.clone())),
        None => None,
    };
    let health = match &opts.health {
        Some(h) => Some(churn_health::HealthScorer::new(h, &headers, &path)?),
        None => None,
    };
    let tiers = model.tiers.bands();
    let raw = opts.raw_csv;
    let tier_text = tiers.iter().map(|t| format!(",{},", csv_cell(&t.name, raw))).collect();
    let tail_text = tiers
        .iter()
        .map(|t| {
            format!(
                ",{},{},{},{}\n",
                csv_cell(t.action.as_deref().unwrap_or(""), raw),
                csv_cell(&model.model_id, raw),
                csv_cell(&model.version, raw),
                csv_cell(&opts.scored_at, raw)
            )
        })
        .collect();
    let state_text = model.health_states.bands().iter().map(|b| format!(",{}", csv_cell(&b.name, raw))).collect();
    let bound = Bound {
        model,
        cols,
        id,
        revenue,
        health,
        width: headers.len(),
        headers,
        rows_as_lines,
        opts,
        tier_text,
        tail_text,
        state_text,
        driver_filter: model.driver_filter(&opts.drivers_exclude, opts.drivers_min)?,
        words: model.driver_words(),
        known: unseen::KnownCategories::new(model),
    };
    let mut out = match opts.format {
        Format::Parquet => Sink::Parquet(Box::new(parquet::ParquetSink::create(
            &opts.output,
            model.schema.id.as_deref(),
            opts.drivers,
            &model.model_id,
            &model.version,
            &opts.scored_at,
        )?)),
        Format::Csv | Format::Jsonl => Sink::Text(AtomicFile::create(&opts.output)?),
    };
    if let (Format::Csv, Sink::Text(f)) = (opts.format, &mut out) {
        let header: Vec<String> =
            output_columns(model, opts.drivers).iter().map(|c| csv_cell(c, raw).into_owned()).collect();
        writeln!(f, "{}", header.join(",")).map_err(|e| CoreError::io(&opts.output, e))?;
    }

    let mut summary = Summary::new(model, opts.revenue.is_some());
    let mut rejects: Vec<Reject> = Vec::new();
    let (mut rows_read, mut rows_rejected) = (0u64, 0u64);
    let (mut work_seconds, mut driver_seconds) = (0.0f64, 0.0f64);
    // Line of the next block's first byte.
    let mut next_line = 1 + header_lines;
    let progress = opts.progress && std::io::stderr().is_terminal();

    // The pipeline (churn-core's): a reader thread cuts blocks, workers score them, and this
    // thread writes their outputs in input order while the next blocks are being scored.
    churn_core::blocks::run_ordered(
        churn_core::blocks::threads(),
        |block: &mut Block| -> Result<bool, ScoreError> {
            Ok(match &mut source {
                Source::Csv(blocks) => blocks.next_block(&mut block.data).map_err(|e| CoreError::io(&path, e))?,
                Source::Parquet(src) => {
                    block.data.clear();
                    src.next_block(PARQUET_BLOCK_ROWS, &mut block.data)? > 0
                }
            })
        },
        Scratch::new,
        |scratch, block| block.out = Some(bound.score_block(&block.data, scratch)),
        |block| {
            let part = block.out.take().expect("a worker scored the block");
            match (&mut out, &part.cols) {
                (Sink::Parquet(sink), Some(cols)) => sink.write(cols)?,
                (Sink::Text(f), _) => f.write_all(&part.bytes).map_err(|e| CoreError::io(&opts.output, e))?,
                (Sink::Parquet(_), None) => unreachable!("parquet output blocks carry columns"),
            }
            summary.merge(&part.summary);
            work_seconds += part.work;
            driver_seconds += part.drivers;
            rows_read += part.records;
            rows_rejected += part.rejects.len() as u64;
            rejects.extend(part.rejects.into_iter().map(|mut r| {
                r.line += next_line - 1;
                r
            }));
            next_line += part.newlines;
            if progress {
                eprint!("\r  {rows_read} rows read, {rows_rejected} rejected ...");
            }
            Ok(())
        },
    )?;
    if progress {
        eprintln!();
    }
    let rows_scored = summary.accounts();
    debug_assert_eq!(rows_read, rows_scored + rows_rejected);
    if rows_read == 0 {
        return Err(CoreError::EmptyFile { path, header_only: true }.into());
    }
    let mut rejects_file = None;
    let mut outputs = Publication::new();
    if !rejects.is_empty() {
        let rp = opts.rejects_path();
        outputs.add(write_rejects(&rp, &rejects, opts.raw_csv)?);
        rejects_file = Some(rp);
    }
    let rate = rows_rejected as f64 / rows_read as f64;
    if rate > opts.max_reject_rate {
        outputs.publish()?;
        return Err(ScoreError::TooManyRejects {
            read: rows_read,
            rejected: rows_rejected,
            rate: rate * 100.0,
            allowed: opts.max_reject_rate * 100.0,
            first: format!("{} {}", path.display(), rejects[0]),
            rejects_file,
        });
    }
    outputs.add(match out {
        Sink::Text(f) => f.finish()?,
        Sink::Parquet(sink) => sink.finish_staged()?,
    });
    let summary = ScoreSummary {
        rows_read,
        rows_scored,
        rows_rejected,
        summary,
        rejects_file,
        seconds: started.elapsed().as_secs_f64(),
        work_seconds,
        driver_seconds,
    };
    Ok((summary, outputs))
}

/// Reads the header record of a CSV (or gzipped CSV) file. Returns the header names, the bytes
/// read past the header, the number of lines the header took and the reader, positioned after
/// those bytes.
#[allow(clippy::type_complexity)]
fn read_header(path: &Path) -> Result<(Vec<String>, Vec<u8>, u64, Box<dyn std::io::Read + Send>), CoreError> {
    let mut reader = open_maybe_gz(path)?;
    let mut buf: Vec<u8> = Vec::new();
    let mut csv = csv_core::Reader::new();
    let mut fields = vec![0u8; 1 << 12];
    let mut ends = vec![0usize; 64];
    let (mut pos, mut nout, mut nend) = (0usize, 0usize, 0usize);
    let mut eof = false;
    loop {
        if pos == buf.len() && !eof {
            let len = buf.len();
            buf.resize(len + (1 << 16), 0);
            let n = read_some(&mut reader, &mut buf[len..]).map_err(|e| CoreError::io(path, e))?;
            buf.truncate(len + n);
            eof = n == 0;
        }
        let input = if eof { &[][..] } else { &buf[pos..] };
        let (res, nin, o, e) = csv.read_record(input, &mut fields[nout..], &mut ends[nend..]);
        pos += nin;
        nout += o;
        nend += e;
        match res {
            csv_core::ReadRecordResult::InputEmpty => {}
            csv_core::ReadRecordResult::OutputFull => fields.resize(fields.len() * 2, 0),
            csv_core::ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
            csv_core::ReadRecordResult::Record => break,
            csv_core::ReadRecordResult::End => {
                return Err(CoreError::EmptyFile { path: path.into(), header_only: false });
            }
        }
    }
    let mut start = 0;
    let raw: Vec<&[u8]> = ends[..nend]
        .iter()
        .map(|&e| {
            let f = &fields[start..e];
            start = e;
            f
        })
        .collect();
    let headers = churn_core::table::header_names(path, &raw)?;
    let header_lines = csv.line() - 1;
    Ok((headers, buf[pos..].to_vec(), header_lines, reader))
}

fn read_some(r: &mut dyn std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

impl Bound<'_> {
    /// Parses, scores and formats one block of whole records.
    fn score_block(&self, data: &[u8], s: &mut Scratch) -> BlockOut {
        let began = Instant::now();
        let model = self.model;
        let parquet_out = self.opts.format == Format::Parquet;
        let mut out = BlockOut {
            bytes: Vec::with_capacity(if parquet_out { 0 } else { data.len() + data.len() / 4 }),
            cols: parquet_out.then(|| parquet::ScoredColumns::new(self.opts.drivers)),
            rejects: Vec::new(),
            summary: Summary::new(model, self.revenue.is_some()),
            records: 0,
            newlines: 0,
            work: 0.0,
            drivers: 0.0,
        };
        s.batch.clear();
        let w = model.preprocessing.width();
        s.batch.x.resize(BATCH_ROWS * w, 0.0);
        let mut input = data;
        // The line the next byte is on, counted from 1 at the block's start.
        let mut line = 1u64;
        while let Some(rec) = s.records.next_record(&mut input, &mut line) {
            self.take_record(rec.fields, rec.ends, rec.line, &mut out, &mut s.batch);
        }
        self.finish_batch(&mut s.batch, &mut out);
        out.newlines = if self.rows_as_lines { out.records } else { line - 1 };
        out.work = began.elapsed().as_secs_f64();
        out
    }

    /// Counts one record read from the block and queues (or rejects) it; scores the batch
    /// when it is full.
    fn take_record(&self, fields: &[u8], ends: &[usize], line: u64, out: &mut BlockOut, batch: &mut Batch) {
        out.records += 1;
        let line = if self.rows_as_lines { out.records } else { line };
        self.parse_record(fields, ends, line, &mut out.rejects, batch);
        if batch.pending.len() == BATCH_ROWS {
            self.finish_batch(batch, out);
        }
    }

    /// Reads one record into the pending batch, or rejects it.
    fn parse_record(&self, fields: &[u8], ends: &[usize], line: u64, rejects: &mut Vec<Reject>, s: &mut Batch) {
        let headers_width = self.width;
        if ends.len() != headers_width {
            rejects.push(Reject {
                line,
                column: String::new(),
                value: format!("{} fields", ends.len()),
                reason: format!("expected {headers_width} fields as in the header"),
            });
            return;
        }
        let Ok(text) = std::str::from_utf8(fields) else {
            let mut start = 0;
            for (j, &e) in ends.iter().enumerate() {
                if std::str::from_utf8(&fields[start..e]).is_err() {
                    rejects.push(Reject {
                        line,
                        column: self.headers[j].clone(),
                        value: String::from_utf8_lossy(&fields[start..e]).into_owned(),
                        reason: "not valid UTF-8".into(),
                    });
                    return;
                }
                start = e;
            }
            rejects.push(Reject {
                line,
                column: String::new(),
                value: String::new(),
                reason: "not valid UTF-8".into(),
            });
            return;
        };
        let field =
            |j: usize| -> &str { text.get(if j == 0 { 0 } else { ends[j - 1] }..ends[j]).unwrap_or("\u{fffd}") };
        let revenue = match &self.revenue {
            Some((j, name)) => match parse_number(field(*j)) {
                Some(v) => v,
                None if is_missing(field(*j)) => 0.0,
                None => {
                    rejects.push(Reject {
                        line,
                        column: name.clone(),
                        value: field(*j).to_string(),
                        reason: "revenue is not a number".into(),
                    });
                    return;
                }
            },
            None => 0.0,
        };
        let k = s.pending.len();
        let w = self.model.preprocessing.width();
        let row = &mut s.x[k * w..(k + 1) * w];
        if let Err(e) = self.model.preprocessing.transform_fields(|c| field(self.cols[c]), row) {
            let reason = format!("not {}{}", e.expected, churn_core::excerpt::range_note(e.expected, &e.value));
            rejects.push(Reject {
                line,
                column: self.model.schema.features[e.column].name.clone(),
                value: e.value,
                reason,
            });
            return;
        }
        let health = match &self.health {
            None => None,
            Some(h) => match h.score_with(field) {
                Ok(v) => Some(v),
                Err(e) => {
                    rejects.push(Reject { line, column: e.column, value: e.value, reason: e.reason });
                    return;
                }
            },
        };
        s.pending.push(Pending { revenue, health, ends_at: s.record_ends.len() });
        let base = s.text.len();
        s.starts.push(base);
        s.text.push_str(text);
        s.record_ends.extend(ends.iter().map(|e| e + base));
    }

    /// Scores the pending rows together and formats them.
    fn finish_batch(&self, s: &mut Batch, out: &mut BlockOut) {
        let n = s.pending.len();
        if n == 0 {
            return;
        }
        let model = self.model;
        let w = model.preprocessing.width();
        s.raw.resize(n, 0.0);
        model.learner.predict_raw_rows(&s.x[..n * w], w, &mut s.raw[..n]);
        for (k, pend) in s.pending.iter().enumerate() {
            let ends = &s.record_ends[pend.ends_at..pend.ends_at + self.width];
            let start = s.starts[k];
            let field =
                |j: usize| -> &str { s.text.get(if j == 0 { start } else { ends[j - 1] }..ends[j]).unwrap_or("") };
            let p = model.calibrator.probability(s.raw[k]);
            let health = pend.health.unwrap_or(100.0 * (1.0 - p));
            // The state is that of the printed (one-decimal) score, so the two never disagree.
            let health = (health * 10.0).round() / 10.0;
            let tier = model.tiers.index_of(p);
            let state = model.health_states.index_of(health);
            out.summary.add(tier, state, p, pend.revenue);
            self.known.count(model, |c| field(self.cols[c]), &mut out.summary);
            let drivers = if self.opts.drivers > 0 {
                let t = Instant::now();
                let d = model.drivers(&s.x[k * w..(k + 1) * w], self.opts.drivers, &self.driver_filter);
                out.drivers += t.elapsed().as_secs_f64();
                d
            } else {
                Default::default()
            };
            let named = |d: &[(usize, f64)]| -> Vec<(&str, &str, f64)> {
                d.iter().map(|&(c, v)| (model.schema.features[c].name.as_str(), field(self.cols[c]), v)).collect()
            };
            let rule = if self.opts.actions.is_empty() {
                None
            } else {
                let names: Vec<&str> =
                    drivers.risk.iter().map(|&(c, _)| model.schema.features[c].name.as_str()).collect();
                churn_core::actions::first_match(&self.opts.actions, &model.tiers.bands()[tier].name, &names)
            };
            let row = Row {
                rule,
                id: self.id.map(field),
                p,
                tier,
                health,
                state,
                drivers: named(&drivers.risk),
                protective: named(&drivers.protective),
            };
            match self.opts.format {
                Format::Csv => self.write_csv(&row, &mut out.bytes),
                Format::Jsonl => self.write_json(&row, &mut out.bytes),
                Format::Parquet => self.push_columns(&row, out.cols.as_mut().expect("parquet columns")),
            }
        }
        s.clear();
    }
}

/// One scored row, ready to be written.
struct Row<'a> {
    /// The `[[actions]]` rule giving the action (index into the options' rules).
    rule: Option<usize>,
    id: Option<&'a str>,
    p: f64,
    tier: usize,
    health: f64,
    state: usize,
    drivers: Vec<(&'a str, &'a str, f64)>,
    protective: Vec<(&'a str, &'a str, f64)>,
}

/// A risk driver as text: `feature=value (+contribution)`, or with a feature dictionary the
/// value in words, `28-day post events fell 60% (+0.310)`.
fn driver_text(&(name, value, c): &(&str, &str, f64), words: Option<&churn_model::drivers::ModelWords>) -> String {
    match words.and_then(|w| w.short(name, value)) {
        Some(t) => format!("{t} ({c:+.3})"),
        None => format!("{name}={} ({c:+.3})", driver_value(value)),
    }
}

/// A driver as a JSON object: feature, value, the direction in words and the rounded
/// contribution (log-odds); with a feature dictionary also `text`, the value in words.
fn driver_json(
    &(name, value, c): &(&str, &str, f64),
    words: Option<&churn_model::drivers::ModelWords>,
) -> serde_json::Value {
    let mut v = serde_json::json!({
        "feature": name,
        "value": driver_value(value),
        "direction": if c > 0.0 { "raises risk" } else { "lowers risk" },
        "contribution": churn_model::drivers::round3(c),
    });
    if let Some(t) = words.and_then(|w| w.long(name, value)) {
        v["text"] = t.into();
    }
    v
}

fn driver_value(v: &str) -> std::borrow::Cow<'_, str> {
    if is_missing(v) {
        "missing".into()
    } else {
        churn_model::drivers::display_value(v)
    }
}

impl Bound<'_> {
    fn write_csv(&self, row: &Row<'_>, b: &mut Vec<u8>) {
        if let Some(id) = row.id {
            b.extend_from_slice(csv_cell(id, self.opts.raw_csv).as_bytes());
            b.push(b',');
        }
        fmt::write_f64(b, row.p);
        b.extend_from_slice(self.tier_text[row.tier].as_bytes());
        fmt::write_tenths(b, row.health);
        b.extend_from_slice(self.state_text[row.state].as_bytes());
        for k in 0..self.opts.drivers {
            b.push(b',');
            if let Some(d) = row.drivers.get(k) {
                b.extend_from_slice(csv_cell(&driver_text(d, self.words.as_ref()), self.opts.raw_csv).as_bytes());
            }
        }
        match row.rule {
            None => b.extend_from_slice(self.tail_text[row.tier].as_bytes()),
            Some(r) => {
                // The tier's tail with the rule's action in place of the tier's.
                let tail = &self.tail_text[row.tier];
                let tier_action = self.model.tiers.bands()[row.tier].action.as_deref().unwrap_or("");
                let rest = &tail[1 + csv_cell(tier_action, self.opts.raw_csv).len()..];
                b.push(b',');
                b.extend_from_slice(csv_cell(&self.opts.actions[r].action, self.opts.raw_csv).as_bytes());
                b.extend_from_slice(rest.as_bytes());
            }
        }
    }

    /// The recommended action of a row: its rule's, or its tier's.
    fn action(&self, row: &Row<'_>) -> String {
        match row.rule {
            Some(r) => self.opts.actions[r].action.clone(),
            None => self.model.tiers.bands()[row.tier].action.clone().unwrap_or_default(),
        }
    }

    fn push_columns(&self, row: &Row<'_>, c: &mut parquet::ScoredColumns) {
        let tier = &self.model.tiers.bands()[row.tier];
        if let Some(id) = row.id {
            c.id.push(id.to_string());
        }
        c.churn_probability.push(row.p);
        c.risk_tier.push(tier.name.clone());
        c.health_score.push(row.health);
        c.health_state.push(self.model.health_states.bands()[row.state].name.clone());
        for (k, col) in c.drivers.iter_mut().enumerate() {
            col.push(row.drivers.get(k).map(|d| driver_text(d, self.words.as_ref())));
        }
        c.recommended_action.push(self.action(row));
    }

    fn write_json(&self, row: &Row<'_>, b: &mut Vec<u8>) {
        let model = self.model;
        let tier = &model.tiers.bands()[row.tier];
        let mut obj = serde_json::Map::new();
        if let (Some(id), Some(name)) = (row.id, &model.schema.id) {
            obj.insert(name.clone(), id.into());
        }
        obj.insert("churn_probability".into(), row.p.into());
        obj.insert("risk_tier".into(), tier.name.clone().into());
        obj.insert("health_score".into(), row.health.into());
        obj.insert("health_state".into(), model.health_states.bands()[row.state].name.clone().into());
        for k in 0..self.opts.drivers {
            let v = row.drivers.get(k).map_or(serde_json::Value::Null, |d| driver_json(d, self.words.as_ref()));
            obj.insert(format!("risk_driver_{}", k + 1), v);
        }
        if self.opts.drivers > 0 {
            obj.insert(
                "protective_factors".into(),
                row.protective.iter().map(|d| driver_json(d, self.words.as_ref())).collect(),
            );
        }
        obj.insert("recommended_action".into(), self.action(row).into());
        obj.insert("model_id".into(), model.model_id.clone().into());
        obj.insert("model_version".into(), model.version.clone().into());
        obj.insert("scored_at".into(), self.opts.scored_at.clone().into());
        let _ = serde_json::to_writer(&mut *b, &obj);
        b.push(b'\n');
    }
}

/// Quotes a CSV field when it needs it (churn-core's, shared with the feature tables).
pub use churn_core::csv_field;

fn write_rejects(path: &Path, rejects: &[Reject], raw: bool) -> Result<churn_core::output::Staged, CoreError> {
    let mut f = AtomicFile::create(path)?;
    let mut text = String::from("line,column,value,reason\n");
    for r in rejects {
        text.push_str(&format!(
            "{},{},{},{}\n",
            r.line,
            csv_cell(&r.column, raw),
            csv_cell(&r.value, raw),
            csv_cell(&r.reason, raw)
        ));
    }
    f.write_all(text.as_bytes()).map_err(|e| CoreError::io(path, e))?;
    f.finish()
}
