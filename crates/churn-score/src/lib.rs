//! Streaming batch scoring: a model file and a data file in, one output row per input row out.
//!
//! Rows come from a row source: a CSV or gzipped CSV file (blocks of raw records, split in
//! place), a Parquet file (decoded column by column, no CSV text in between) or a feature table
//! in memory ([`score_table_staged`], what `churn score --as-of` uses: no temporary file). The
//! same rows give the same output bytes from every source; a reject names the CSV line, or the
//! Parquet row number.
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
mod options;
pub mod parquet;
mod pipeline;
mod rows;
pub mod schema;
mod source;
mod summary;
pub mod survival;
mod survival_parquet;
pub mod timing;
mod unseen;
mod writers;

pub use cells::csv_cell;
pub use options::{now_rfc3339, sibling, Format, Reject, ScoreError, ScoreOptions, ScoreSummary};
pub use pipeline::{score_file, score_file_staged, score_table_staged};
pub use schema::{output_columns, ColumnType, OutputColumn, OutputSchema};
pub use summary::{Summary, SummaryRow};

/// Quotes a CSV field when it needs it (churn-core's, shared with the feature tables).
pub use churn_core::csv_field;
