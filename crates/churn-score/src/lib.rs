//! Streaming batch scoring: a model file and a data file in, one output row per input row out.
//!
//! The input is read once, in chunks, on its own thread, while the chunks already read are
//! scored in parallel; output rows keep the input order. Every row read is either scored or
//! rejected with its line, column, value and reason: `rows read = rows scored + rows rejected`.
//! The output is written under a temporary name and renamed into place only when the run
//! succeeds.
#![warn(missing_docs)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use churn_core::output::AtomicFile;
use churn_core::table::{csv_error, find_column, open_csv};
use churn_core::CoreError;
use churn_model::{ModelError, ModelFile};
use rayon::prelude::*;

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
        write!(
            f,
            "line {}, column `{}`: {} ('{}')",
            self.line, self.column, self.reason, self.value
        )
    }
}

/// Options of a scoring run.
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// Input data (CSV or CSV.gz).
    pub input: PathBuf,
    /// Output CSV.
    pub output: PathBuf,
    /// Where rejected rows go (default: `<output>.rejects.csv`, written only if any).
    pub rejects: Option<PathBuf>,
    /// Largest tolerated fraction of rejected rows (default 0: any reject fails the run).
    pub max_reject_rate: f64,
    /// Rows per chunk.
    pub chunk_rows: usize,
}

impl ScoreOptions {
    /// Defaults for an input and an output.
    pub fn new(input: impl Into<PathBuf>, output: impl Into<PathBuf>) -> Self {
        ScoreOptions {
            input: input.into(),
            output: output.into(),
            rejects: None,
            max_reject_rate: 0.0,
            chunk_rows: 16_384,
        }
    }

