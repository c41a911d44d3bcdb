//! Reading Parquet files as text: column by column, or as CSV text.
//!
//! [`ParquetSource`] decodes a Parquet file column by column into the text of each value. The
//! scorer takes those columns as they are ([`ParquetSource::next_columns`], a [`ColumnBlock`]),
//! and [`Table::read`](crate::Table::read) (training, evaluation, reports, drift, health,
//! explain) reads them as blocks of CSV text ([`ParquetSource::next_block`]), so that Parquet
//! rows go through the same parsing, validation and reject logic as CSV rows. Every command thus reads CSV, gzipped CSV and Parquet through one
//! reader, chosen by the file's first bytes (`PAR1`, gzip's `1f 8b`, else CSV).
//!
//! Only flat files are read: every top-level column must be a primitive, non-repeated column
//! (required or optional). Nested lists, maps and structs, and the few primitive types that
//! have no text form here (INTERVAL, BSON, geometries, ...), are an error naming the file and
//! the column when the file is opened. Column chunks may be uncompressed or compressed with
//! snappy, gzip, lz4 (raw and Hadoop framing) or zstd: what pandas, pyarrow, polars and Spark
//! write. Brotli and LZO are reported as errors at open time.
//!
//! Values become CSV text as follows: nulls are empty fields; integers are decimal; floats are
//! in shortest round-trip form (exponent notation below 1e-5 and from 1e16 on), NaN is an
//! empty field and infinities are `inf`/`-inf`; booleans are `true`/`false`; dates are
//! `YYYY-MM-DD`; timestamps are `YYYY-MM-DDTHH:MM:SS[.fff[fff[fff]]]`, with a trailing `Z` when
//! the column is UTC-adjusted (INT96 timestamps are UTC); times of day are
//! `HH:MM:SS[.fff...]`; decimals are their exact decimal text; UUIDs are hyphenated hex;
//! strings (and unannotated binary values) are as they are, quoted per RFC 4180 when needed;
//! bytes that are not UTF-8 are passed on, and the scorer rejects that row, as for CSV.

use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use crate::date::write_date as push_date;
use crate::CoreError;
use parquet::basic::{
    ConvertedType, DecimalType, IntType, LogicalType, Repetition, TimeUnit, TimestampType, Type as PhysicalType,
};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::DataType;
use parquet::errors::ParquetError;
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::schema::types::{ColumnDescriptor, Type};

/// The first and last four bytes of every Parquet file.
const MAGIC: &[u8; 4] = b"PAR1";
/// The last four bytes of a Parquet file with an encrypted footer.
const MAGIC_ENCRYPTED: &[u8; 4] = b"PARE";

/// A [`CoreError::Parquet`] naming the file.
pub fn parquet_error(path: &Path, message: impl Into<String>) -> CoreError {
    CoreError::Parquet { path: path.into(), message: message.into() }
}

/// The message of a caught panic.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(s), _) => s.to_string(),
        (_, Some(s)) => s.clone(),
        _ => "the Parquet decoder failed".into(),
    }
}

/// Reads as many bytes as fit in `buf`, fewer only at the end of the input.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// True when the file starts with the Parquet magic bytes `PAR1`.
pub fn is_parquet(path: &Path) -> Result<bool, CoreError> {
    let mut file = File::open(path).map_err(|e| CoreError::io(path, e))?;
    let mut head = [0u8; 4];
    let n = read_up_to(&mut file, &mut head).map_err(|e| CoreError::io(path, e))?;
    Ok(n == 4 && &head == MAGIC)
}

// ---------------------------------------------------------------------------------------------
// Reading

/// How the values of an integer column read as text.
#[derive(Debug, Clone, Copy, PartialEq)]
enum IntKind {
    Signed,
    Unsigned,
    /// Days since 1970-01-01.
    Date,
    /// Time of day, in units of `1 / per_sec` seconds.
    Time {
        per_sec: i64,
    },
    /// Instant since 1970-01-01T00:00:00, in units of `1 / per_sec` seconds.
    Timestamp {
        per_sec: i64,
        utc: bool,
    },
    /// Unscaled decimal.
    Decimal {
        scale: u32,
    },
}

