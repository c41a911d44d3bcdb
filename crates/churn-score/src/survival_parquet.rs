//! Survival scores as Parquet: the CSV's columns in the CSV's order, numbers as DOUBLE (the
//! values the CSV prints, so both agree cell by cell), text as UTF8, the risk drivers optional
//! (null where the CSV cell is empty), every other column required. Row groups of at most
//! 65,536 rows, snappy-compressed, written atomically (nothing is left on error).

use std::path::Path;
use std::sync::Arc;

use churn_core::output::AtomicFile;
use churn_core::CoreError;
use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use crate::parquet::{parquet_error, parquet_fields, write_column, ROW_GROUP_ROWS};
use crate::schema::{ColumnType, OutputColumn};

/// One output column, filled row by row.
pub(crate) enum SurvivalColumn {
    /// A number column (probabilities, expected lifetime, health score).
    Num(Vec<f64>),
    /// A text column; `optional` columns (risk drivers) may hold `None`.
    Text { optional: bool, values: Vec<Option<String>> },
}

impl SurvivalColumn {
    /// An empty column holding `kind`.
    pub(crate) fn new(kind: ColumnType) -> SurvivalColumn {
        match kind {
            ColumnType::Number => SurvivalColumn::Num(Vec::new()),
            ColumnType::Text => SurvivalColumn::Text { optional: false, values: Vec::new() },
            ColumnType::OptionalText => SurvivalColumn::Text { optional: true, values: Vec::new() },
        }
    }
}

/// Writes `columns` (of the output columns `schema`, all of the same length) to `path`.
pub(crate) fn write_survival_parquet(
    path: &Path,
    schema: &[OutputColumn],
    columns: &[SurvivalColumn],
) -> Result<(), CoreError> {
    let schema_err =
        |e: parquet::errors::ParquetError| parquet_error(path, format!("cannot build the output schema: {e}"));
    let fields = parquet_fields(path, schema)?;
    let schema = Type::group_type_builder("schema").with_fields(fields).build().map_err(schema_err)?;
    let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let file = AtomicFile::create(path)?;
    let mut writer = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props))
        .map_err(|e| parquet_error(path, format!("cannot write the Parquet file: {e}")))?;
    let n = match columns.first() {
        Some(SurvivalColumn::Num(v)) => v.len(),
        Some(SurvivalColumn::Text { values, .. }) => values.len(),
        None => 0,
    };
    let mut write = |start: usize, end: usize| -> parquet::errors::Result<()> {
        let mut rg = writer.next_row_group()?;
        for col in columns {
            match col {
                SurvivalColumn::Num(v) => write_column::<DoubleType>(&mut rg, &v[start..end], None)?,
                SurvivalColumn::Text { optional, values } => {
                    let rows = &values[start..end];
                    let bytes: Vec<ByteArray> = rows.iter().flatten().map(|s| ByteArray::from(s.as_str())).collect();
                    if *optional {
                        let defs: Vec<i16> = rows.iter().map(|v| i16::from(v.is_some())).collect();
                        write_column::<ByteArrayType>(&mut rg, &bytes, Some(&defs))?;
                    } else {
                        write_column::<ByteArrayType>(&mut rg, &bytes, None)?;
                    }
                }
            }
        }
        rg.close()?;
        Ok(())
    };
    for start in (0..n).step_by(ROW_GROUP_ROWS) {
        let end = (start + ROW_GROUP_ROWS).min(n);
        write(start, end).map_err(|e| parquet_error(path, format!("cannot write the Parquet file: {e}")))?;
    }
    let file = writer.into_inner().map_err(|e| parquet_error(path, format!("cannot write the Parquet footer: {e}")))?;
    file.finish()?.publish()
}
