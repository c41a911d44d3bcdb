//! Checks of a Parquet file's markers and footer before any page is read, so that a
//! truncated, corrupt or unsupported file is a named error and never a panic deep in a reader.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::Path;

use parquet::basic::Compression;
use parquet::schema::types::Type;

use super::{nested_kind, parquet_error, read_up_to, MAGIC, MAGIC_ENCRYPTED};
use crate::CoreError;

/// Checks the `PAR1` markers at both ends of a file of `len` bytes (an encrypted footer is
/// named as such).
pub(super) fn check_markers(path: &Path, file: &mut File, len: u64) -> Result<(), CoreError> {
    let mut head = [0u8; 4];
    let n = read_up_to(file, &mut head).map_err(|e| CoreError::io(path, e))?;
    if n < 4 || &head != MAGIC {
        return Err(parquet_error(path, "not a Parquet file (it does not start with the PAR1 magic bytes)"));
    }
    let mut tail = [0u8; 4];
    let tail_read =
        if len >= 12 { file.seek(SeekFrom::Start(len - 4)).and_then(|_| read_up_to(file, &mut tail)) } else { Ok(0) };
    match tail_read.map_err(|e| CoreError::io(path, e))? {
        4 if &tail == MAGIC => {}
        4 if &tail == MAGIC_ENCRYPTED => {
            return Err(parquet_error(path, "encrypted Parquet files are not supported"));
        }
        _ => {
            return Err(parquet_error(
                path,
                "the Parquet file is truncated or corrupt (it does not end with the PAR1 footer marker)",
            ))
        }
    }
    Ok(())
}

/// The top-level column names of a flat schema: a nested column, a repeated name or no column
/// at all is an error.
pub(super) fn top_level_names(path: &Path, fields: &[std::sync::Arc<Type>]) -> Result<Vec<String>, CoreError> {
    let mut headers: Vec<String> = Vec::with_capacity(fields.len());
    // A set, not `headers.contains`: wide headers are checked in linear time.
    let mut seen = std::collections::HashSet::with_capacity(fields.len());
    for field in fields {
        if let Some(what) = nested_kind(field) {
            return Err(parquet_error(
                path,
                format!(
                    "column `{}` is {what}: nested columns cannot be scored (only flat columns of numbers, \
                     text, booleans, dates and timestamps)",
                    field.name()
                ),
            ));
        }
        let name = field.name().to_string();
        if !seen.insert(name.clone()) {
            return Err(CoreError::DuplicateColumn { path: path.into(), column: name });
        }
        headers.push(name);
    }
    if headers.is_empty() {
        return Err(CoreError::EmptyFile { path: path.into(), header_only: false });
    }
    Ok(headers)
}

/// Checks every row group against the footer (row counts, a column chunk per column, readable
/// codecs, chunks inside the file of `len` bytes); returns the number of rows.
pub(super) fn check_row_groups(
    path: &Path,
    meta: &parquet::file::metadata::ParquetMetaData,
    headers: &[String],
    len: u64,
) -> Result<u64, CoreError> {
    let num_rows = u64::try_from(meta.file_metadata().num_rows())
        .map_err(|_| parquet_error(path, "the footer gives a negative number of rows (corrupt file)"))?;
    let mut group_rows: u64 = 0;
    for (g, rg) in meta.row_groups().iter().enumerate() {
        let rows = u64::try_from(rg.num_rows())
            .map_err(|_| parquet_error(path, format!("row group {g} has a negative number of rows (corrupt file)")))?;
        group_rows = group_rows.saturating_add(rows);
        if rg.columns().len() != headers.len() {
            return Err(parquet_error(path, format!("row group {g} does not hold every column (corrupt file)")));
        }
        for (j, c) in rg.columns().iter().enumerate() {
            let codec_name = match c.compression() {
                Compression::UNCOMPRESSED
                | Compression::SNAPPY
                | Compression::GZIP(_)
                | Compression::LZ4
                | Compression::LZ4_RAW
                | Compression::ZSTD(_) => None,
                Compression::BROTLI(_) => Some("brotli"),
                Compression::LZO => Some("LZO"),
            };
            if let Some(codec) = codec_name {
                return Err(parquet_error(
                    path,
                    format!(
                        "column `{}` is compressed with {codec}, which cannot be read (supported: uncompressed, \
                         snappy, gzip, lz4, zstd); rewrite the file with another codec",
                        headers[j]
                    ),
                ));
            }
            let start = c.dictionary_page_offset().unwrap_or_else(|| c.data_page_offset());
            let size = c.compressed_size();
            let fits = start >= 0 && size >= 0 && (start as u64).checked_add(size as u64).is_some_and(|e| e <= len);
            if !fits {
                return Err(parquet_error(
                    path,
                    format!(
                        "column `{}` of row group {g} lies outside the file (truncated or corrupt file)",
                        headers[j]
                    ),
                ));
            }
        }
    }
    if group_rows != num_rows {
        return Err(parquet_error(
            path,
            format!("the footer gives {num_rows} rows but the row groups hold {group_rows} (corrupt file)"),
        ));
    }
    Ok(num_rows)
}
