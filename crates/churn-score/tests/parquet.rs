//! Parquet input (`ParquetSource`) and output (`ParquetSink`) of the scorer.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use churn_core::CoreError;
use churn_score::parquet::{is_parquet, ParquetSink, ParquetSource, ScoredColumns};
use parquet::basic::{Compression, GzipLevel, LogicalType, Repetition, Type as PhysicalType, ZstdLevel};
use parquet::data_type::{
    BoolType, ByteArray, ByteArrayType, DoubleType, FixedLenByteArray, FixedLenByteArrayType, FloatType, Int32Type,
    Int64Type, Int96, Int96Type,
};
use parquet::file::properties::{WriterProperties, WriterVersion};
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::file::writer::SerializedFileWriter;
use parquet::record::Field;
use parquet::schema::parser::parse_message_type;

/// One column of test data; `None` is a null.
#[derive(Clone)]
enum Col {
    Bool(Vec<Option<bool>>),
    I32(Vec<Option<i32>>),
    I64(Vec<Option<i64>>),
    I96(Vec<Option<[u32; 3]>>),
    F32(Vec<Option<f32>>),
    F64(Vec<Option<f64>>),
    Bytes(Vec<Option<Vec<u8>>>),
    Fixed(Vec<Option<Vec<u8>>>),
}

fn split<T: Clone>(v: &[Option<T>]) -> (Vec<T>, Vec<i16>) {
    (v.iter().flatten().cloned().collect(), v.iter().map(|x| i16::from(x.is_some())).collect())
}

fn text(v: &[Option<&str>]) -> Col {
    Col::Bytes(v.iter().map(|s| s.map(|s| s.as_bytes().to_vec())).collect())
}

/// Writes `groups` (one `Vec<Col>` per row group, columns in schema order) with the parquet
/// crate's low-level writer.
fn write_parquet(path: &Path, schema: &str, groups: &[Vec<Col>], props: WriterProperties) {
    let schema = Arc::new(parse_message_type(schema).unwrap());
    let mut w = SerializedFileWriter::new(File::create(path).unwrap(), schema, Arc::new(props)).unwrap();
    let max_defs: Vec<i16> = w.schema_descr().columns().iter().map(|c| c.max_def_level()).collect();
    for group in groups {
        assert_eq!(group.len(), max_defs.len());
        let mut rg = w.next_row_group().unwrap();
        for (col, &max_def) in group.iter().zip(&max_defs) {
            let mut c = rg.next_column().unwrap().unwrap();
            macro_rules! put {
                ($t:ty, $vals:expr, $defs:expr) => {{
                    let defs: Vec<i16> = $defs;
                    c.typed::<$t>().write_batch(&$vals, (max_def > 0).then_some(&defs[..]), None).unwrap();
                }};
            }
            match col {
                Col::Bool(v) => {
                    let (vals, defs) = split(v);
                    put!(BoolType, vals, defs)
                }
                Col::I32(v) => {
                    let (vals, defs) = split(v);
                    put!(Int32Type, vals, defs)
                }
                Col::I64(v) => {
                    let (vals, defs) = split(v);
                    put!(Int64Type, vals, defs)
                }
                Col::I96(v) => {
                    let (vals, defs) = split(v);
                    let vals: Vec<Int96> = vals
                        .iter()
                        .map(|d| {
                            let mut x = Int96::new();
                            x.set_data(d[0], d[1], d[2]);
                            x
                        })
                        .collect();
                    put!(Int96Type, vals, defs)
                }
                Col::F32(v) => {
                    let (vals, defs) = split(v);
                    put!(FloatType, vals, defs)
                }
                Col::F64(v) => {
                    let (vals, defs) = split(v);
                    put!(DoubleType, vals, defs)
                }
                Col::Bytes(v) => {
                    let (vals, defs) = split(v);
                    let vals: Vec<ByteArray> = vals.into_iter().map(ByteArray::from).collect();
                    put!(ByteArrayType, vals, defs)
                }
                Col::Fixed(v) => {
                    let (vals, defs) = split(v);
                    let vals: Vec<FixedLenByteArray> = vals.into_iter().map(FixedLenByteArray::from).collect();
                    put!(FixedLenByteArrayType, vals, defs)
                }
            }
            c.close().unwrap();
        }
        rg.close().unwrap();
    }
    w.close().unwrap();
}

fn props() -> WriterProperties {
    WriterProperties::builder().build()
}

/// Reads the whole file in blocks of `max_rows`; returns the text and each call's row count.
fn read_all(path: &Path, max_rows: usize) -> (String, Vec<usize>) {
    let mut src = ParquetSource::open(path).unwrap();
    let mut out = Vec::new();
    let mut counts = Vec::new();
    loop {
        let n = src.next_block(max_rows, &mut out).unwrap();
        counts.push(n);
        if n == 0 {
            break;
        }
    }
    (String::from_utf8(out).unwrap(), counts)
}

const TYPES_SCHEMA: &str = "
message m {
  required int32 i32c;
  optional int64 i64c;
  required double d;
  optional float f;
  optional boolean b;
  optional binary s (UTF8);
  optional int32 day (DATE);
  optional int64 ts (TIMESTAMP(MILLIS,true));
  optional int64 local (TIMESTAMP(MICROS,false));
}";

