//! Scoring with a survival model (`churn train --time`): churn probabilities at every horizon,
//! conditioned on the time so far, and the expected remaining lifetime.
//!
//! For an account still a customer at time `a` (the time column's value), the probability of
//! churning within `h` is `1 − S(a + h) / S(a)` (0 gives probabilities from the start);
//! `expected_lifetime` is the restricted mean remaining time `∫_a^{a+H} S(t) dt / S(a)` up to
//! the longest horizon `H`. `churn_probability`, the risk tier, health, drivers and action are
//! those of the model's main horizon. The whole input is read, then written as CSV, JSONL or
//! Parquet (the same columns).

use std::io::Write;
use std::time::Instant;

use churn_core::output::AtomicFile;
use churn_core::table::{find_column, is_missing, parse_number};
use churn_core::{CoreError, Table};
use churn_model::{ModelError, ModelFile};
use churn_survival::SurvivalSection;
use serde::Serialize;

use crate::schema::OutputSchema;
use crate::survival_parquet::{write_survival_parquet, SurvivalColumn};
use crate::{csv_field, Format, ScoreError, ScoreOptions, ScoreSummary, Summary};

/// Revenue-weighted expected churn at one horizon (with `--revenue`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HorizonRevenue {
    /// The horizon.
    pub horizon: f64,
    /// Mean churn probability within it.
    pub mean_probability: f64,
    /// `Σ p_h × revenue`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_revenue_loss: Option<f64>,
    /// Rows whose time so far plus the horizon passes the training follow-up (curves are held
    /// flat beyond it: their probability counts only the churn the training data has seen).
    pub beyond_follow_up: u64,
}

/// One output cell: a number (written as is), text, or nothing.
enum Cell {
    Num(String),
    Text(String),
    Empty,
}

pub use crate::schema::horizon_name;

/// The output columns of a survival model ([`OutputSchema::survival`]'s names).
pub fn output_columns(model: &ModelFile, sec: &SurvivalSection, drivers: usize) -> Vec<String> {
    OutputSchema::survival(model, sec, drivers).names()
}

fn bad(path: &std::path::Path, line: u64, column: &str, value: &str, expected: &'static str) -> ScoreError {
    ScoreError::Core(CoreError::BadValue {
        path: path.into(),
        line,
        column: column.into(),
        value: value.into(),
        expected,
    })
}

/// Scores `opts.input` with a survival model into `opts.output` (CSV, JSONL or Parquet, the same
/// columns).
pub fn score_survival(
    model: &ModelFile,
    opts: &ScoreOptions,
) -> Result<(ScoreSummary, Vec<HorizonRevenue>), ScoreError> {
    let table = Table::read(&opts.input)?;
    score_survival_table(model, opts, &table)
}

/// A feature table in memory (`churn score --as-of`) as the [`Table`] its CSV would read as:
/// the same header and fields, row `i` on line `i + 2`; `path` names it in errors.
pub fn features_as_table(path: &std::path::Path, features: &churn_features::FeatureTable) -> Table {
    let (mut buf, mut ends) = (Vec::new(), Vec::new());
    let rows: Vec<Vec<String>> = (0..features.len())
        .map(|r| {
            buf.clear();
            ends.clear();
            features.row_fields(r, &mut buf, &mut ends);
            let mut start = 0;
            ends.iter()
                .map(|&e| {
                    let f = String::from_utf8_lossy(&buf[start..e]).into_owned();
                    start = e;
                    f
                })
                .collect()
        })
        .collect();
    Table::from_rows(path, features.headers(), &rows)
}