/// How the values of a byte-array column (variable or fixed length) read as text.
#[derive(Debug, Clone, Copy, PartialEq)]
enum BytesKind {
    /// UTF-8 text (strings, enums, JSON, unannotated binary that is valid UTF-8).
    Text,
    /// Big-endian two's complement unscaled decimal.
    Decimal { scale: u32 },
    /// 16-byte UUID.
    Uuid,
    /// IEEE half-precision float, little-endian.
    Float16,
}

/// How one column reads as text.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Bool,
    Int32(IntKind),
    Int64(IntKind),
    /// Legacy (Impala, Spark) nanosecond timestamps.
    Int96,
    Float,
    Double,
    Bytes(BytesKind),
}

fn per_sec(unit: &TimeUnit) -> i64 {
    match unit {
        TimeUnit::MILLIS => 1_000,
        TimeUnit::MICROS => 1_000_000,
        TimeUnit::NANOS => 1_000_000_000,
    }
}

/// A readable name of a column's Parquet type, for error messages.
fn type_name(d: &ColumnDescriptor) -> String {
    let mut s = format!("{:?}", d.physical_type());
    match d.logical_type_ref() {
        Some(l) => s.push_str(&format!(" ({l:?})")),
        None if d.converted_type() != ConvertedType::NONE => s.push_str(&format!(" ({:?})", d.converted_type())),
        None => {}
    }
    s
}

/// The decimal scale of a column, checked.
fn decimal_scale(d: &ColumnDescriptor) -> Result<u32, String> {
    let (scale, precision) = (d.type_scale(), d.type_precision());
    if !(0..=76).contains(&scale) || precision > 76 {
        return Err(format!("has an unsupported decimal scale {scale} or precision {precision}"));
    }
    Ok(scale as u32)
}

/// How column `d` reads as text, or why it cannot be read.
fn classify(d: &ColumnDescriptor) -> Result<Kind, String> {
    let logical = d.logical_type_ref().filter(|l| !matches!(l, LogicalType::Unknown));
    let conv = d.converted_type();
    let unsupported = || Err(format!("has the Parquet type {}, which cannot be read as a table column", type_name(d)));
    let kind = match d.physical_type() {
        PhysicalType::BOOLEAN => Kind::Bool,
        PhysicalType::FLOAT => Kind::Float,
        PhysicalType::DOUBLE => Kind::Double,
        PhysicalType::INT96 => Kind::Int96,
        PhysicalType::INT32 => Kind::Int32(match (logical, conv) {
            (Some(LogicalType::Integer(IntType { bit_width, is_signed })), _) if *bit_width <= 32 => {
                if *is_signed {
                    IntKind::Signed
                } else {
                    IntKind::Unsigned
                }
            }
            (Some(LogicalType::Date), _) | (None, ConvertedType::DATE) => IntKind::Date,
            (Some(LogicalType::Time(TimestampType { unit: TimeUnit::MILLIS, .. })), _)
            | (None, ConvertedType::TIME_MILLIS) => IntKind::Time { per_sec: 1_000 },
            (Some(LogicalType::Decimal(DecimalType { .. })), _) | (None, ConvertedType::DECIMAL) => {
                IntKind::Decimal { scale: decimal_scale(d)? }
            }
            (None, ConvertedType::NONE | ConvertedType::INT_8 | ConvertedType::INT_16 | ConvertedType::INT_32) => {
                IntKind::Signed
            }
            (None, ConvertedType::UINT_8 | ConvertedType::UINT_16 | ConvertedType::UINT_32) => IntKind::Unsigned,
            _ => return unsupported(),
        }),
        PhysicalType::INT64 => Kind::Int64(match (logical, conv) {
            (Some(LogicalType::Integer(IntType { is_signed, .. })), _) => {
                if *is_signed {
                    IntKind::Signed
                } else {
                    IntKind::Unsigned
                }
            }
            (Some(LogicalType::Timestamp(TimestampType { is_adjusted_to_u_t_c, unit })), _) => {
                IntKind::Timestamp { per_sec: per_sec(unit), utc: *is_adjusted_to_u_t_c }
            }
            (Some(LogicalType::Time(TimestampType { unit: unit @ (TimeUnit::MICROS | TimeUnit::NANOS), .. })), _) => {
                IntKind::Time { per_sec: per_sec(unit) }
            }
            (Some(LogicalType::Decimal(DecimalType { .. })), _) | (None, ConvertedType::DECIMAL) => {
                IntKind::Decimal { scale: decimal_scale(d)? }
            }
            (None, ConvertedType::NONE | ConvertedType::INT_64) => IntKind::Signed,
            (None, ConvertedType::UINT_64) => IntKind::Unsigned,
            (None, ConvertedType::TIMESTAMP_MILLIS) => IntKind::Timestamp { per_sec: 1_000, utc: true },
            (None, ConvertedType::TIMESTAMP_MICROS) => IntKind::Timestamp { per_sec: 1_000_000, utc: true },
            (None, ConvertedType::TIME_MICROS) => IntKind::Time { per_sec: 1_000_000 },
            _ => return unsupported(),
        }),
        PhysicalType::BYTE_ARRAY => Kind::Bytes(match (logical, conv) {
            (Some(LogicalType::String | LogicalType::Enum | LogicalType::Json), _)
            | (None, ConvertedType::NONE | ConvertedType::UTF8 | ConvertedType::ENUM | ConvertedType::JSON) => {
                BytesKind::Text
            }
            (Some(LogicalType::Decimal(DecimalType { .. })), _) | (None, ConvertedType::DECIMAL) => {
                BytesKind::Decimal { scale: decimal_scale(d)? }
            }
            _ => return unsupported(),
        }),
        PhysicalType::FIXED_LEN_BYTE_ARRAY => Kind::Bytes(match (logical, conv) {
            (Some(LogicalType::Decimal(DecimalType { .. })), _) | (None, ConvertedType::DECIMAL) => {
                BytesKind::Decimal { scale: decimal_scale(d)? }
            }
            (Some(LogicalType::Uuid), _) if d.type_length() == 16 => BytesKind::Uuid,
            (Some(LogicalType::Float16), _) if d.type_length() == 2 => BytesKind::Float16,
            (None, ConvertedType::NONE) => BytesKind::Text,
            _ => return unsupported(),
        }),
    };
    Ok(kind)
}