/// Seven rows in row groups of 3, 2 and 2 rows, and their expected CSV text.
fn types_file(dir: &Path) -> (PathBuf, Vec<&'static str>) {
    let rows: [Vec<Col>; 3] = [
        vec![
            Col::I32(vec![Some(1), Some(i32::MIN), Some(0)]),
            Col::I64(vec![Some(-5), None, Some(i64::MAX)]),
            Col::F64(vec![Some(0.1), Some(-2.5e-7), Some(1e300)]),
            Col::F32(vec![Some(1.5), None, Some(f32::NAN)]),
            Col::Bool(vec![Some(true), Some(false), None]),
            text(&[Some("plain"), Some("a,b"), Some("say \"hi\"")]),
            Col::I32(vec![Some(0), Some(18_321), Some(-1)]),
            Col::I64(vec![Some(0), Some(1_582_934_400_123), Some(-1)]),
            Col::I64(vec![Some(1_600_000_000_123_456), None, Some(1_000)]),
        ],
        vec![
            Col::I32(vec![Some(42), Some(3)]),
            Col::I64(vec![Some(7), Some(8)]),
            Col::F64(vec![Some(f64::INFINITY), Some(f64::NAN)]),
            Col::F32(vec![Some(f32::NEG_INFINITY), Some(0.1)]),
            Col::Bool(vec![Some(true), Some(false)]),
            text(&[Some("line1\nline2"), None]),
            Col::I32(vec![None, Some(2_932_896)]),
            Col::I64(vec![None, Some(253_402_300_799_000)]),
            Col::I64(vec![Some(0), None]),
        ],
        vec![
            Col::I32(vec![Some(4), Some(5)]),
            Col::I64(vec![None, Some(-1)]),
            Col::F64(vec![Some(-0.0), Some(123_456_789.125)]),
            Col::F32(vec![Some(3.0), Some(1e20)]),
            Col::Bool(vec![None, Some(true)]),
            text(&[Some(""), Some("cr\rhere")]),
            Col::I32(vec![None, Some(1)]),
            Col::I64(vec![None, Some(1_000)]),
            Col::I64(vec![None, Some(1)]),
        ],
    ];
    let path = dir.join("types.parquet");
    write_parquet(&path, TYPES_SCHEMA, &rows, props());
    let expected = vec![
        "1,-5,0.1,1.5,true,plain,1970-01-01,1970-01-01T00:00:00Z,2020-09-13T12:26:40.123456\n",
        "-2147483648,,-2.5e-7,,false,\"a,b\",2020-02-29,2020-02-29T00:00:00.123Z,\n",
        "0,9223372036854775807,1e300,,,\"say \"\"hi\"\"\",1969-12-31,1969-12-31T23:59:59.999Z,1970-01-01T00:00:00.001\n",
        "42,7,inf,-inf,true,\"line1\nline2\",,,1970-01-01T00:00:00\n",
        "3,8,,0.1,false,,9999-12-31,9999-12-31T23:59:59Z,\n",
        "4,,-0,3,,,,,\n",
        "5,-1,123456789.125,1e20,true,\"cr\rhere\",1970-01-02,1970-01-01T00:00:01Z,1970-01-01T00:00:00.000001\n",
    ];
    (path, expected)
}

#[test]
fn source_reads_every_type_as_csv_text() {
    let dir = tempfile::tempdir().unwrap();
    let (path, expected) = types_file(dir.path());
    let src = ParquetSource::open(&path).unwrap();
    assert_eq!(src.num_rows(), 7);
    assert_eq!(src.headers(), ["i32c", "i64c", "d", "f", "b", "s", "day", "ts", "local"]);
    assert_eq!(src.path(), path);

    let (all, counts) = read_all(&path, 100);
    assert_eq!(all, expected.concat());
    assert_eq!(counts, [7, 0]);

    // The text is what the csv crate reads back field for field.
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(all.as_bytes());
    let recs: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), 7);
    assert!(recs.iter().all(|r| r.len() == 9));
    assert_eq!(&recs[2][5], "say \"hi\"");
    assert_eq!(&recs[3][5], "line1\nline2");
    assert_eq!(&recs[6][5], "cr\rhere");
    assert_eq!(recs[2][2].parse::<f64>().unwrap(), 1e300);
    assert_eq!(recs[1][2].parse::<f64>().unwrap(), -2.5e-7);
}

#[test]
fn source_blocks_split_and_span_row_groups() {
    let dir = tempfile::tempdir().unwrap();
    let (path, expected) = types_file(dir.path());
    let whole = expected.concat();
    for (max_rows, want) in [
        (1, vec![1, 1, 1, 1, 1, 1, 1, 0]),
        (2, vec![2, 2, 2, 1, 0]),
        (3, vec![3, 3, 1, 0]),
        (4, vec![4, 3, 0]),
        (5, vec![5, 2, 0]),
        (7, vec![7, 0]),
    ] {
        let (all, counts) = read_all(&path, max_rows);
        assert_eq!(counts, want, "max_rows {max_rows}");
        assert_eq!(all, whole, "max_rows {max_rows}");
    }
    // Each block holds exactly its rows; `out` is appended to, not replaced.
    let mut src = ParquetSource::open(&path).unwrap();
    let mut out = b"keep:".to_vec();
    assert_eq!(src.next_block(2, &mut out).unwrap(), 2);
    assert_eq!(String::from_utf8(out.clone()).unwrap(), format!("keep:{}{}", expected[0], expected[1]));
    out.clear();
    assert_eq!(src.next_block(0, &mut out).unwrap(), 0);
    assert!(out.is_empty());
    assert_eq!(src.next_block(3, &mut out).unwrap(), 3);
    assert_eq!(String::from_utf8(out).unwrap(), expected[2..5].concat());
    let mut out = Vec::new();
    assert_eq!(src.next_block(3, &mut out).unwrap(), 2);
    assert_eq!(src.next_block(3, &mut out).unwrap(), 0);
    assert_eq!(src.next_block(3, &mut out).unwrap(), 0);
    assert_eq!(String::from_utf8(out).unwrap(), expected[5..].concat());
}

