//! Parquet output for scoring, and the Parquet input every command shares.
//!
//! [`ParquetSource`] (re-exported from `churn_core::parquet`) reads a Parquet file column by
//! column; the scorer's row source takes each row's fields from those columns, and they go
//! through the same validation and reject logic as CSV rows. [`ParquetSink`] writes scored rows to a Parquet file atomically
//! (snappy-compressed).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use churn_core::output::AtomicFile;
use churn_core::CoreError;
use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{ByteArray, ByteArrayType, DataType, DoubleType};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::types::{Type, TypePtr};

pub(crate) use churn_core::parquet::parquet_error;
pub use churn_core::parquet::{is_parquet, ParquetSource};

/// Rows per row group written by [`ParquetSink`] (except the last one).
pub(crate) const ROW_GROUP_ROWS: usize = 65_536;

// ---------------------------------------------------------------------------------------------
// Writing

/// The scored columns of one block of rows, in output order, for the Parquet writer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoredColumns {
    /// Account ids; empty when the model has no id column.
    pub id: Vec<String>,
    /// Churn probability of each row.
    pub churn_probability: Vec<f64>,
    /// Risk tier name of each row.
    pub risk_tier: Vec<String>,
    /// Health score of each row.
    pub health_score: Vec<f64>,
    /// Health state name of each row.
    pub health_state: Vec<String>,
    /// `drivers[k][i]`: risk driver `k + 1` of row `i` as text (e.g.
    /// `"Contract=Month-to-month (+0.512)"`), `None` when absent.
    pub drivers: Vec<Vec<Option<String>>>,
    /// Recommended action of each row (empty when the tier has none).
    pub recommended_action: Vec<String>,
}

impl ScoredColumns {
    /// Empty columns with `n_drivers` risk-driver columns.
    pub fn new(n_drivers: usize) -> Self {
        ScoredColumns { drivers: vec![Vec::new(); n_drivers], ..ScoredColumns::default() }
    }

    /// Empties every column, keeping their allocations and the number of driver columns.
    pub fn clear(&mut self) {
        self.id.clear();
        self.churn_probability.clear();
        self.risk_tier.clear();
        self.health_score.clear();
        self.health_state.clear();
        for d in &mut self.drivers {
            d.clear();
        }
        self.recommended_action.clear();
    }

    /// Number of rows (the length of `churn_probability`).
    pub fn len(&self) -> usize {
        self.churn_probability.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.churn_probability.is_empty()
    }

    /// Appends the rows of `other` (of the same shape).
    fn extend_from(&mut self, other: &ScoredColumns) {
        self.id.extend_from_slice(&other.id);
        self.churn_probability.extend_from_slice(&other.churn_probability);
        self.risk_tier.extend_from_slice(&other.risk_tier);
        self.health_score.extend_from_slice(&other.health_score);
        self.health_state.extend_from_slice(&other.health_state);
        if self.drivers.len() < other.drivers.len() {
            self.drivers.resize(other.drivers.len(), Vec::new());
        }
        for (d, o) in self.drivers.iter_mut().zip(&other.drivers) {
            d.extend_from_slice(o);
        }
        self.recommended_action.extend_from_slice(&other.recommended_action);
    }
}

/// The Parquet fields of output columns: numbers as DOUBLE, text as UTF8, optional text
/// (risk drivers) optional, every other column required.
pub(crate) fn parquet_fields(path: &Path, columns: &[crate::schema::OutputColumn]) -> Result<Vec<TypePtr>, CoreError> {
    use crate::schema::ColumnType;
    let schema_err = |e: ParquetError| parquet_error(path, format!("cannot build the output schema: {e}"));
    columns
        .iter()
        .map(|c| {
            match c.kind {
                ColumnType::Number => double_field(&c.name),
                ColumnType::OptionalText => utf8_field(&c.name, Repetition::OPTIONAL),
                ColumnType::Text => utf8_field(&c.name, Repetition::REQUIRED),
            }
            .map_err(schema_err)
        })
        .collect()
}