/// Why a top-level schema field is not a flat column, if it is not.
fn nested_kind(field: &Type) -> Option<&'static str> {
    if field.is_group() {
        let info = field.get_basic_info();
        Some(match (info.logical_type_ref(), info.converted_type()) {
            (Some(LogicalType::List), _) | (_, ConvertedType::LIST) => "a list",
            (Some(LogicalType::Map), _) | (_, ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE) => "a map",
            _ => "a struct",
        })
    } else if field.get_basic_info().has_repetition() && field.get_basic_info().repetition() == Repetition::REPEATED {
        Some("a list (repeated field)")
    } else {
        None
    }
}

/// The text of one column of a run of rows: cell `i` is `text[ends[i - 1]..ends[i]]`.
#[derive(Debug, Default)]
struct Cells {
    text: Vec<u8>,
    ends: Vec<usize>,
}

impl Cells {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn cell(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }
}

/// A Parquet file read as blocks of CSV text, so that Parquet rows go through exactly the
/// same parsing, validation and reject logic as CSV rows.
///
/// The file is read one row group and one block at a time: memory stays bounded by the
/// block size and the pages of the current row group.
pub struct ParquetSource {
    path: PathBuf,
    reader: SerializedFileReader<File>,
    headers: Vec<String>,
    kinds: Vec<Kind>,
    max_def: Vec<i16>,
    num_rows: u64,
    /// Index of the next row group to open.
    next_group: usize,
    /// Column readers of the current row group.
    columns: Vec<ColumnReader>,
    /// Rows not yet read from the current row group.
    group_left: usize,
    /// Rows read so far.
    rows_done: u64,
    cells: Vec<Cells>,
    defs: Vec<i16>,
    /// Set by a read error: later calls fail the same way instead of returning garbage.
    failed: Option<String>,
}

impl fmt::Debug for ParquetSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParquetSource")
            .field("path", &self.path)
            .field("headers", &self.headers)
            .field("num_rows", &self.num_rows)
            .field("rows_done", &self.rows_done)
            .finish_non_exhaustive()
    }
}