/// `n` rows of a predictable pattern, and their expected text.
fn pattern(range: std::ops::Range<usize>) -> (Vec<Col>, String) {
    let mut id = Vec::new();
    let mut amount = Vec::new();
    let mut plan = Vec::new();
    let mut note = Vec::new();
    let mut text_out = String::new();
    for i in range {
        id.push(Some(i as i64 * 1_000_003));
        let a = (i % 7 != 3).then_some(i as f64 / 4.0);
        amount.push(a);
        let p = ["Basic", "Pro", "Enterprise, annual"][i % 3];
        plan.push(Some(p.as_bytes().to_vec()));
        let n = (i % 5 == 0).then(|| format!("note {i}"));
        note.push(n.clone().map(String::into_bytes));
        text_out.push_str(&format!(
            "{},{},{},{}\n",
            i as i64 * 1_000_003,
            a.map(|a| a.to_string()).unwrap_or_default(),
            if p.contains(',') { format!("\"{p}\"") } else { p.to_string() },
            n.unwrap_or_default()
        ));
    }
    (vec![Col::I64(id), Col::F64(amount), Col::Bytes(plan), Col::Bytes(note)], text_out)
}

const PATTERN_SCHEMA: &str = "
message m {
  required int64 id;
  optional double amount;
  required binary plan (STRING);
  optional binary note (STRING);
}";

#[test]
fn source_reads_every_codec_and_page_layout() {
    let dir = tempfile::tempdir().unwrap();
    let bounds = [0, 3_000, 3_001, 7_500, 10_000];
    let mut groups = Vec::new();
    let mut whole = String::new();
    for w in bounds.windows(2) {
        let (cols, t) = pattern(w[0]..w[1]);
        groups.push(cols);
        whole.push_str(&t);
    }
    let codecs = [
        Compression::UNCOMPRESSED,
        Compression::SNAPPY,
        Compression::GZIP(GzipLevel::default()),
        Compression::LZ4,
        Compression::LZ4_RAW,
        Compression::ZSTD(ZstdLevel::default()),
    ];
    for codec in codecs {
        for version in [WriterVersion::PARQUET_1_0, WriterVersion::PARQUET_2_0] {
            for dictionary in [true, false] {
                let props = WriterProperties::builder()
                    .set_compression(codec)
                    .set_writer_version(version)
                    .set_dictionary_enabled(dictionary)
                    .set_data_page_row_count_limit(700)
                    .set_write_batch_size(100)
                    .build();
                let path = dir.path().join("pattern.parquet");
                write_parquet(&path, PATTERN_SCHEMA, &groups, props);
                let what = format!("{codec:?} {version:?} dictionary {dictionary}");
                assert!(is_parquet(&path).unwrap());
                assert_eq!(ParquetSource::open(&path).unwrap().num_rows(), 10_000, "{what}");
                let (all, counts) = read_all(&path, 1_024);
                assert_eq!(counts.iter().sum::<usize>(), 10_000, "{what}");
                assert_eq!(counts[..3], [1_024, 1_024, 1_024], "{what}");
                assert!(all == whole, "{what}: text differs");
            }
        }
    }
}

#[test]
fn source_reads_the_other_logical_types() {
    let schema = "
    message m {
      required int32 dec9 (DECIMAL(9,2));
      required int64 dec18 (DECIMAL(18,4));
      optional fixed_len_byte_array(16) dec38 (DECIMAL(38,10));
      required binary decvar (DECIMAL(20,3));
      optional int96 legacy;
      required int32 small (INT_8);
      required int32 u32 (INTEGER(32,false));
      required int64 u64 (UINT_64);
      required int32 tod (TIME(MILLIS,true));
      required int64 todn (TIME(NANOS,false));
      required int64 tsn (TIMESTAMP(NANOS,true));
      required fixed_len_byte_array(16) uuid (UUID);
      optional fixed_len_byte_array(2) half (FLOAT16);
      required binary kind (ENUM);
      required binary raw;
    }";
    let i128_bytes = |v: i128| v.to_be_bytes().to_vec();
    let half = |bits: u16| bits.to_le_bytes().to_vec();
    let rows = vec![vec![
        Col::I32(vec![Some(12_345), Some(-5)]),
        Col::I64(vec![Some(-10_000), Some(1)]),
        Col::Fixed(vec![Some(i128_bytes(-12_345_678_901_234_567_890_123)), None]),
        Col::Bytes(vec![Some(vec![0x01, 0x00]), Some(vec![0xff])]),
        // 2000-01-01T00:00:00.5: Julian day 2451545, half a second of nanoseconds.
        Col::I96(vec![Some([500_000_000, 0, 2_451_545]), None]),
        Col::I32(vec![Some(-128), Some(127)]),
        Col::I32(vec![Some(-1), Some(7)]),
        Col::I64(vec![Some(-1), Some(0)]),
        Col::I32(vec![Some(45_296_789), Some(0)]),
        Col::I64(vec![Some(45_296_000_000_001), Some(86_399_000_000_000)]),
        Col::I64(vec![Some(1_600_000_000_123_456_789), Some(-1)]),
        Col::Fixed(vec![Some((0u8..16).collect()), Some(vec![0xff; 16])]),
        Col::Fixed(vec![Some(half(0x3e00)), Some(half(0xfc00))]),
        text(&[Some("GOLD"), Some("SILVER")]),
        Col::Bytes(vec![Some(b"bytes, as text".to_vec()), Some(b"".to_vec())]),
    ]];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("more.parquet");
    write_parquet(&path, schema, &rows, props());
    let (all, _) = read_all(&path, 10);
    let lines: Vec<&str> = all.split_inclusive('\n').collect();
    assert_eq!(
        lines,
        [
            "123.45,-1.0000,-1234567890123.4567890123,0.256,2000-01-01T00:00:00.500Z,-128,4294967295,\
             18446744073709551615,12:34:56.789,12:34:56.000000001,2020-09-13T12:26:40.123456789Z,\
             00010203-0405-0607-0809-0a0b0c0d0e0f,1.5,GOLD,\"bytes, as text\"\n",
            "-0.05,0.0001,,-0.001,,127,7,0,00:00:00,23:59:59,1969-12-31T23:59:59.999999999Z,\
             ffffffff-ffff-ffff-ffff-ffffffffffff,-inf,SILVER,\n",
        ]
    );
}

