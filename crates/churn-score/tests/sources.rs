//! The row sources against each other: the same rows from CSV, from Parquet with text columns
//! and from Parquet with typed (DOUBLE) columns give the same output bytes, and the same
//! rejects (named by CSV line, or by Parquet row number).

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use churn_model::ModelFile;
use churn_score::{score_file, Format, ScoreOptions};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

const NUMERIC: [&str; 4] = ["monthly_fee", "logins_30d", "tickets", "last_nps"];

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The rows of customers-small.csv, with `edit` applied to `(row, column)` cells.
fn customers(edits: &[(usize, &str, &str)]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(root().join("datasets/customers-small.csv")).unwrap();
    let headers: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let mut rows: Vec<Vec<String>> = r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect();
    for &(i, col, v) in edits {
        let j = headers.iter().position(|h| h == col).unwrap();
        rows[i][j] = v.to_string();
    }
    (headers, rows)
}

fn write_csv(path: &Path, headers: &[String], rows: &[Vec<String>]) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(headers).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

/// Writes the rows as Parquet, in row groups of 128 rows: every column optional, an empty field
/// a null; the `NUMERIC` columns as DOUBLE when `typed`, every other column as UTF8.
fn write_parquet(path: &Path, headers: &[String], rows: &[Vec<String>], typed: bool) {
    let is_num = |h: &str| typed && NUMERIC.contains(&h);
    let fields: Vec<String> = headers
        .iter()
        .map(|h| if is_num(h) { format!("optional double {h};") } else { format!("optional binary {h} (UTF8);") })
        .collect();
    let schema = Arc::new(parse_message_type(&format!("message m {{ {} }}", fields.join(" "))).unwrap());
    let mut w =
        SerializedFileWriter::new(File::create(path).unwrap(), schema, Arc::new(WriterProperties::default())).unwrap();
    for group in rows.chunks(128) {
        let mut rg = w.next_row_group().unwrap();
        for (j, h) in headers.iter().enumerate() {
            let mut c = rg.next_column().unwrap().unwrap();
            let defs: Vec<i16> = group.iter().map(|r| i16::from(!r[j].is_empty())).collect();
            let cells = group.iter().map(|r| r[j].as_str()).filter(|v| !v.is_empty());
            if is_num(h) {
                let v: Vec<f64> = cells.map(|v| v.parse().unwrap()).collect();
                c.typed::<DoubleType>().write_batch(&v, Some(&defs), None).unwrap();
            } else {
                let v: Vec<ByteArray> = cells.map(ByteArray::from).collect();
                c.typed::<ByteArrayType>().write_batch(&v, Some(&defs), None).unwrap();
            }
            c.close().unwrap();
        }
        rg.close().unwrap();
    }
    w.close().unwrap();
}

/// Scores `input` into `out` (all three formats), allowing rejects; returns each output's bytes
/// and the rejects file's records (without its header).
fn score(model: &ModelFile, input: &Path, dir: &Path, name: &str) -> (Vec<Vec<u8>>, Vec<Vec<String>>) {
    let mut outputs = Vec::new();
    let mut rejects = Vec::new();
    for format in [Format::Csv, Format::Jsonl, Format::Parquet] {
        let out = dir.join(format!("{name}.{format:?}"));
        let mut opts = ScoreOptions::new(input, &out);
        opts.scored_at = "2026-01-01T00:00:00Z".into();
        opts.format = format;
        opts.max_reject_rate = 1.0;
        let s = score_file(model, &opts).unwrap();
        assert_eq!(s.rows_read, 600);
        outputs.push(std::fs::read(&out).unwrap());
        rejects = match csv::Reader::from_path(opts.rejects_path()) {
            Ok(mut r) => r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect(),
            Err(_) => Vec::new(),
        };
    }
    (outputs, rejects)
}

#[test]
fn csv_and_parquet_sources_give_the_same_bytes_and_rejects() {
    let model = ModelFile::load(&root().join("models/golden-v1.json")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Row 3: a null (empty) number, scored as missing; row 200: text in a number column, a
    // reject; row 401: a number in a category column.
    let (headers, rows) = customers(&[(3, "monthly_fee", ""), (200, "logins_30d", "many"), (401, "plan", "7")]);
    write_csv(&d.join("in.csv"), &headers, &rows);
    write_parquet(&d.join("text.parquet"), &headers, &rows, false);
    let (csv_out, csv_rejects) = score(&model, &d.join("in.csv"), d, "csv");
    let (text_out, text_rejects) = score(&model, &d.join("text.parquet"), d, "text");
    assert!(csv_out == text_out, "CSV and Parquet (text columns) outputs differ");
    // The reject names the same column, value and reason; the line is the CSV's line (header
    // on line 1) and the Parquet row number.
    assert_eq!(csv_rejects.len(), 1, "{csv_rejects:?}");
    assert_eq!(csv_rejects[0][0], "202");
    assert_eq!(text_rejects[0][0], "201");
    assert_eq!(&csv_rejects[0][1..3], ["logins_30d", "many"]);
    assert_eq!(csv_rejects[0][1..], text_rejects[0][1..]);

    // Typed columns: numbers read as DOUBLE give the same bytes (the CSV's numbers are
    // written in their shortest form, so the text of the f64 is the CSV's text).
    let (headers, mut rows) = customers(&[(3, "monthly_fee", ""), (17, "tickets", "")]);
    // The CSV's numbers in their shortest form (`208.20` is `208.2`): the drivers show a
    // value's text, and a DOUBLE's text is its shortest form.
    for (j, h) in headers.iter().enumerate().filter(|(_, h)| NUMERIC.contains(&h.as_str())) {
        for r in rows.iter_mut().filter(|r| !r[j].is_empty()) {
            r[j] = format!("{}", r[j].parse::<f64>().unwrap_or_else(|e| panic!("{h}: {e}")));
        }
    }
    write_csv(&d.join("clean.csv"), &headers, &rows);
    write_parquet(&d.join("typed.parquet"), &headers, &rows, true);
    let (clean_out, _) = score(&model, &d.join("clean.csv"), d, "clean");
    let (typed_out, _) = score(&model, &d.join("typed.parquet"), d, "typed");
    assert!(clean_out == typed_out, "CSV and Parquet (DOUBLE columns) outputs differ");
    assert_ne!(clean_out[0], csv_out[0], "the edits change the scores");
}
