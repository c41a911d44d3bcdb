//! The row source scoring reads: CSV blocks, Parquet columns or an in-memory feature table.
//!
//! Every source hands the pipeline blocks of rows, and the row binder ([`crate::rows`]) reads
//! each row as its fields' unquoted text, concatenated, with the end of each field:
//!
//! - **CSV** (and gzipped CSV): blocks of raw bytes cut at record ends by churn-core's chunker;
//!   the workers split the records in place ([`churn_core::blocks::RecordReader`]), the hot
//!   path of nightly scoring.
//! - **Parquet**: runs of rows decoded column by column ([`ParquetSource::next_columns`]); a row's
//!   fields are gathered from its columns, with no CSV text to quote and split again. A row's
//!   `line` is its 1-based row number.
//! - **Feature table** ([`FeatureTable`], `churn score --as-of`): ranges of rows of the table in
//!   memory, each row's fields formatted as [`FeatureTable::write_csv`] would write them, with
//!   no file in between. Blocks end where the chunker would cut that CSV, so that the sums kept
//!   per block (the summary's mean probabilities) add up in the same order. A row's `line` is the line it would have in that CSV (the header is
//!   line 1).
//!
//! Values reach the model as the same text in all three, so the same numbers come out bit for
//! bit: a float is written in shortest round-trip form and parses back to the same `f64`.

use std::io::Read;
use std::ops::Range;
use std::path::Path;

use churn_core::blocks::BlockReader;
use churn_core::parquet::{ColumnBlock, ParquetSource};
use churn_core::CoreError;
use churn_features::FeatureTable;

use crate::ScoreError;

/// Parquet rows per block.
const PARQUET_BLOCK_ROWS: usize = 4096;

/// Where input blocks come from.
pub(crate) enum Source<'t> {
    Csv(BlockReader<Box<dyn Read + Send>>),
    Parquet(ParquetSource),
    Table(TableRows<'t>),
}

/// The rows of a feature table, cut into blocks where the chunker would cut its CSV.
pub(crate) struct TableRows<'t> {
    table: &'t FeatureTable,
    next: usize,
    /// Block size in CSV bytes ([`crate::ScoreOptions::block_bytes`]).
    target: usize,
    buf: Vec<u8>,
    ends: Vec<usize>,
}

impl TableRows<'_> {
    /// The bytes row `r` takes in the CSV [`FeatureTable::write_csv`] writes (quotes, commas
    /// and newline included).
    fn csv_len(&mut self, r: usize) -> usize {
        self.buf.clear();
        self.ends.clear();
        self.table.row_fields(r, &mut self.buf, &mut self.ends);
        let mut start = 0;
        let mut len = self.ends.len(); // the commas and the newline
        for &e in &self.ends {
            len += churn_core::csv_field(&String::from_utf8_lossy(&self.buf[start..e])).len();
            start = e;
        }
        len
    }

    /// The next block: as many rows as fit in `target` CSV bytes (at least one), so that the
    /// blocks, and the sums kept per block, are those of scoring the table's CSV.
    fn next_block(&mut self) -> Range<usize> {
        let start = self.next;
        let mut bytes = 0;
        while self.next < self.table.len() {
            let len = self.csv_len(self.next);
            if self.next > start && bytes + len > self.target {
                break;
            }
            bytes += len;
            self.next += 1;
        }
        start..self.next
    }
}

/// How the rows of a block are held (the same for every block of a run).
#[derive(Clone, Copy)]
pub(crate) enum Layout<'t> {
    /// Raw CSV records in [`Block::data`].
    Csv,
    /// Parquet columns in [`Block::columns`]; rows are numbered from 1, not by line.
    Columns,
    /// Rows [`Block::rows`] of a feature table.
    Table(&'t FeatureTable),
}

/// A block travelling through the pipeline: rows in (in the field the source's [`Layout`]
/// uses), what they became out.
#[derive(Default)]
pub(crate) struct Block {
    pub(crate) data: Vec<u8>,
    pub(crate) columns: ColumnBlock,
    pub(crate) rows: Range<usize>,
    pub(crate) out: Option<crate::pipeline::BlockOut>,
}

/// An input opened for scoring: its header names, the lines the header takes, and its rows.
pub(crate) struct Opened<'t> {
    pub(crate) headers: Vec<String>,
    pub(crate) header_lines: u64,
    pub(crate) source: Source<'t>,
}

impl<'t> Source<'t> {
    /// Opens a CSV, gzipped CSV or Parquet file (recognised by its first bytes).
    pub(crate) fn open(path: &Path, block_bytes: usize) -> Result<Opened<'t>, ScoreError> {
        if churn_core::parquet::is_parquet(path)? {
            let src = ParquetSource::open(path)?;
            return Ok(Opened { headers: src.headers().to_vec(), header_lines: 0, source: Source::Parquet(src) });
        }
        let (headers, rest, header_lines, reader) = crate::pipeline::read_header(path)?;
        let source = Source::Csv(BlockReader::new(reader, rest, block_bytes.max(1)));
        Ok(Opened { headers, header_lines, source })
    }

    /// A feature table in memory; `path` names it in errors. Its header takes one line, as in
    /// the CSV [`FeatureTable::write_csv`] writes.
    pub(crate) fn table(path: &Path, table: &'t FeatureTable, block_bytes: usize) -> Result<Opened<'t>, ScoreError> {
        let names = table.headers();
        let raw: Vec<&[u8]> = names.iter().map(|h| h.as_bytes()).collect();
        let headers = churn_core::table::header_names(path, &raw)?;
        Ok(Opened {
            headers,
            header_lines: 1,
            source: Source::Table(TableRows {
                table,
                next: 0,
                target: block_bytes.max(1),
                buf: Vec::new(),
                ends: Vec::new(),
            }),
        })
    }

    /// How this source's blocks hold their rows.
    pub(crate) fn layout(&self) -> Layout<'t> {
        match self {
            Source::Csv(_) => Layout::Csv,
            Source::Parquet(_) => Layout::Columns,
            Source::Table(rows) => Layout::Table(rows.table),
        }
    }

    /// Fills `block` with the next rows; false at the end of the input.
    pub(crate) fn fill(&mut self, path: &Path, block: &mut Block) -> Result<bool, ScoreError> {
        Ok(match self {
            Source::Csv(blocks) => blocks.next_block(&mut block.data).map_err(|e| CoreError::io(path, e))?,
            Source::Parquet(src) => {
                block.columns.clear();
                src.next_columns(PARQUET_BLOCK_ROWS, &mut block.columns)? > 0
            }
            Source::Table(rows) => {
                block.rows = rows.next_block();
                !block.rows.is_empty()
            }
        })
    }
}