#[test]
fn source_single_column_nulls_are_quoted_empty_fields() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.parquet");
    write_parquet(
        &path,
        "message m { optional double x; }",
        &[vec![Col::F64(vec![Some(1.0), None, Some(2.5)])]],
        props(),
    );
    let (all, _) = read_all(&path, 10);
    assert_eq!(all, "1\n\"\"\n2.5\n");
    let recs: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(all.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(recs.len(), 3, "a null must not vanish as a blank line");
    assert_eq!(&recs[1][0], "");
}

#[test]
fn source_empty_file_has_headers_and_no_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.parquet");
    write_parquet(&path, PATTERN_SCHEMA, &[], props());
    let mut src = ParquetSource::open(&path).unwrap();
    assert_eq!(src.headers(), ["id", "amount", "plan", "note"]);
    assert_eq!(src.num_rows(), 0);
    let mut out = Vec::new();
    assert_eq!(src.next_block(100, &mut out).unwrap(), 0);
    assert!(out.is_empty());
}

fn message(e: CoreError) -> String {
    e.to_string()
}

#[test]
fn source_rejects_nested_and_unknown_columns_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "message m { required int32 a; optional group tags (LIST) { repeated group list { optional binary element (UTF8); } } }",
            "`tags` is a list",
        ),
        ("message m { required int32 a; optional group address { optional binary city (UTF8); } }", "`address` is a struct"),
        (
            "message m { required int32 a; optional group attrs (MAP) { repeated group key_value { required binary key (UTF8); optional int32 value; } } }",
            "`attrs` is a map",
        ),
        ("message m { required int32 a; repeated int32 scores; }", "`scores` is a list"),
        ("message m { required int32 a; optional fixed_len_byte_array(12) span (INTERVAL); }", "column `span`"),
        ("message m { required int32 a; optional binary doc (BSON); }", "column `doc`"),
    ];
    for (schema, want) in cases {
        let path = dir.path().join("nested.parquet");
        write_parquet(&path, schema, &[], props());
        let e = message(ParquetSource::open(&path).unwrap_err());
        assert!(e.contains(want), "{schema}: {e}");
        assert!(e.contains("nested.parquet"), "{e}");
    }
}

#[test]
fn source_errors_on_non_parquet_truncated_and_corrupt_files() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("data.csv");
    std::fs::write(&csv, "a,b\n1,2\n").unwrap();
    assert!(!is_parquet(&csv).unwrap());
    let e = message(ParquetSource::open(&csv).unwrap_err());
    assert!(e.contains("data.csv") && e.contains("not a Parquet file"), "{e}");

    let empty = dir.path().join("empty.bin");
    std::fs::write(&empty, b"").unwrap();
    assert!(!is_parquet(&empty).unwrap());
    assert!(ParquetSource::open(&empty).is_err());
    let short = dir.path().join("short.bin");
    std::fs::write(&short, b"PA").unwrap();
    assert!(!is_parquet(&short).unwrap());

    let missing = dir.path().join("missing.parquet");
    assert!(matches!(is_parquet(&missing), Err(CoreError::FileNotFound { .. })));
    assert!(matches!(ParquetSource::open(&missing), Err(CoreError::FileNotFound { .. })));

    let (path, _) = types_file(dir.path());
    assert!(is_parquet(&path).unwrap());
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.parquet");
    for keep in [bytes.len() - 1, bytes.len() - 8, bytes.len() / 2, 12, 8, 4] {
        std::fs::write(&cut, &bytes[..keep]).unwrap();
        assert!(is_parquet(&cut).unwrap());
        let e = message(ParquetSource::open(&cut).unwrap_err());
        assert!(e.contains("cut.parquet") && e.contains("truncated or corrupt"), "{keep} bytes: {e}");
    }
    // The footer intact but the data cut out: the error comes from open or from reading.
    let footer_len = u32::from_le_bytes(bytes[bytes.len() - 8..bytes.len() - 4].try_into().unwrap()) as usize;
    let data_end = bytes.len() - 8 - footer_len;
    let mut hollow = bytes[..data_end / 2].to_vec();
    hollow.extend_from_slice(&bytes[data_end..]);
    std::fs::write(&cut, &hollow).unwrap();
    assert!(read_result(&cut).is_err());
}