/// Writes scored rows to a Parquet file atomically: under a temporary name in the target's
/// folder, renamed into place by [`ParquetSink::finish`]; dropped without `finish`, nothing
/// is left behind.
///
/// Rows are buffered so that every row group but the last holds at least 65,536 rows.
/// Columns are snappy-compressed.
pub struct ParquetSink {
    path: PathBuf,
    writer: SerializedFileWriter<AtomicFile>,
    has_id: bool,
    n_drivers: usize,
    /// `model_id`, `model_version`, `scored_at`.
    constants: [ByteArray; 3],
    pending: ScoredColumns,
}

impl fmt::Debug for ParquetSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParquetSink")
            .field("path", &self.path)
            .field("has_id", &self.has_id)
            .field("n_drivers", &self.n_drivers)
            .field("pending_rows", &self.pending.len())
            .finish_non_exhaustive()
    }
}

pub(crate) fn utf8_field(name: &str, repetition: Repetition) -> parquet::errors::Result<TypePtr> {
    Type::primitive_type_builder(name, PhysicalType::BYTE_ARRAY)
        .with_repetition(repetition)
        .with_logical_type(Some(LogicalType::String))
        .build()
        .map(Arc::new)
}

pub(crate) fn double_field(name: &str) -> parquet::errors::Result<TypePtr> {
    Type::primitive_type_builder(name, PhysicalType::DOUBLE).with_repetition(Repetition::REQUIRED).build().map(Arc::new)
}

/// Writes the next column of a row group.
pub(crate) fn write_column<T: DataType>(
    rg: &mut SerializedRowGroupWriter<'_, AtomicFile>,
    values: &[T::T],
    def_levels: Option<&[i16]>,
) -> parquet::errors::Result<()> {
    let mut col =
        rg.next_column()?.ok_or_else(|| ParquetError::General("more columns written than in the schema".into()))?;
    col.typed::<T>().write_batch(values, def_levels, None)?;
    col.close()
}

fn byte_arrays(values: &[String]) -> Vec<ByteArray> {
    values.iter().map(|s| ByteArray::from(s.as_str())).collect()
}