/// What went wrong while decoding a run of rows of one column.
enum DecodeError {
    /// The Parquet reader failed (corrupt page, decompression error, ...).
    Parquet(ParquetError),
    /// The column holds fewer values than its row group claims.
    Short,
    /// Value `row` (0-based within the run) cannot be turned into text.
    Value(usize, String),
}

impl From<ParquetError> for DecodeError {
    fn from(e: ParquetError) -> Self {
        DecodeError::Parquet(e)
    }
}

/// Reads `n` rows of one column and appends their text (unquoted) to `cells`, through `push`.
fn decode<T: DataType>(
    reader: &mut ColumnReaderImpl<T>,
    n: usize,
    max_def: i16,
    defs: &mut Vec<i16>,
    cells: &mut Cells,
    mut push: impl FnMut(&T::T, &mut Vec<u8>) -> Result<(), String>,
) -> Result<(), DecodeError> {
    defs.clear();
    // Capacities are capped: `n` can come from a corrupt footer.
    let mut values: Vec<T::T> = Vec::with_capacity(n.min(1 << 16));
    let mut got = 0;
    while got < n {
        let (records, _, _) = reader.read_records(n - got, Some(defs), None, &mut values)?;
        if records == 0 {
            return Err(DecodeError::Short);
        }
        got += records;
    }
    if (max_def > 0 && defs.len() != n) || (max_def == 0 && values.len() != n) {
        return Err(DecodeError::Short);
    }
    cells.ends.reserve(n.min(1 << 16));
    if max_def == 0 {
        for (i, v) in values.iter().enumerate() {
            push(v, &mut cells.text).map_err(|m| DecodeError::Value(i, m))?;
            cells.ends.push(cells.text.len());
        }
    } else {
        let mut values = values.iter();
        for (i, &def) in defs.iter().enumerate() {
            if def == max_def {
                let v = values.next().ok_or(DecodeError::Short)?;
                push(v, &mut cells.text).map_err(|m| DecodeError::Value(i, m))?;
            }
            cells.ends.push(cells.text.len());
        }
    }
    Ok(())
}

mod footer;
use footer::{check_markers, check_row_groups, top_level_names};

