//! Which rows a model was trained on: a bottom-k sketch of row hashes.
//!
//! A report or an evaluation run on the rows a model was fitted on flatters it. The model file
//! keeps the [`SKETCH_SIZE`] smallest hashes of its training rows (train and validation splits;
//! every hash when there are fewer rows), a few kilobytes whatever the data size. The rows of
//! another table are hashed the same way; those whose hash is at or below the sketch's largest
//! hash are a uniform sample of that table (the hash is random-like), and the share of them found
//! in the sketch estimates the share of the table that were training rows: exactly when the
//! sketch holds every training row, else within a few points for a sample of a hundred rows.
//!
//! A row's hash covers the id column (when the model has one) and every feature column, by name,
//! so it does not depend on column order or file format: text is trimmed, missing values hash
//! alike, and numbers hash by value (`20.0` and `20` are the same row).

use churn_core::table::{find_column, is_missing, parse_number, Fnv64, Table};
use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::file::ModelFile;

/// Hashes kept in a model's sketch.
pub const SKETCH_SIZE: usize = 512;

/// The smallest hashes of the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowSketch {
    /// Distinct training rows hashed.
    pub rows: usize,
    /// The smallest row hashes, increasing (all of them when `rows <= SKETCH_SIZE`).
    pub hashes: Vec<u64>,
}

/// How many rows of a table the sketch could judge, and how many of those were training rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overlap {
    /// Rows of the table.
    pub rows: usize,
    /// Rows whose hash falls in the sketch's range (a uniform sample of the table).
    pub sampled: usize,
    /// Sampled rows found among the training rows.
    pub training: usize,
}

impl Overlap {
    /// The estimated share of the table's rows that were training rows (`None` without a
    /// sample).
    pub fn share(&self) -> Option<f64> {
        (self.sampled > 0).then(|| self.training as f64 / self.sampled as f64)
    }
}

/// The columns a row hash covers: the id (if any) and every feature, located in `table`.
fn columns(model: &ModelFile, table: &Table) -> Result<Vec<usize>, ModelError> {
    let mut cols = Vec::new();
    if let Some(id) = &model.schema.id {
        cols.push(find_column(table.path(), table.headers(), id)?);
    }
    for f in &model.schema.features {
        cols.push(find_column(table.path(), table.headers(), &f.name)?);
    }
    Ok(cols)
}

/// A row's hash (FNV-1a of its normalised fields, then a SplitMix64 finaliser so that every
/// bit is random-like).
fn row_hash(table: &Table, row: usize, cols: &[usize]) -> u64 {
    let mut h = Fnv64::new();
    for &c in cols {
        let f = table.field(row, c);
        if is_missing(f) {
            h.write(&[0]);
        } else if let Some(v) = parse_number(f) {
            h.write(&[1]);
            h.write(&(v + 0.0).to_bits().to_le_bytes());
        } else {
            h.write(&[2]);
            h.write(f.trim().as_bytes());
        }
        h.write(&[0x1f]);
    }
    let mut z = h.finish().wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl RowSketch {
    /// The sketch of rows `rows` of `table`, hashed over `model`'s id and feature columns.
    pub fn of_table(model: &ModelFile, table: &Table, rows: &[usize]) -> Result<RowSketch, ModelError> {
        Ok(Self::of_columns(table, rows, &columns(model, table)?))
    }

    fn of_columns(table: &Table, rows: &[usize], cols: &[usize]) -> RowSketch {
        let mut hashes: Vec<u64> = rows.iter().map(|&r| row_hash(table, r, cols)).collect();
        hashes.sort_unstable();
        hashes.dedup();
        let rows = hashes.len();
        hashes.truncate(SKETCH_SIZE);
        RowSketch { rows, hashes }
    }

    /// How many of `rows` of `table` were training rows, estimated from the sketch. A table
    /// without the model's columns has no overlap.
    pub fn overlap(&self, model: &ModelFile, table: &Table, rows: &[usize]) -> Overlap {
        let Ok(cols) = columns(model, table) else {
            return Overlap { rows: rows.len(), sampled: 0, training: 0 };
        };
        self.overlap_columns(table, rows, &cols)
    }

    fn overlap_columns(&self, table: &Table, rows: &[usize], cols: &[usize]) -> Overlap {
        let complete = self.rows <= self.hashes.len();
        let limit = if complete { u64::MAX } else { self.hashes.last().copied().unwrap_or(0) };
        let (mut sampled, mut training) = (0, 0);
        for &r in rows {
            let h = row_hash(table, r, cols);
            if h <= limit {
                sampled += 1;
                training += usize::from(self.hashes.binary_search(&h).is_ok());
            }
        }
        Overlap { rows: rows.len(), sampled, training }
    }

    /// A warning when most of `rows` of `table` (more than half of a sample of at least 20, or
    /// of all of them) were rows the model was trained on.
    pub fn warning(&self, model: &ModelFile, table: &Table, rows: &[usize]) -> Option<String> {
        let o = self.overlap(model, table, rows);
        let share = o.share()?;
        (share > 0.5 && (o.sampled >= 20 || o.sampled == o.rows)).then(|| {
            format!(
                "warning: about {:.0}% of the {} rows of {} are rows the model was trained on (checked on {} rows): its figures here are optimistic; evaluate on rows it never saw",
                share * 100.0,
                o.rows,
                table.path().file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
                o.sampled
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(&str, &str)]) -> Table {
        let rows: Vec<Vec<String>> = rows.iter().map(|(a, b)| vec![a.to_string(), b.to_string()]).collect();
        Table::from_rows("t.csv", vec!["id".into(), "x".into()], &rows)
    }

    #[test]
    fn hashes_normalise_format_and_the_share_is_exact_for_small_sketches() {
        let a = table(&[("a", "20.0"), ("b", " "), ("c", "x ")]);
        let b = table(&[("a", "20"), ("b", ""), ("c", "x")]);
        for r in 0..3 {
            assert_eq!(row_hash(&a, r, &[0, 1]), row_hash(&b, r, &[0, 1]));
        }
        assert_ne!(row_hash(&a, 0, &[0, 1]), row_hash(&a, 1, &[0, 1]));
        // 5,000 distinct rows, 2,000 of them training rows: the estimate from a bottom-512
        // sketch is near the true 40%; a small training set is checked exactly.
        let rows: Vec<Vec<String>> = (0..5000).map(|i| vec![format!("r{i}"), (i % 7).to_string()]).collect();
        let t = Table::from_rows("big.csv", vec!["id".into(), "x".into()], &rows);
        let train: Vec<usize> = (0..5000).filter(|i| i % 5 < 2).collect();
        let sketch = RowSketch::of_columns(&t, &train, &[0, 1]);
        assert_eq!((sketch.rows, sketch.hashes.len()), (2000, SKETCH_SIZE));
        let all: Vec<usize> = (0..5000).collect();
        let o = sketch.overlap_columns(&t, &all, &[0, 1]);
        assert!((900..1700).contains(&o.sampled), "{o:?}");
        assert!((o.share().unwrap() - 0.4).abs() < 0.08, "{o:?}");
        let small = RowSketch::of_columns(&t, &train[..100], &[0, 1]);
        let o = small.overlap_columns(&t, &all, &[0, 1]);
        assert_eq!((o.sampled, o.training), (5000, 100));
        let none = RowSketch::of_columns(&t, &[], &[0, 1]).overlap_columns(&a, &[0, 1, 2], &[0, 1]);
        assert_eq!(none.training, 0);
    }
}
