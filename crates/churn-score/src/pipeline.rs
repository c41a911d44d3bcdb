//! The scoring run: the row source's header and blocks ([`crate::source`]), churn-core's ordered
//! block pipeline, the output sink, the rejects and the summary.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

use churn_core::output::AtomicFile;
use churn_core::publish::Publication;
use churn_core::table::open_maybe_gz;
use churn_core::CoreError;
use churn_features::FeatureTable;
use churn_model::ModelFile;

use crate::rows::{Bound, Scratch};
use crate::source::{Block, Opened, Source};
use crate::writers::write_rejects;
use crate::{csv_cell, parquet, Format, Reject, ScoreError, ScoreOptions, ScoreSummary, Summary};

/// What one block became.
pub(crate) struct BlockOut {
    pub(crate) bytes: Vec<u8>,
    /// The rows as columns, for Parquet output.
    pub(crate) cols: Option<parquet::ScoredColumns>,
    /// Rejects, with lines relative to the block (1 = its first line).
    pub(crate) rejects: Vec<Reject>,
    pub(crate) summary: Summary,
    pub(crate) records: u64,
    pub(crate) newlines: u64,
    /// Seconds spent on this block, and on its drivers.
    pub(crate) work: f64,
    pub(crate) drivers: f64,
}

/// Where output goes: both kinds are renamed into place only when the run succeeds.
pub(crate) enum Sink {
    Text(AtomicFile),
    Parquet(Box<parquet::ParquetSink>),
}

/// Bytes read per block: enough rows to keep both cores busy between hand-overs.
pub(crate) const BLOCK_BYTES: usize = 1 << 19;

/// Scores `opts.input` with `model` into `opts.output`.
///
/// The input is read once: a reader thread cuts it into blocks of whole records (churn-core's
/// [`churn_core::blocks`]), the blocks are parsed, scored and formatted on every core, and the main
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
    let opened = Source::open(&opts.input, opts.block_bytes)?;
    score_source(model, opts, opened, started)
}

/// Scores the rows of a feature table in memory (`churn score --as-of`), as [`score_file_staged`]
/// would score the CSV [`FeatureTable::write_csv`] writes, with no file in between: the same
/// output bytes, and rejects naming the line they would have in that CSV. `opts.input` names
/// the table in errors; it is not read.
pub fn score_table_staged(
    model: &ModelFile,
    table: &FeatureTable,
    opts: &ScoreOptions,
) -> Result<(ScoreSummary, Publication), ScoreError> {
    let started = Instant::now();
    let opened = Source::table(&opts.input, table, opts.block_bytes)?;
    score_source(model, opts, opened, started)
}

/// Scores the rows of an opened source (see [`crate::source`]).
fn score_source(
    model: &ModelFile,
    opts: &ScoreOptions,
    opened: Opened<'_>,
    started: Instant,
) -> Result<(ScoreSummary, Publication), ScoreError> {
    let path = opts.input.clone();
    let Opened { headers, header_lines, mut source } = opened;
    let bound = Bound::new(model, opts, &path, headers, source.layout())?;
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
            bound.schema.columns.iter().map(|c| csv_cell(&c.name, opts.raw_csv).into_owned()).collect();
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
        |block: &mut Block| -> Result<bool, ScoreError> { source.fill(&path, block) },
        Scratch::new,
        |scratch, block| block.out = Some(bound.score_block(block, scratch)),
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
pub(crate) fn read_header(
    path: &Path,
) -> Result<(Vec<String>, Vec<u8>, u64, Box<dyn std::io::Read + Send>), CoreError> {
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