impl ParquetSource {
    /// Opens a Parquet file: reads its footer, checks that every column can be read (flat
    /// columns of known types, a supported codec) and that the metadata is consistent.
    pub fn open(path: &Path) -> Result<ParquetSource, CoreError> {
        let mut file = File::open(path).map_err(|e| CoreError::io(path, e))?;
        let len = file.metadata().map_err(|e| CoreError::io(path, e))?.len();
        check_markers(path, &mut file, len)?;
        file.seek(SeekFrom::Start(0)).map_err(|e| CoreError::io(path, e))?;
        let reader = catch_unwind(AssertUnwindSafe(|| SerializedFileReader::new(file)))
            .map_err(|panic| panic_message(panic.as_ref()))
            .and_then(|r| r.map_err(|e| e.to_string()))
            .map_err(|e| {
                parquet_error(path, format!("cannot read the Parquet footer (truncated or corrupt file?): {e}"))
            })?;

        let meta = reader.metadata();
        let schema = meta.file_metadata().schema_descr();
        let fields = schema.root_schema().get_fields();
        let headers = top_level_names(path, fields)?;
        if schema.num_columns() != headers.len() {
            return Err(parquet_error(path, "the schema's leaf columns do not match its top-level columns"));
        }
        let mut kinds = Vec::with_capacity(headers.len());
        let mut max_def = Vec::with_capacity(headers.len());
        // Arrow `duration` columns are plain INT64 in Parquet: read them as seconds.
        let durations = meta
            .file_metadata()
            .key_value_metadata()
            .and_then(|kv| kv.iter().find(|k| k.key == crate::arrow_schema::ARROW_SCHEMA_KEY))
            .and_then(|k| k.value.as_deref())
            .map(crate::arrow_schema::duration_scales)
            .unwrap_or_default();
        for (j, d) in schema.columns().iter().enumerate() {
            let kind = classify(d).map_err(|m| parquet_error(path, format!("column `{}` {m}", headers[j])))?;
            let kind = match (kind, durations.get(&headers[j])) {
                (Kind::Int64(IntKind::Signed), Some(&scale)) => Kind::Int64(IntKind::Decimal { scale }),
                (kind, _) => kind,
            };
            if d.max_rep_level() != 0 || d.max_def_level() > 1 {
                return Err(parquet_error(path, format!("column `{}` is nested: it cannot be scored", headers[j])));
            }
            kinds.push(kind);
            max_def.push(d.max_def_level());
        }

        let num_rows = check_row_groups(path, meta, &headers, len)?;

        let n_cols = headers.len();
        Ok(ParquetSource {
            path: path.into(),
            reader,
            headers,
            kinds,
            max_def,
            num_rows,
            next_group: 0,
            columns: Vec::new(),
            group_left: 0,
            rows_done: 0,
            cells: (0..n_cols).map(|_| Cells::default()).collect(),
            defs: Vec::new(),
            failed: None,
        })
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Column names (top-level columns of the schema), in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Total rows in the file (from the footer metadata).
    pub fn num_rows(&self) -> u64 {
        self.num_rows
    }

    /// Opens the next row group holding rows; false when there is none left.
    fn open_next_group(&mut self) -> Result<bool, String> {
        while self.next_group < self.reader.num_row_groups() {
            let g = self.next_group;
            self.next_group += 1;
            let columns = {
                let rg = self.reader.get_row_group(g).map_err(|e| format!("cannot read row group {g}: {e}"))?;
                let rows = usize::try_from(rg.metadata().num_rows()).unwrap_or(0);
                if rows == 0 {
                    continue;
                }
                self.group_left = rows;
                (0..self.headers.len())
                    .map(|j| {
                        rg.get_column_reader(j)
                            .map_err(|e| format!("column `{}` of row group {g}: {e}", self.headers[j]))
                    })
                    .collect::<Result<Vec<_>, _>>()?
            };
            self.columns = columns;
            return Ok(true);
        }
        self.columns.clear();
        Ok(false)
    }

    /// Decodes the next `n` rows of column `j` (all in the current row group), appending them
    /// to `cells`.
    fn decode_column(&mut self, j: usize, n: usize, cells: &mut Cells) -> Result<(), String> {
        let max_def = self.max_def[j];
        let defs = &mut self.defs;
        let result = match (&mut self.columns[j], self.kinds[j]) {
            (ColumnReader::BoolColumnReader(r), Kind::Bool) => decode(r, n, max_def, defs, cells, |v, out| {
                out.extend_from_slice(if *v { b"true" } else { b"false" });
                Ok(())
            }),
            (ColumnReader::Int32ColumnReader(r), Kind::Int32(k)) => {
                decode(r, n, max_def, defs, cells, |v, out| push_int(out, i64::from(*v), k, true))
            }
            (ColumnReader::Int64ColumnReader(r), Kind::Int64(k)) => {
                decode(r, n, max_def, defs, cells, |v, out| push_int(out, *v, k, false))
            }
            (ColumnReader::Int96ColumnReader(r), Kind::Int96) => decode(r, n, max_def, defs, cells, |v, out| {
                let d = v.data();
                let nanos_of_day = (u64::from(d[1]) << 32) | u64::from(d[0]);
                let days = i128::from(d[2]) - 2_440_588; // Julian day of 1970-01-01
                push_timestamp(out, days * 86_400_000_000_000 + i128::from(nanos_of_day), 1_000_000_000, true);
                Ok(())
            }),
            (ColumnReader::FloatColumnReader(r), Kind::Float) => decode(r, n, max_def, defs, cells, |v, out| {
                push_f32(out, *v);
                Ok(())
            }),
            (ColumnReader::DoubleColumnReader(r), Kind::Double) => decode(r, n, max_def, defs, cells, |v, out| {
                push_f64(out, *v);
                Ok(())
            }),
            (ColumnReader::ByteArrayColumnReader(r), Kind::Bytes(k)) => {
                decode(r, n, max_def, defs, cells, |v, out| push_bytes(out, v.data(), k))
            }
            (ColumnReader::FixedLenByteArrayColumnReader(r), Kind::Bytes(k)) => {
                decode(r, n, max_def, defs, cells, |v, out| push_bytes(out, v.data(), k))
            }
            _ => return Err(format!("column `{}`: internal error: reader and type disagree", self.headers[j])),
        };
        result.map_err(|e| {
            let name = &self.headers[j];
            match e {
                DecodeError::Parquet(e) => {
                    format!(
                        "column `{name}` near row {}: cannot read the data (corrupt file?): {e}",
                        self.rows_done + 1
                    )
                }
                DecodeError::Short => format!(
                    "column `{name}` near row {}: fewer values than the row group holds (truncated or corrupt file)",
                    self.rows_done + 1
                ),
                DecodeError::Value(i, m) => format!("column `{name}`, row {}: {m}", self.rows_done + i as u64 + 1),
            }
        })
    }

    /// Appends up to `max_rows` following rows to `out` as CSV text: fields separated by `,`,
    /// each record ended by `\n`, RFC 4180 quoting (a field containing `,` `"` `\r` or `\n` is
    /// quoted, inner `"` doubled), no header. Returns the number of rows appended; 0 at the
    /// end (and when `max_rows` is 0).
    ///
    /// Nulls are empty fields (a file of a single column writes a null as `""`, so that the
    /// record is not read as a blank line). See the [module documentation](self) for how
    /// each type reads as text. A block may span row groups. Text that is not UTF-8 is passed
    /// on as its bytes (the scorer rejects that row, as for CSV). A corrupt page, or a value
    /// that has no text form, is an `Err` naming the column and row; every later call then
    /// fails too, and `out` is left as it was.
    pub fn next_block(&mut self, max_rows: usize, out: &mut Vec<u8>) -> Result<usize, CoreError> {
        let len = out.len();
        let mut cells = std::mem::take(&mut self.cells);
        cells.iter_mut().for_each(Cells::clear);
        let result = self.guarded(|src| src.fill(max_rows, &mut cells, |cells, n| push_csv_rows(cells, n, out)));
        self.cells = cells;
        result.inspect_err(|_| out.truncate(len))
    }

    /// Appends up to `max_rows` following rows to `out`, column by column: each value's own text
    /// as [`Self::next_block`] writes it, but unquoted, without CSV records to split again. Returns
    /// the number of rows appended; 0 at the end. Errors as for [`Self::next_block`] (`out` is
    /// then cleared).
    pub fn next_columns(&mut self, max_rows: usize, out: &mut ColumnBlock) -> Result<usize, CoreError> {
        if out.cells.len() != self.headers.len() {
            out.cells = (0..self.headers.len()).map(|_| Cells::default()).collect();
            out.rows = 0;
        }
        let result = self.guarded(|src| src.fill(max_rows, &mut out.cells, |_, _| {}));
        match result {
            Ok(n) => {
                out.rows += n;
                Ok(n)
            }
            Err(e) => {
                out.clear();
                Err(e)
            }
        }
    }

    /// Runs `read` with the decoder's panics caught: the parquet crate's decoders can panic on
    /// some corrupt pages, which is an error about the file, not a crash. After an error the
    /// source is not used again: every later call fails the same way.
    fn guarded(&mut self, read: impl FnOnce(&mut Self) -> Result<usize, String>) -> Result<usize, CoreError> {
        if let Some(m) = &self.failed {
            return Err(parquet_error(&self.path, m.clone()));
        }
        let result = catch_unwind(AssertUnwindSafe(|| read(self))).unwrap_or_else(|panic| {
            Err(format!(
                "near row {}: cannot decode the data (corrupt file?): {}",
                self.rows_done + 1,
                panic_message(panic.as_ref())
            ))
        });
        result.map_err(|m| {
            self.failed = Some(m.clone());
            parquet_error(&self.path, m)
        })
    }

    /// Decodes up to `max_rows` rows, appending them to `cells` (one per column); `chunk` is
    /// called after each run of `n` rows decoded from one row group.
    fn fill(
        &mut self,
        max_rows: usize,
        cells: &mut [Cells],
        mut chunk: impl FnMut(&mut [Cells], usize),
    ) -> Result<usize, String> {
        let mut total = 0;
        while total < max_rows {
            if self.group_left == 0 {
                if self.open_next_group()? {
                    continue;
                }
                break;
            }
            let n = (max_rows - total).min(self.group_left);
            for (j, c) in cells.iter_mut().enumerate() {
                self.decode_column(j, n, c)?;
            }
            chunk(cells, n);
            self.group_left -= n;
            self.rows_done += n as u64;
            total += n;
        }
        if total == 0 && max_rows > 0 && self.rows_done != self.num_rows {
            return Err(format!(
                "the file ended after {} of its {} rows (truncated or corrupt file)",
                self.rows_done, self.num_rows
            ));
        }
        Ok(total)
    }
}

/// Writes the `n` rows decoded in `cells` as CSV records to `out`, then empties `cells`.
fn push_csv_rows(cells: &mut [Cells], n: usize, out: &mut Vec<u8>) {
    let single = cells.len() == 1;
    for i in 0..n {
        for (j, c) in cells.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            let cell = c.cell(i);
            if single && cell.is_empty() {
                out.extend_from_slice(b"\"\"");
            } else {
                push_text(out, cell);
            }
        }
        out.push(b'\n');
    }
    cells.iter_mut().for_each(Cells::clear);
}