/// [`score_survival`] of a table already read (`opts.input` is not read).
pub fn score_survival_table(
    model: &ModelFile,
    opts: &ScoreOptions,
    table: &Table,
) -> Result<(ScoreSummary, Vec<HorizonRevenue>), ScoreError> {
    let started = Instant::now();
    let sec = model.survival.as_ref().ok_or_else(|| {
        ScoreError::Model(ModelError::Corrupt { path: opts.input.clone(), reason: "not a survival model".into() })
    })?;
    let jsonl = opts.format == Format::Jsonl;
    let parquet = opts.format == Format::Parquet;
    let path = table.path().to_path_buf();
    let cols = model.bind_columns(&path, table.headers())?;
    let time_col = find_column(&path, table.headers(), &sec.time)?;
    let id_col = match &model.schema.id {
        Some(id) => Some(find_column(&path, table.headers(), id)?),
        None => None,
    };
    let revenue_col = match &opts.revenue {
        Some(r) => Some(find_column(&path, table.headers(), r)?),
        None => None,
    };
    let width = model.preprocessing.width();
    let extra = sec.extra_inputs();
    let main = sec.horizons.iter().position(|&h| h == sec.main_horizon).unwrap_or(sec.horizons.len() - 1);
    let longest = sec.horizons[sec.horizons.len() - 1];
    let mut summary = Summary::new(model, opts.revenue.is_some());
    let mut by_h: Vec<(f64, f64)> = vec![(0.0, 0.0); sec.horizons.len()];
    let mut beyond: Vec<u64> = vec![0; sec.horizons.len()];
    let schema = OutputSchema::survival(model, sec, opts.drivers);
    let columns = schema.names();
    // Parquet: the whole output is collected column by column, then written at the end.
    let mut out = if parquet { None } else { Some(AtomicFile::create(&opts.output)?) };
    let mut pq: Vec<SurvivalColumn> =
        if parquet { schema.columns.iter().map(|c| SurvivalColumn::new(c.kind)).collect() } else { Vec::new() };
    // JSONL: one object per row with the CSV columns as keys (numbers as numbers, an empty
    // cell as null).
    let names: Vec<String> = columns.iter().map(|c| serde_json::to_string(c).unwrap_or_default()).collect();
    let mut text = if jsonl { String::new() } else { columns.join(",") + "\n" };
    let mut cells: Vec<Cell> = Vec::with_capacity(columns.len());
    let mut buf = vec![0.0; width + extra];
    let mut fields: Vec<&str> = Vec::with_capacity(cols.len());
    let raw = |r: &[f64]| model.learner.predict_raw_row(r);
    let io = |e: std::io::Error| ScoreError::Core(CoreError::Io { path: opts.output.clone(), source: e });
    for i in 0..table.n_rows() {
        let line = table.line(i);
        fields.clear();
        fields.extend(cols.iter().map(|&c| table.field(i, c)));
        model
            .preprocessing
            .transform_row(&fields, &mut buf[..width])
            .map_err(|e| bad(&path, line, &model.schema.features[e.column].name, &e.value, e.expected))?;
        let tv = table.field(i, time_col);
        let a = match parse_number(tv) {
            Some(a) if a.is_finite() && a >= 0.0 && !is_missing(tv) => a,
            _ => return Err(bad(&path, line, &sec.time, tv, "a time: a non-negative number")),
        };
        let revenue = match revenue_col {
            Some(c) => {
                let v = table.field(i, c);
                parse_number(v).ok_or_else(|| bad(&path, line, opts.revenue.as_deref().unwrap_or(""), v, "a number"))?
            }
            None => 0.0,
        };
        let curve = sec.curve(&buf[..width], &raw);
        cells.clear();
        if let Some(c) = id_col {
            cells.push(Cell::Text(table.field(i, c).to_string()));
        }
        let mut p_main = 0.0;
        for (k, &h) in sec.horizons.iter().enumerate() {
            let p = curve.conditional_churn(a, h);
            by_h[k].0 += p;
            by_h[k].1 += p * revenue;
            if a + h > sec.follow_up {
                beyond[k] += 1;
            }
            if k == main {
                p_main = p;
            }
            cells.push(Cell::Num(format!("{p:.6}")));
        }
        cells.push(Cell::Num(format!("{:.4}", curve.expected_remaining(a, longest))));
        let tier = model.tiers.index_of(p_main);
        let health = 100.0 * (1.0 - p_main);
        let state = model.health_states.index_of(health);
        summary.add(tier, state, p_main, revenue);
        let band = &model.tiers.bands()[tier];
        cells.push(Cell::Num(format!("{p_main:.6}")));
        cells.push(Cell::Text(band.name.clone()));
        cells.push(Cell::Num(format!("{health:.1}")));
        cells.push(Cell::Text(model.health_states.bands()[state].name.clone()));
        if opts.drivers > 0 {
            push_drivers(model, sec, opts.drivers, a, &mut buf, &mut cells, |c| table.field(i, cols[c]));
        }
        cells.push(match band.action.as_deref() {
            Some(a) => Cell::Text(a.to_string()),
            None => Cell::Empty,
        });
        cells.push(Cell::Text(model.model_id.clone()));
        cells.push(Cell::Text(model.version.clone()));
        cells.push(Cell::Text(opts.scored_at.clone()));
        push_row(&cells, opts.format, &names, &mut pq, &mut text);
        if text.len() > 1 << 20 {
            if let Some(out) = out.as_mut() {
                out.write_all(text.as_bytes()).map_err(io)?;
            }
            text.clear();
        }
    }
    match out {
        Some(mut out) => {
            out.write_all(text.as_bytes()).map_err(io)?;
            out.commit()?;
        }
        None => write_survival_parquet(&opts.output, &schema.columns, &pq)?,
    }
    let n = table.n_rows().max(1) as f64;
    let horizons = sec
        .horizons
        .iter()
        .zip(&by_h)
        .zip(&beyond)
        .map(|((&h, &(p, r)), &b)| HorizonRevenue {
            horizon: h,
            mean_probability: p / n,
            expected_revenue_loss: opts.revenue.is_some().then_some(r),
            beyond_follow_up: b,
        })
        .collect();
    let rows = table.n_rows() as u64;
    Ok((
        ScoreSummary {
            rows_read: rows,
            rows_scored: rows,
            rows_rejected: 0,
            summary,
            rejects_file: None,
            seconds: started.elapsed().as_secs_f64(),
            work_seconds: 0.0,
            driver_seconds: 0.0,
        },
        horizons,
    ))
}