/// Opens and reads a whole file, returning the first error.
fn read_result(path: &Path) -> Result<String, CoreError> {
    let mut src = ParquetSource::open(path)?;
    let mut out = Vec::new();
    while src.next_block(64, &mut out)? > 0 {}
    // Text that is not UTF-8 is passed on as it is, for the row to be rejected downstream.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[test]
fn source_never_panics_on_corrupt_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let (types, _) = types_file(dir.path());
    files.push(std::fs::read(types).unwrap());
    let (cols, _) = pattern(0..300);
    for codec in [Compression::SNAPPY, Compression::ZSTD(ZstdLevel::default()), Compression::GZIP(GzipLevel::default())]
    {
        let path = dir.path().join("p.parquet");
        let props = WriterProperties::builder().set_compression(codec).set_data_page_row_count_limit(100).build();
        write_parquet(&path, PATTERN_SCHEMA, std::slice::from_ref(&cols), props);
        files.push(std::fs::read(path).unwrap());
    }
    let bad = dir.path().join("bad.parquet");
    let (mut errors, mut reads) = (0, 0);
    for bytes in &files {
        // Every byte of the footer (the metadata), every fifth byte of the pages.
        let footer_len = u32::from_le_bytes(bytes[bytes.len() - 8..bytes.len() - 4].try_into().unwrap()) as usize;
        let footer_start = bytes.len() - 8 - footer_len;
        for pos in (4..footer_start).step_by(5).chain(footer_start..bytes.len() - 4) {
            let mut b = bytes.clone();
            b[pos] ^= if pos % 2 == 0 { 0xff } else { 0x01 };
            std::fs::write(&bad, &b).unwrap();
            match read_result(&bad) {
                Ok(_) => reads += 1,
                Err(e) => {
                    errors += 1;
                    assert!(e.to_string().contains("bad.parquet"), "{e}");
                }
            }
        }
    }
    assert!(errors > 0 && reads > 0, "{errors} errors, {reads} reads");
}

#[test]
fn source_passes_non_utf8_text_on_for_the_row_to_be_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bin.parquet");
    let rows = vec![
        vec![Col::I32(vec![Some(1), Some(2)]), Col::Bytes(vec![Some(b"ok".to_vec()), Some(b"ok".to_vec())])],
        vec![Col::I32(vec![Some(3), Some(4)]), Col::Bytes(vec![Some(b"ok".to_vec()), Some(vec![0xff, 0xfe])])],
    ];
    write_parquet(&path, "message m { required int32 a; required binary blob; }", &rows, props());
    let mut src = ParquetSource::open(&path).unwrap();
    let mut out = Vec::new();
    assert_eq!(src.next_block(3, &mut out).unwrap(), 3);
    assert_eq!(out, b"1,ok\n2,ok\n3,ok\n");
    out.clear();
    assert_eq!(src.next_block(3, &mut out).unwrap(), 1);
    assert_eq!(out, b"4,\xff\xfe\n");
    assert_eq!(src.next_block(3, &mut out).unwrap(), 0);
}

#[test]
fn source_and_sink_are_send() {
    fn send<T: Send>() {}
    send::<ParquetSource>();
    send::<ParquetSink>();
}

// ---------------------------------------------------------------------------------------------
// Sink

/// Block `b` of `n` rows, starting at row `start`.
fn block(start: usize, n: usize, with_id: bool, n_drivers: usize) -> ScoredColumns {
    let mut c = ScoredColumns::new(n_drivers);
    for i in start..start + n {
        if with_id {
            c.id.push(format!("C-{i:06}"));
        }
        c.churn_probability.push(i as f64 / 1e5);
        c.risk_tier.push(["low", "medium", "high"][i % 3].to_string());
        c.health_score.push(100.0 - (i % 1000) as f64 / 10.0);
        c.health_state.push(["healthy", "at risk"][i % 2].to_string());
        for (k, d) in c.drivers.iter_mut().enumerate() {
            d.push((i % (k + 2) != 0).then(|| format!("Contract=Month-to-month, \"x\" (+0.{k}{})", i % 10)));
        }
        c.recommended_action.push(if i % 3 == 2 { "Call, today".to_string() } else { String::new() });
    }
    c
}

fn field_str(f: &Field) -> Option<String> {
    match f {
        Field::Str(s) => Some(s.clone()),
        Field::Null => None,
        other => panic!("expected a string, got {other:?}"),
    }
}

fn field_f64(f: &Field) -> f64 {
    match f {
        Field::Double(v) => *v,
        other => panic!("expected a double, got {other:?}"),
    }
}