impl ParquetSink {
    /// Starts writing `path` (its folder must exist). `id_column`: the model's id column name
    /// (`None` = no id column); `n_drivers`: number of `risk_driver_k` columns; the three
    /// constants are written on every row.
    ///
    /// The schema is, in order: `<id_column>` (required UTF8) if any, `churn_probability`
    /// (DOUBLE), `risk_tier` (UTF8), `health_score` (DOUBLE), `health_state` (UTF8),
    /// `risk_driver_1..N` (optional UTF8), `recommended_action`, `model_id`, `model_version`,
    /// `scored_at` (UTF8); every column but the drivers is required.
    pub fn create(
        path: &Path,
        id_column: Option<&str>,
        n_drivers: usize,
        model_id: &str,
        model_version: &str,
        scored_at: &str,
    ) -> Result<ParquetSink, CoreError> {
        let columns = crate::schema::OutputSchema::build(id_column, Vec::new(), n_drivers).columns;
        if let Some(id) = id_column {
            if columns.iter().filter(|c| c.name == id).count() > 1 {
                return Err(CoreError::DuplicateColumn { path: path.into(), column: id.to_string() });
            }
        }
        let fields = parquet_fields(path, &columns)?;
        let schema = Type::group_type_builder("schema")
            .with_fields(fields)
            .build()
            .map_err(|e| parquet_error(path, format!("cannot build the output schema: {e}")))?;
        let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
        let file = AtomicFile::create(path)?;
        let writer = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props))
            .map_err(|e| parquet_error(path, format!("cannot write the Parquet file: {e}")))?;
        Ok(ParquetSink {
            path: path.into(),
            writer,
            has_id: id_column.is_some(),
            n_drivers,
            constants: [model_id, model_version, scored_at].map(ByteArray::from),
            pending: ScoredColumns::new(n_drivers),
        })
    }

    /// Checks that `cols` has the shape this sink writes.
    fn check_shape(&self, cols: &ScoredColumns) -> Result<(), CoreError> {
        let n = cols.len();
        let id_len = if self.has_id { n } else { 0 };
        let ok = cols.id.len() == id_len
            && cols.risk_tier.len() == n
            && cols.health_score.len() == n
            && cols.health_state.len() == n
            && cols.recommended_action.len() == n
            && cols.drivers.len() == self.n_drivers
            && cols.drivers.iter().all(|d| d.len() == n);
        if ok {
            Ok(())
        } else {
            Err(parquet_error(
                &self.path,
                format!(
                    "internal error: scored columns of unequal lengths, or not {} driver columns{}",
                    self.n_drivers,
                    if self.has_id { " and an id column" } else { " and no id column" }
                ),
            ))
        }
    }

    /// Writes one block of rows. Rows are buffered until a row group of at least 65,536 rows
    /// can be written (a block that large on its own is written directly).
    pub fn write(&mut self, cols: &ScoredColumns) -> Result<(), CoreError> {
        self.check_shape(cols)?;
        if self.pending.is_empty() && cols.len() >= ROW_GROUP_ROWS {
            return self.write_group(cols);
        }
        self.pending.extend_from(cols);
        if self.pending.len() >= ROW_GROUP_ROWS {
            self.flush_pending()?;
        }
        Ok(())
    }

    fn flush_pending(&mut self) -> Result<(), CoreError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut pending = std::mem::take(&mut self.pending);
        let result = self.write_group(&pending);
        pending.clear();
        self.pending = pending;
        result
    }

    /// Writes `cols` as one row group.
    fn write_group(&mut self, cols: &ScoredColumns) -> Result<(), CoreError> {
        let n = cols.len();
        let mut write = || -> parquet::errors::Result<()> {
            let mut rg = self.writer.next_row_group()?;
            if self.has_id {
                write_column::<ByteArrayType>(&mut rg, &byte_arrays(&cols.id), None)?;
            }
            write_column::<DoubleType>(&mut rg, &cols.churn_probability, None)?;
            write_column::<ByteArrayType>(&mut rg, &byte_arrays(&cols.risk_tier), None)?;
            write_column::<DoubleType>(&mut rg, &cols.health_score, None)?;
            write_column::<ByteArrayType>(&mut rg, &byte_arrays(&cols.health_state), None)?;
            for driver in &cols.drivers {
                let values: Vec<ByteArray> = driver.iter().flatten().map(|s| ByteArray::from(s.as_str())).collect();
                let defs: Vec<i16> = driver.iter().map(|d| i16::from(d.is_some())).collect();
                write_column::<ByteArrayType>(&mut rg, &values, Some(&defs))?;
            }
            write_column::<ByteArrayType>(&mut rg, &byte_arrays(&cols.recommended_action), None)?;
            for c in &self.constants {
                write_column::<ByteArrayType>(&mut rg, &vec![c.clone(); n], None)?;
            }
            rg.close()?;
            Ok(())
        };
        write().map_err(|e| parquet_error(&self.path, format!("cannot write the Parquet file: {e}")))
    }

    /// Writes the buffered rows and the footer, then renames the file into place.
    pub fn finish(self) -> Result<(), CoreError> {
        self.finish_staged()?.publish()
    }

    /// Writes the footer and syncs the file without publishing it (see
    /// [`churn_core::publish::Publication`]).
    pub fn finish_staged(mut self) -> Result<churn_core::output::Staged, CoreError> {
        self.flush_pending()?;
        let path = self.path;
        let file = self
            .writer
            .into_inner()
            .map_err(|e| parquet_error(&path, format!("cannot write the Parquet footer: {e}")))?;
        file.finish()
    }
}
