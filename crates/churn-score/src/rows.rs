//! Row parsing and scoring: a block of records in, scored rows (or rejects) out.

use std::path::Path;
use std::time::Instant;

use churn_core::blocks::RecordReader;
use churn_core::table::{find_column, is_missing, parse_number};
use churn_model::{ModelError, ModelFile};

use crate::pipeline::BlockOut;
use crate::schema::OutputSchema;
use crate::source::{Block, Layout};
use crate::writers::Row;
use crate::{csv_cell, parquet, unseen, Format, Reject, ScoreError, ScoreOptions, Summary};

/// Per-worker scratch space, reused from block to block.
pub(crate) struct Scratch {
    pub(crate) records: RecordReader,
    pub(crate) batch: Batch,
    /// The fields of one row gathered from Parquet columns or a feature table, and their ends.
    row: Vec<u8>,
    row_ends: Vec<usize>,
}

/// Rows parsed and preprocessed, waiting to be scored together.
#[derive(Default)]
pub(crate) struct Batch {
    /// Preprocessed rows, row-major.
    pub(crate) x: Vec<f64>,
    pub(crate) raw: Vec<f64>,
    pub(crate) pending: Vec<Pending>,
    /// Each pending row's record text, concatenated.
    pub(crate) text: String,
    /// Where each pending row's text starts in `text`.
    pub(crate) starts: Vec<usize>,
    /// Field ends of every pending row, as offsets in `text`.
    pub(crate) record_ends: Vec<usize>,
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
    pub(crate) fn new() -> Scratch {
        Scratch { records: RecordReader::new(), batch: Batch::default(), row: Vec::new(), row_ends: Vec::new() }
    }
}

/// A parsed row waiting for the learner: where its fields are in [`Scratch::text`].
pub(crate) struct Pending {
    pub(crate) revenue: f64,
    pub(crate) health: Option<f64>,
    /// Offset of this row's field ends in [`Scratch::record_ends`].
    pub(crate) ends_at: usize,
}

/// Rows preprocessed before the learner scores them together.
pub(crate) const BATCH_ROWS: usize = 256;

/// Column positions of one input file, bound to a model.
pub(crate) struct Bound<'a> {
    pub(crate) model: &'a ModelFile,
    pub(crate) cols: Vec<usize>,
    pub(crate) id: Option<usize>,
    pub(crate) revenue: Option<(usize, String)>,
    pub(crate) health: Option<churn_health::HealthScorer>,
    pub(crate) width: usize,
    pub(crate) headers: Vec<String>,
    /// How the source's blocks hold their rows.
    pub(crate) layout: Layout<'a>,
    /// Parquet input: a reject's `line` is the 1-based row number.
    pub(crate) rows_as_lines: bool,
    pub(crate) opts: &'a ScoreOptions,
    /// Per risk tier: `,<tier>,` then, after the health score and state, the row's tail.
    pub(crate) tier_text: Vec<String>,
    pub(crate) tail_text: Vec<String>,
    pub(crate) state_text: Vec<String>,
    pub(crate) driver_filter: churn_model::DriverFilter,
    /// Drivers in words, when the model carries a feature dictionary.
    pub(crate) words: Option<churn_model::drivers::ModelWords<'a>>,
    pub(crate) known: unseen::KnownCategories,
    /// The output columns.
    pub(crate) schema: OutputSchema,
}

impl<'a> Bound<'a> {
    /// Binds the columns of an input (`headers`) to `model` and the options, and prepares the
    /// constant parts of the output rows.
    pub(crate) fn new(
        model: &'a ModelFile,
        opts: &'a ScoreOptions,
        path: &Path,
        headers: Vec<String>,
        layout: Layout<'a>,
    ) -> Result<Bound<'a>, ScoreError> {
        let cols = model.bind_columns(path, &headers)?;
        let id = match &model.schema.id {
            Some(id) => Some(
                find_column(path, &headers, id)
                    .map_err(|_| ModelError::SchemaMismatch { path: path.to_path_buf(), missing: vec![id.clone()] })?,
            ),
            None => None,
        };
        let revenue = match &opts.revenue {
            Some(r) => Some((find_column(path, &headers, r)?, r.clone())),
            None => None,
        };
        let health = match &opts.health {
            Some(h) => Some(churn_health::HealthScorer::new(h, &headers, path)?),
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
        Ok(Bound {
            model,
            cols,
            id,
            revenue,
            health,
            width: headers.len(),
            headers,
            layout,
            rows_as_lines: matches!(layout, Layout::Columns),
            opts,
            tier_text,
            tail_text,
            state_text,
            driver_filter: model.driver_filter(&opts.drivers_exclude, opts.drivers_min)?,
            words: model.driver_words(),
            known: unseen::KnownCategories::new(model),
            schema: OutputSchema::scores(model, opts.drivers),
        })
    }
}

impl Bound<'_> {
    /// Parses, scores and formats one block of rows.
    pub(crate) fn score_block(&self, block: &Block, s: &mut Scratch) -> BlockOut {
        let began = Instant::now();
        let model = self.model;
        let parquet_out = self.opts.format == Format::Parquet;
        let capacity = match self.layout {
            Layout::Csv => block.data.len() + block.data.len() / 4,
            Layout::Columns => block.columns.rows() * 128,
            Layout::Table(_) => block.rows.len() * 128,
        };
        let mut out = BlockOut {
            bytes: Vec::with_capacity(if parquet_out { 0 } else { capacity }),
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
        // The line the block's next row is on, counted from 1 at the block's start.
        let mut line = 1u64;
        match self.layout {
            Layout::Csv => {
                let mut input = &block.data[..];
                while let Some(rec) = s.records.next_record(&mut input, &mut line) {
                    self.take_record(rec.fields, rec.ends, rec.line, &mut out, &mut s.batch);
                }
            }
            Layout::Columns => {
                for i in 0..block.columns.rows() {
                    s.row.clear();
                    s.row_ends.clear();
                    for j in 0..self.width {
                        s.row.extend_from_slice(block.columns.cell(j, i));
                        s.row_ends.push(s.row.len());
                    }
                    // Numbered by row (`rows_as_lines`), not by line.
                    self.take_record(&s.row, &s.row_ends, 0, &mut out, &mut s.batch);
                }
            }
            Layout::Table(table) => {
                for r in block.rows.clone() {
                    s.row.clear();
                    s.row_ends.clear();
                    table.row_fields(r, &mut s.row, &mut s.row_ends);
                    let at = line;
                    // A text value with line breaks would span lines in the CSV.
                    line += 1 + memchr::memchr_iter(b'\n', &s.row).count() as u64;
                    self.take_record(&s.row, &s.row_ends, at, &mut out, &mut s.batch);
                }
            }
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