fn dir_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn sink_round_trip_with_id_and_drivers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scored.parquet");
    let mut sink =
        ParquetSink::create(&path, Some("customerID"), 3, "churn-gbm", "1.2.0", "2024-05-01T10:00:00Z").unwrap();
    let sizes = [3, 0, 5, 70_000, 2, 66_000, 10];
    let mut start = 0;
    let mut all = ScoredColumns::new(3);
    for &n in &sizes {
        let b = block(start, n, true, 3);
        sink.write(&b).unwrap();
        for (k, d) in b.drivers.iter().enumerate() {
            all.drivers[k].extend_from_slice(d);
        }
        all.id.extend(b.id);
        all.churn_probability.extend(b.churn_probability);
        all.risk_tier.extend(b.risk_tier);
        all.health_score.extend(b.health_score);
        all.health_state.extend(b.health_state);
        all.recommended_action.extend(b.recommended_action);
        start += n;
        assert!(!path.exists(), "the target appears only on finish");
    }
    let names = dir_names(dir.path());
    assert_eq!(names.len(), 1);
    assert!(names[0].starts_with(".scored.parquet.churn-tmp-"), "{names:?}");
    sink.finish().unwrap();
    assert_eq!(dir_names(dir.path()), ["scored.parquet"]);
    assert!(is_parquet(&path).unwrap());

    let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
    let meta = reader.metadata();
    assert_eq!(meta.file_metadata().num_rows() as usize, start);
    let schema = meta.file_metadata().schema_descr();
    let cols: Vec<&str> = schema.columns().iter().map(|c| c.name()).collect();
    assert_eq!(
        cols,
        [
            "customerID",
            "churn_probability",
            "risk_tier",
            "health_score",
            "health_state",
            "risk_driver_1",
            "risk_driver_2",
            "risk_driver_3",
            "recommended_action",
            "model_id",
            "model_version",
            "scored_at"
        ]
    );
    for c in schema.columns() {
        let (physical, repetition) = (c.physical_type(), c.self_type().get_basic_info().repetition());
        if matches!(c.name(), "churn_probability" | "health_score") {
            assert_eq!((physical, repetition), (PhysicalType::DOUBLE, Repetition::REQUIRED), "{}", c.name());
        } else {
            assert_eq!(physical, PhysicalType::BYTE_ARRAY, "{}", c.name());
            assert_eq!(c.logical_type_ref(), Some(&LogicalType::String), "{}", c.name());
            let want = if c.name().starts_with("risk_driver_") { Repetition::OPTIONAL } else { Repetition::REQUIRED };
            assert_eq!(repetition, want, "{}", c.name());
        }
    }
    let groups: Vec<i64> = meta.row_groups().iter().map(|g| g.num_rows()).collect();
    assert_eq!(groups, [70_008, 66_002, 10], "row groups of at least 64k rows but the last");
    assert!(meta.row_groups().iter().all(|g| g.columns().iter().all(|c| c.compression() == Compression::SNAPPY)));

    let mut n = 0;
    for (i, row) in reader.get_row_iter(None).unwrap().enumerate() {
        let row = row.unwrap();
        let f: Vec<&Field> = row.get_column_iter().map(|(_, f)| f).collect();
        assert_eq!(field_str(f[0]).as_deref(), Some(all.id[i].as_str()));
        assert_eq!(field_f64(f[1]), all.churn_probability[i]);
        assert_eq!(field_str(f[2]).unwrap(), all.risk_tier[i]);
        assert_eq!(field_f64(f[3]), all.health_score[i]);
        assert_eq!(field_str(f[4]).unwrap(), all.health_state[i]);
        for k in 0..3 {
            assert_eq!(field_str(f[5 + k]), all.drivers[k][i], "row {i} driver {k}");
        }
        assert_eq!(field_str(f[8]).unwrap(), all.recommended_action[i]);
        assert_eq!(field_str(f[9]).unwrap(), "churn-gbm");
        assert_eq!(field_str(f[10]).unwrap(), "1.2.0");
        assert_eq!(field_str(f[11]).unwrap(), "2024-05-01T10:00:00Z");
        n += 1;
    }
    assert_eq!(n, start);

    // And the scorer's own reader reads it back as CSV.
    let mut src = ParquetSource::open(&path).unwrap();
    assert_eq!(src.headers()[0], "customerID");
    let mut out = Vec::new();
    assert_eq!(src.next_block(3, &mut out).unwrap(), 3);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "C-000000,0,low,100,healthy,,,,,churn-gbm,1.2.0,2024-05-01T10:00:00Z\n\
         C-000001,0.00001,medium,99.9,at risk,\"Contract=Month-to-month, \"\"x\"\" (+0.01)\",\
         \"Contract=Month-to-month, \"\"x\"\" (+0.11)\",\"Contract=Month-to-month, \"\"x\"\" (+0.21)\",,\
         churn-gbm,1.2.0,2024-05-01T10:00:00Z\n\
         C-000002,0.00002,high,99.8,healthy,,\"Contract=Month-to-month, \"\"x\"\" (+0.12)\",\
         \"Contract=Month-to-month, \"\"x\"\" (+0.22)\",\"Call, today\",churn-gbm,1.2.0,2024-05-01T10:00:00Z\n"
    );
}

#[test]
fn sink_without_id_or_drivers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.parquet");
    let mut sink = ParquetSink::create(&path, None, 0, "m", "v", "t").unwrap();
    let mut b = block(0, 4, false, 0);
    sink.write(&b).unwrap();
    b.clear();
    assert!(b.is_empty());
    assert_eq!((b.len(), b.churn_probability.capacity() >= 4), (0, true), "cleared, allocation kept");
    sink.write(&b).unwrap();
    sink.write(&block(4, 1, false, 0)).unwrap();
    sink.finish().unwrap();
    let mut src = ParquetSource::open(&path).unwrap();
    assert_eq!(
        src.headers(),
        [
            "churn_probability",
            "risk_tier",
            "health_score",
            "health_state",
            "recommended_action",
            "model_id",
            "model_version",
            "scored_at"
        ]
    );
    assert_eq!(src.num_rows(), 5);
    let mut out = Vec::new();
    assert_eq!(src.next_block(10, &mut out).unwrap(), 5);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "0,low,100,healthy,,m,v,t\n0.00001,medium,99.9,at risk,,m,v,t\n0.00002,high,99.8,healthy,\"Call, today\",m,v,t\n\
         0.00003,low,99.7,at risk,,m,v,t\n0.00004,medium,99.6,healthy,,m,v,t\n"
    );
}

#[test]
fn sink_with_no_rows_writes_a_valid_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.parquet");
    ParquetSink::create(&path, Some("id"), 2, "m", "v", "t").unwrap().finish().unwrap();
    let src = ParquetSource::open(&path).unwrap();
    assert_eq!(src.num_rows(), 0);
    assert_eq!(src.headers().len(), 11);
}