/// Rows of a Parquet file decoded column by column ([`ParquetSource::next_columns`]): the text
/// of each value, unquoted; a null (and a NaN) is an empty cell.
#[derive(Debug, Default)]
pub struct ColumnBlock {
    cells: Vec<Cells>,
    rows: usize,
}

impl ColumnBlock {
    /// Number of rows held.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The bytes of row `row` (0-based within the block) of column `col`.
    pub fn cell(&self, col: usize, row: usize) -> &[u8] {
        self.cells[col].cell(row)
    }

    /// Empties the block, keeping its allocations.
    pub fn clear(&mut self) {
        self.cells.iter_mut().for_each(Cells::clear);
        self.rows = 0;
    }
}

// ---------------------------------------------------------------------------------------------
// Values as text

fn push_display(out: &mut Vec<u8>, v: impl fmt::Display) {
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{v}");
}

/// An integer of a 32-bit (`narrow`) or 64-bit column.
fn push_int(out: &mut Vec<u8>, v: i64, kind: IntKind, narrow: bool) -> Result<(), String> {
    match kind {
        IntKind::Signed => push_display(out, v),
        IntKind::Unsigned if narrow => push_display(out, v as u32),
        IntKind::Unsigned => push_display(out, v as u64),
        IntKind::Date => push_date(out, v),
        IntKind::Time { per_sec } => push_time(out, v, per_sec),
        IntKind::Timestamp { per_sec, utc } => push_timestamp(out, i128::from(v), per_sec, utc),
        IntKind::Decimal { scale } => push_decimal(out, i128::from(v), scale),
    }
    Ok(())
}