/// Adds one row's cells to the output: to the Parquet columns, or as a JSON line or a CSV line
/// of `text`.
fn push_row(cells: &[Cell], format: Format, names: &[String], pq: &mut [SurvivalColumn], text: &mut String) {
    if format == Format::Parquet {
        for (col, c) in pq.iter_mut().zip(cells) {
            match (col, c) {
                (SurvivalColumn::Num(v), Cell::Num(x)) => v.push(x.parse().unwrap_or(f64::NAN)),
                (SurvivalColumn::Text { values, .. }, Cell::Text(x) | Cell::Num(x)) => values.push(Some(x.clone())),
                (SurvivalColumn::Text { optional: true, values }, Cell::Empty) => values.push(None),
                (SurvivalColumn::Text { values, .. }, Cell::Empty) => values.push(Some(String::new())),
                (SurvivalColumn::Num(v), _) => v.push(f64::NAN),
            }
        }
    } else if format == Format::Jsonl {
        text.push('{');
        for (k, (name, c)) in names.iter().zip(cells).enumerate() {
            if k > 0 {
                text.push(',');
            }
            text.push_str(name);
            text.push(':');
            match c {
                Cell::Num(v) => text.push_str(v),
                Cell::Text(v) => text.push_str(&serde_json::to_string(v).unwrap_or_default()),
                Cell::Empty => text.push_str("null"),
            }
        }
        text.push_str("}\n");
    } else {
        for (k, c) in cells.iter().enumerate() {
            if k > 0 {
                text.push(',');
            }
            match c {
                Cell::Num(v) => text.push_str(v),
                Cell::Text(v) => text.push_str(&csv_field(v)),
                Cell::Empty => {}
            }
        }
        text.push('\n');
    }
}

/// The risk drivers of a row: of the hazard at the main horizon's period (log hazard ratio for
/// Cox), for a subject at time `a`.
fn push_drivers<'v>(
    model: &ModelFile,
    sec: &SurvivalSection,
    drivers: usize,
    a: f64,
    buf: &mut [f64],
    cells: &mut Vec<Cell>,
    raw_value: impl Fn(usize) -> &'v str,
) {
    let width = model.preprocessing.width();
    if let churn_survival::Baseline::Discrete(g) = &sec.baseline {
        let k = g.edges.partition_point(|&e| e < a + sec.main_horizon).clamp(1, g.n_periods());
        g.features(k, &mut buf[width..]);
    }
    let d = model.risk_drivers(buf, drivers);
    for k in 0..drivers {
        cells.push(match d.get(k) {
            Some(&(c, v)) => {
                let f = &model.schema.features[c].name;
                let raw_v = raw_value(c);
                let shown = if is_missing(raw_v) { "missing" } else { raw_v.trim() };
                Cell::Text(format!("{f}={shown} ({v:+.3})"))
            }
            None => Cell::Empty,
        });
    }
}