#[test]
fn dropped_sink_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.parquet");
    {
        let mut sink = ParquetSink::create(&path, Some("id"), 2, "m", "v", "t").unwrap();
        sink.write(&block(0, 70_000, true, 2)).unwrap();
        sink.write(&block(70_000, 10, true, 2)).unwrap();
        assert!(!path.exists());
        assert_eq!(dir_names(dir.path()).len(), 1, "a temporary file while writing");
    }
    assert!(!path.exists());
    assert!(dir_names(dir.path()).is_empty(), "{:?}", dir_names(dir.path()));
}

#[test]
fn sink_errors() {
    let dir = tempfile::tempdir().unwrap();
    let e = ParquetSink::create(&dir.path().join("no/such/dir/out.parquet"), None, 1, "m", "v", "t").unwrap_err();
    assert!(e.to_string().contains("does not exist"), "{e}");
    let clash = dir.path().join("clash.parquet");
    let e = ParquetSink::create(&clash, Some("risk_tier"), 1, "m", "v", "t").unwrap_err();
    assert!(matches!(e, CoreError::DuplicateColumn { ref column, .. } if column == "risk_tier"), "{e}");
    assert!(dir_names(dir.path()).is_empty());

    let path = dir.path().join("shape.parquet");
    let mut sink = ParquetSink::create(&path, Some("id"), 2, "m", "v", "t").unwrap();
    assert!(sink.write(&block(0, 3, false, 2)).is_err(), "missing ids");
    assert!(sink.write(&block(0, 3, true, 1)).is_err(), "too few drivers");
    let mut ragged = block(0, 3, true, 2);
    ragged.risk_tier.pop();
    assert!(sink.write(&ragged).is_err(), "ragged columns");
    sink.write(&block(0, 3, true, 2)).unwrap();
    sink.finish().unwrap();
    assert_eq!(ParquetSource::open(&path).unwrap().num_rows(), 3);
}

// ---------------------------------------------------------------------------------------------
// Cross-check with pyarrow: the Python named by `CHURN_PYARROW_PYTHON` (CI sets it, and then a
// missing pyarrow fails the test), else the benchmarks' virtualenv when it has pyarrow.