    fn rejects_path(&self) -> PathBuf {
        self.rejects.clone().unwrap_or_else(|| {
            let mut s = self.output.clone().into_os_string();
            s.push(".rejects.csv");
            PathBuf::from(s)
        })
    }
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
    /// Accounts per risk tier (highest tier first, as in the model).
    pub tier_counts: Vec<(String, u64)>,
    /// Where rejects were written, if any.
    pub rejects_file: Option<PathBuf>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

struct Chunk {
    records: Vec<csv::StringRecord>,
    lines: Vec<u64>,
}

struct ChunkOut {
    bytes: Vec<u8>,
    rejects: Vec<Reject>,
    tiers: Vec<u64>,
}

/// Scores `opts.input` with `model` into `opts.output`.
pub fn score_file(model: &ModelFile, opts: &ScoreOptions) -> Result<ScoreSummary, ScoreError> {
    let started = Instant::now();
    let src = open_csv(&opts.input)?;
    let path = src.path.clone();
    let cols = model.bind_columns(&path, &src.headers)?;
    let id_col =
        match &model.schema.id {
            Some(id) => Some(find_column(&path, &src.headers, id).map_err(|_| {
                ModelError::SchemaMismatch {
                    path: path.clone(),
                    missing: vec![id.clone()],
                }
            })?),
            None => None,
        };
    let width = src.headers.len();
    let mut out = AtomicFile::create(&opts.output)?;
    let mut header = Vec::new();
    if let Some(id) = &model.schema.id {
        header.push(csv_field(id).into_owned());
    }
    header.extend(
        [
            "churn_probability",
            "risk_tier",
            "health_score",
            "health_state",
            "recommended_action",
        ]
        .map(String::from),
    );
    writeln!(out, "{}", header.join(",")).map_err(|e| CoreError::io(&opts.output, e))?;

    let n_tiers = model.tiers.bands().len();
    let mut summary = ScoreSummary {
        rows_read: 0,
        rows_scored: 0,
        rows_rejected: 0,
        tier_counts: Vec::new(),
        rejects_file: None,
        seconds: 0.0,
    };
    let mut tier_counts = vec![0u64; n_tiers];
    let mut rejects: Vec<Reject> = Vec::new();
    let chunk_rows = opts.chunk_rows.max(1);

    let (tx, rx) = sync_channel::<Result<Chunk, CoreError>>(2);
    let mut reader = src.reader;
    std::thread::scope(|scope| -> Result<(), ScoreError> {
        let reader_path = path.clone();
        scope.spawn(move || loop {
            let mut chunk = Chunk {
                records: Vec::with_capacity(chunk_rows),
                lines: Vec::with_capacity(chunk_rows),
            };
            for _ in 0..chunk_rows {
                let mut rec = csv::StringRecord::new();
                match reader.read_record(&mut rec) {
                    Ok(true) => {
                        chunk.lines.push(rec.position().map_or(0, |p| p.line()));
                        chunk.records.push(rec);
                    }
                    Ok(false) => break,
                    Err(e) => {
                        let _ = tx.send(Err(csv_error(&reader_path, &e)));
                        return;
                    }
                }
            }
            let last = chunk.records.len() < chunk_rows;
            if !chunk.records.is_empty() && tx.send(Ok(chunk)).is_err() {
                return;
            }
            if last {
                return;
            }
        });
        for chunk in rx {
            let chunk = chunk?;
            let parts: Vec<ChunkOut> = chunk
                .records
                .par_chunks(1024)
                .zip(chunk.lines.par_chunks(1024))
                .map(|(recs, lines)| score_records(model, recs, lines, &cols, id_col, width))
                .collect();
            for part in parts {
                out.write_all(&part.bytes)
                    .map_err(|e| CoreError::io(&opts.output, e))?;
                for (t, c) in tier_counts.iter_mut().zip(&part.tiers) {
                    *t += c;
                }
                summary.rows_rejected += part.rejects.len() as u64;
                rejects.extend(part.rejects);
            }
            summary.rows_read += chunk.records.len() as u64;
        }
        Ok(())
    })?;
    summary.rows_scored = tier_counts.iter().sum();
    debug_assert_eq!(
        summary.rows_read,
        summary.rows_scored + summary.rows_rejected
    );
    if summary.rows_read == 0 {
        return Err(CoreError::EmptyFile {
            path,
            header_only: true,
        }
        .into());
    }
    if !rejects.is_empty() {
        let rp = opts.rejects_path();
        write_rejects(&rp, &rejects)?;
        summary.rejects_file = Some(rp);
    }
    let rate = summary.rows_rejected as f64 / summary.rows_read as f64;
    if rate > opts.max_reject_rate {
        return Err(ScoreError::TooManyRejects {
            read: summary.rows_read,
            rejected: summary.rows_rejected,
            rate: rate * 100.0,
            allowed: opts.max_reject_rate * 100.0,
            first: format!("{} {}", path.display(), rejects[0]),
            rejects_file: summary.rejects_file.clone(),
        });
    }
    out.commit()?;
    summary.tier_counts = model
        .tiers
        .bands()
        .iter()
        .map(|b| b.name.clone())
        .zip(tier_counts)
        .collect();
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn score_records(
    model: &ModelFile,
    recs: &[csv::StringRecord],
    lines: &[u64],
    cols: &[usize],
    id_col: Option<usize>,
    width: usize,
) -> ChunkOut {
    let mut out = ChunkOut {
        bytes: Vec::with_capacity(recs.len() * 64),
        rejects: Vec::new(),
        tiers: vec![0; model.tiers.bands().len()],
    };
    let mut buf = vec![0.0; model.preprocessing.width()];
    let mut fields: Vec<&str> = Vec::with_capacity(cols.len());
    for (rec, &line) in recs.iter().zip(lines) {
        if rec.len() != width {
            out.rejects.push(Reject {
                line,
                column: String::new(),
                value: format!("{} fields", rec.len()),
                reason: format!("expected {width} fields as in the header"),
            });
            continue;
        }
        fields.clear();
        fields.extend(cols.iter().map(|&j| &rec[j]));
        match model.score_fields(&fields, &mut buf) {
            Ok((_raw, p)) => {
                let t = model.tiers.index_of(p);
                out.tiers[t] += 1;
                let tier = &model.tiers.bands()[t];
                let health = 100.0 * (1.0 - p);
                let state = model.health_states.band_of(health);
                if let Some(j) = id_col {
                    out.bytes.extend_from_slice(csv_field(&rec[j]).as_bytes());
                    out.bytes.push(b',');
                }
                let action = tier.action.as_deref().unwrap_or("");
                let _ = writeln!(
                    out.bytes,
                    "{p},{},{health:.1},{},{}",
                    csv_field(&tier.name),
                    csv_field(&state.name),
                    csv_field(action)
                );
            }
            Err(e) => out.rejects.push(Reject {
                line,
                column: model.schema.features[e.column].name.clone(),
                value: e.value,
                reason: format!("not {}", e.expected),
            }),
        }
    }
    out
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
    f.write_all(text.as_bytes())
        .map_err(|e| CoreError::io(path, e))?;
    f.commit()
}