fn push_f64(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        return;
    }
    let a = v.abs();
    if a.is_infinite() || a == 0.0 || (1e-5..1e16).contains(&a) {
        push_display(out, v); // `inf`, `-inf`, or plain digits
    } else {
        let _ = write!(out, "{v:e}");
    }
}

fn push_f32(out: &mut Vec<u8>, v: f32) {
    if v.is_nan() {
        return;
    }
    let a = v.abs();
    if a.is_infinite() || a == 0.0 || (1e-5..1e16).contains(&a) {
        push_display(out, v);
    } else {
        let _ = write!(out, "{v:e}");
    }
}

/// A half-precision float, widened exactly.
fn f16_to_f32(bits: u16) -> f32 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let mant = f32::from(bits & 0x3ff);
    let magnitude = match exp {
        0 => mant * 2f32.powi(-24),
        31 if mant == 0.0 => f32::INFINITY,
        31 => f32::NAN,
        _ => (1.0 + mant / 1024.0) * 2f32.powi(exp - 15),
    };
    sign * magnitude
}

/// Text with RFC 4180 quoting when needed.
fn push_text(out: &mut Vec<u8>, s: &[u8]) {
    if s.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push(b'"');
        for &b in s {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s);
    }
}

fn push_bytes(out: &mut Vec<u8>, b: &[u8], kind: BytesKind) -> Result<(), String> {
    match kind {
        // Bytes that are not UTF-8 are passed on as they are: the row parser rejects that row
        // ("not valid UTF-8", naming the column), as it does for a CSV row, and the file goes on.
        // CSV quoting is added when rows are written as CSV text (`push_csv_rows`).
        BytesKind::Text => out.extend_from_slice(b),
        BytesKind::Decimal { scale } => {
            let v = be_i128(b).ok_or("a decimal too large to read (more than 38 digits)")?;
            push_decimal(out, v, scale);
        }
        BytesKind::Uuid => {
            for (i, byte) in b.iter().enumerate() {
                if matches!(i, 4 | 6 | 8 | 10) {
                    out.push(b'-');
                }
                let _ = write!(out, "{byte:02x}");
            }
        }
        BytesKind::Float16 => match b {
            [lo, hi] => push_f32(out, f16_to_f32(u16::from_le_bytes([*lo, *hi]))),
            _ => return Err(format!("a FLOAT16 value of {} bytes", b.len())),
        },
    }
    Ok(())
}

