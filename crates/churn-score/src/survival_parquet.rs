//! Survival scores as Parquet: the CSV's columns in the CSV's order, numbers as DOUBLE (the
//! values the CSV prints, so both agree cell by cell), text as UTF8, the risk drivers optional
//! (null where the CSV cell is empty), every other column required. Row groups of at most
//! 65,536 rows, snappy-compressed, written atomically (nothing is left on error).

use std::path::Path;
use std::sync::Arc;

use churn_core::output::AtomicFile;
use churn_core::CoreError;
use parquet::basic::{Compression, Repetition};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use crate::parquet::{double_field, parquet_error, utf8_field, write_column, ROW_GROUP_ROWS};

/// One output column, filled row by row.
pub(crate) enum SurvivalColumn {
    /// A number column (probabilities, expected lifetime, health score).
    Num(Vec<f64>),
    /// A text column; `optional` columns (risk drivers) may hold `None`.
    Text { optional: bool, values: Vec<Option<String>> },
}

impl SurvivalColumn {
    /// An empty column of the kind `name` has in survival scores.
    pub(crate) fn for_name(name: &str, id: Option<&str>) -> SurvivalColumn {
        let is_id = Some(name) == id;
        let numeric = name.starts_with("churn_probability") || name == "expected_lifetime" || name == "health_score";
        if numeric && !is_id {
            SurvivalColumn::Num(Vec::new())
        } else {
            SurvivalColumn::Text { optional: name.starts_with("risk_driver_") && !is_id, values: Vec::new() }
        }
    }
}

/// Writes `columns` (named `names`, all of the same length) to `path`.
pub(crate) fn write_survival_parquet(
    path: &Path,
    names: &[String],
    columns: &[SurvivalColumn],
) -> Result<(), CoreError> {
    let schema_err =
        |e: parquet::errors::ParquetError| parquet_error(path, format!("cannot build the output schema: {e}"));
    let mut fields = Vec::with_capacity(names.len());
    for (name, col) in names.iter().zip(columns) {
        let field = match col {
            SurvivalColumn::Num(_) => double_field(name),
            SurvivalColumn::Text { optional: true, .. } => utf8_field(name, Repetition::OPTIONAL),
            SurvivalColumn::Text { optional: false, .. } => utf8_field(name, Repetition::REQUIRED),
        };
        fields.push(field.map_err(schema_err)?);
    }
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
