//! A [`FeatureTable`]'s rows as text fields, for readers that take the table in memory (scoring
//! with `--as-of`) instead of through [`FeatureTable::write_csv`].

use crate::{push_date, push_int, push_number, Cell, FeatureTable, LABEL_COLUMN, SNAPSHOT_COLUMN};

impl FeatureTable {
    /// The column names of [`FeatureTable::write_csv`]'s header, in order: the id, the snapshot
    /// date, the features, then the label and the survival time when the table has them.
    pub fn headers(&self) -> Vec<String> {
        let mut h = Vec::with_capacity(self.columns.len() + 4);
        h.push(self.id_column.clone());
        h.push(SNAPSHOT_COLUMN.to_string());
        h.extend(self.columns.iter().map(|c| c.name.clone()));
        if self.labels.is_some() {
            h.push(LABEL_COLUMN.to_string());
        }
        if let Some((name, _)) = &self.times {
            h.push(name.clone());
        }
        h
    }

    /// The fields of row `r` as [`FeatureTable::write_csv`] writes them, but unquoted: each
    /// field's text is appended to `buf` and its end (an offset in `buf`) pushed on `ends`, one
    /// per column of [`FeatureTable::headers`]. A missing value (and NaN) is an empty field.
    pub fn row_fields(&self, r: usize, buf: &mut Vec<u8>, ends: &mut Vec<usize>) {
        buf.extend_from_slice(self.accounts[r].as_bytes());
        ends.push(buf.len());
        push_date(buf, self.snapshots[r]);
        ends.push(buf.len());
        for c in 0..self.columns.len() {
            match self.cell(r, c) {
                Cell::Number(v) => push_number(buf, v),
                Cell::Text(s) => buf.extend_from_slice(s.as_bytes()),
                Cell::Missing => {}
            }
            ends.push(buf.len());
        }
        if let Some(l) = &self.labels {
            buf.push(if l[r] { b'1' } else { b'0' });
            ends.push(buf.len());
        }
        if let Some((_, t)) = &self.times {
            push_int(buf, i64::from(t[r]));
            ends.push(buf.len());
        }
    }
}