/// A big-endian two's complement integer, when it fits in an `i128`.
fn be_i128(b: &[u8]) -> Option<i128> {
    let Some(&first) = b.first() else { return Some(0) };
    let fill = if first & 0x80 != 0 { 0xff } else { 0 };
    let mut b = b;
    if b.len() > 16 {
        let (head, tail) = b.split_at(b.len() - 16);
        if head.iter().any(|&x| x != fill) || (tail[0] & 0x80 != 0) != (fill == 0xff) {
            return None;
        }
        b = tail;
    }
    let mut buf = [fill; 16];
    buf[16 - b.len()..].copy_from_slice(b);
    Some(i128::from_be_bytes(buf))
}

fn push_decimal(out: &mut Vec<u8>, unscaled: i128, scale: u32) {
    if unscaled < 0 {
        out.push(b'-');
    }
    let digits = unscaled.unsigned_abs().to_string();
    let scale = scale as usize;
    if scale == 0 {
        out.extend_from_slice(digits.as_bytes());
        return;
    }
    if digits.len() <= scale {
        out.push(b'0');
        out.push(b'.');
        out.extend(std::iter::repeat_n(b'0', scale - digits.len()));
        out.extend_from_slice(digits.as_bytes());
    } else {
        let (int, frac) = digits.split_at(digits.len() - scale);
        out.extend_from_slice(int.as_bytes());
        out.push(b'.');
        out.extend_from_slice(frac.as_bytes());
    }
}

/// `.f`: the fraction `frac / per_sec`, in groups of three digits, none when zero.
fn push_fraction(out: &mut Vec<u8>, frac: u64, per_sec: i64) {
    if frac == 0 {
        return;
    }
    let width = match per_sec {
        1_000 => 3,
        1_000_000 => 6,
        _ => 9,
    };
    let mut s = format!("{frac:0width$}");
    while s.len() > 3 && s.ends_with("000") {
        s.truncate(s.len() - 3);
    }
    out.push(b'.');
    out.extend_from_slice(s.as_bytes());
}

fn push_timestamp(out: &mut Vec<u8>, ticks: i128, per_sec: i64, utc: bool) {
    let per = i128::from(per_sec);
    let secs = ticks.div_euclid(per);
    let frac = ticks.rem_euclid(per) as u64;
    // |secs| < 2^64 days' worth of seconds for every stored type: the day fits an i64.
    let days = secs.div_euclid(86_400) as i64;
    let sod = secs.rem_euclid(86_400) as u32;
    push_date(out, days);
    let _ = write!(out, "T{:02}:{:02}:{:02}", sod / 3600, sod % 3600 / 60, sod % 60);
    push_fraction(out, frac, per_sec);
    if utc {
        out.push(b'Z');
    }
}

fn push_time(out: &mut Vec<u8>, ticks: i64, per_sec: i64) {
    let secs = ticks.div_euclid(per_sec);
    let frac = ticks.rem_euclid(per_sec) as u64;
    let _ = write!(out, "{:02}:{:02}:{:02}", secs.div_euclid(3600), secs.rem_euclid(3600) / 60, secs.rem_euclid(60));
    push_fraction(out, frac, per_sec);
}