fn pyarrow_python() -> Option<PathBuf> {
    let required = std::env::var_os("CHURN_PYARROW_PYTHON");
    let python = match &required {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benchmarks/.venv/bin/python"),
    };
    let ok = python.exists()
        && std::process::Command::new(&python)
            .args(["-c", "import pyarrow.parquet"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
    match (ok, &required) {
        (true, _) => Some(python),
        (false, Some(_)) => panic!("CHURN_PYARROW_PYTHON={} has no pyarrow", python.display()),
        (false, None) => {
            eprintln!("skipped: no pyarrow at {} (set CHURN_PYARROW_PYTHON)", python.display());
            None
        }
    }
}

#[test]
fn pyarrow_files_read_as_expected() {
    let Some(python) = pyarrow_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import sys, datetime, decimal
import pyarrow as pa, pyarrow.parquet as pq
out = sys.argv[1]
t = pa.table({
    "customerID": pa.array(["0001-A", "0002-B", None, "x,\"y\"\nz"]),
    "tenure": pa.array([1, None, 72, 0], type=pa.int64()),
    "small": pa.array([1, 2, 3, -4], type=pa.int16()),
    "charges": pa.array([29.85, 56.95, None, float("nan")], type=pa.float64()),
    "ratio": pa.array([0.5, None, 0.1, -1.25], type=pa.float32()),
    "senior": pa.array([True, False, None, True]),
    "signup": pa.array([datetime.date(2020, 2, 29), None, datetime.date(1969, 12, 31), datetime.date(2024, 1, 1)]),
    "seen_utc": pa.array([datetime.datetime(2024, 5, 1, 10, 0, 0, 250000), None,
                          datetime.datetime(1970, 1, 1), datetime.datetime(2000, 1, 1, 0, 0, 1)],
                         type=pa.timestamp("us", tz="UTC")),
    "seen_local": pa.array([datetime.datetime(2024, 5, 1, 10, 0, 0), None, None, None], type=pa.timestamp("ms")),
    "amount": pa.array([decimal.Decimal("12.34"), decimal.Decimal("-0.05"), None, decimal.Decimal("1000.00")],
                       type=pa.decimal128(10, 2)),
    "plan": pa.array(["Basic", "Pro", "Basic", None]).dictionary_encode(),
})
for codec in ["snappy", "zstd", "gzip", "lz4", "none"]:
    pq.write_table(t, f"{out}/{codec}.parquet", compression=codec, row_group_size=3)
pq.write_table(t, f"{out}/v2.parquet", compression="snappy", data_page_version="2.0", row_group_size=2)
pq.write_table(t, f"{out}/int96.parquet", use_deprecated_int96_timestamps=True)
pq.write_table(t, f"{out}/brotli.parquet", compression="brotli")
pq.write_table(pa.table({"tags": pa.array([["a"], []])}), f"{out}/list.parquet")
pq.write_table(pa.table({"s": pa.array([{"a": 1}])}), f"{out}/struct.parquet")
"#;
    let status = std::process::Command::new(&python).arg("-c").arg(script).arg(dir.path()).status().unwrap();
    assert!(status.success(), "pyarrow script failed");
    let expected = "0001-A,1,1,29.85,0.5,true,2020-02-29,2024-05-01T10:00:00.250Z,2024-05-01T10:00:00,12.34,Basic\n\
                    0002-B,,2,56.95,,false,,,,-0.05,Pro\n\
                    ,72,3,,0.1,,1969-12-31,1970-01-01T00:00:00Z,,,Basic\n\
                    \"x,\"\"y\"\"\nz\",0,-4,,-1.25,true,2024-01-01,2000-01-01T00:00:01Z,,1000.00,\n";
    for name in ["snappy", "zstd", "gzip", "lz4", "none", "v2"] {
        let path = dir.path().join(format!("{name}.parquet"));
        let src = ParquetSource::open(&path).unwrap();
        assert_eq!(src.num_rows(), 4);
        assert_eq!(
            src.headers(),
            [
                "customerID",
                "tenure",
                "small",
                "charges",
                "ratio",
                "senior",
                "signup",
                "seen_utc",
                "seen_local",
                "amount",
                "plan"
            ]
        );
        for max_rows in [1, 2, 4, 10] {
            assert_eq!(read_all(&path, max_rows).0, expected, "{name}, blocks of {max_rows}");
        }
    }
    // INT96 timestamps are UTC instants (the naive one too, as Spark reads them).
    let int96 = read_all(&dir.path().join("int96.parquet"), 10).0;
    let first: Vec<&str> = int96.lines().next().unwrap().split(',').collect();
    assert_eq!(first[7], "2024-05-01T10:00:00.250Z");
    assert_eq!(first[8], "2024-05-01T10:00:00Z");
    for (name, want) in [("brotli", "brotli"), ("list", "`tags` is a list"), ("struct", "`s` is a struct")] {
        let e = ParquetSource::open(&dir.path().join(format!("{name}.parquet"))).unwrap_err().to_string();
        assert!(e.contains(want), "{name}: {e}");
    }

    // pyarrow reads what the sink writes.
    let out = dir.path().join("scored.parquet");
    let mut sink = ParquetSink::create(&out, Some("customerID"), 2, "m", "v", "2024-05-01T10:00:00Z").unwrap();
    sink.write(&block(0, 5, true, 2)).unwrap();
    sink.finish().unwrap();
    let check = r#"
import sys, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
print(t.schema.names)
print(t.column("churn_probability").to_pylist())
print(t.column("risk_driver_1").to_pylist())
print(pq.ParquetFile(sys.argv[1]).metadata.row_group(0).column(0).compression)
"#;
    let o = std::process::Command::new(&python).arg("-c").arg(check).arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "['customerID', 'churn_probability', 'risk_tier', 'health_score', 'health_state', 'risk_driver_1', \
         'risk_driver_2', 'recommended_action', 'model_id', 'model_version', 'scored_at']"
    );
    assert_eq!(lines[1], "[0.0, 1e-05, 2e-05, 3e-05, 4e-05]");
    assert_eq!(
        lines[2],
        "[None, 'Contract=Month-to-month, \"x\" (+0.01)', None, 'Contract=Month-to-month, \"x\" (+0.03)', None]"
    );
    assert_eq!(lines[3], "SNAPPY");
}

/// Arrow `duration` columns written by pyarrow 25.0.1 (`tests/fixtures/make_duration.py`):
/// INT64 in Parquet, the Arrow type in the `ARROW:schema` footer key. They read as seconds
/// (1,500 ms -> 1.500), not as the raw integer; a plain int64 column stays an integer.
#[test]
fn arrow_duration_columns_read_as_seconds() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/duration.parquet");
    let (text, _) = read_all(&path, 100);
    assert_eq!(
        text,
        "A1,1.500,90.000000,86400,7\n\
         A2,,0.000001,3,8\n\
         A3,-0.250,0.000000,0,9\n"
    );
    assert_eq!(
        ParquetSource::open(&path).unwrap().headers(),
        ["account_id", "wait_ms", "session_us", "gap_s", "count"]
    );
}

/// The CSV records of `next_block`'s text, parsed by the csv crate: the fields every row
/// source must give the row binder.
fn csv_rows(text: &str) -> Vec<Vec<Vec<u8>>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    r.byte_records().map(|rec| rec.unwrap().iter().map(<[u8]>::to_vec).collect()).collect()
}

#[test]
fn source_columns_hold_the_fields_of_the_csv_text() {
    let dir = tempfile::tempdir().unwrap();
    let (path, expected) = types_file(dir.path());
    let want = csv_rows(&expected.concat());
    assert_eq!(want.len(), 7);
    for max_rows in [1, 2, 3, 4, 7, 100] {
        let mut src = ParquetSource::open(&path).unwrap();
        let mut block = churn_core::parquet::ColumnBlock::default();
        let mut got: Vec<Vec<Vec<u8>>> = Vec::new();
        loop {
            block.clear();
            let n = src.next_columns(max_rows, &mut block).unwrap();
            if n == 0 {
                break;
            }
            assert!(n <= max_rows);
            assert_eq!(block.rows(), n);
            for i in 0..n {
                got.push((0..9).map(|j| block.cell(j, i).to_vec()).collect());
            }
        }
        assert_eq!(got, want, "max_rows {max_rows}");
    }
}

#[test]
fn source_columns_pass_non_utf8_text_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.parquet");
    let rows = vec![vec![Col::Bytes(vec![Some(b"ok".to_vec()), Some(vec![0xff, b'x'])])]];
    write_parquet(&path, "message m { required binary s (UTF8); }", &rows, props());
    let mut src = ParquetSource::open(&path).unwrap();
    let mut block = churn_core::parquet::ColumnBlock::default();
    assert_eq!(src.next_columns(10, &mut block).unwrap(), 2);
    assert_eq!(block.cell(0, 1), &[0xff, b'x']);
    block.clear();
    assert_eq!(src.next_columns(10, &mut block).unwrap(), 0);
}
