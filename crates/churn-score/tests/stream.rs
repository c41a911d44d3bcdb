//! The streaming scorer: blocks of whole records scored in parallel must give exactly the
//! output of scoring row by row, whatever the block size, with every row accounted for.

use std::path::{Path, PathBuf};

use churn_model::ModelFile;
use churn_score::{score_file, Format, ScoreOptions};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/customers-small.csv")
}

fn model(kind: churn_train::ModelKind) -> ModelFile {
    let mut opts = churn_train::TrainOptions::new(fixture(), "churned");
    opts.id = Some("account_id".into());
    opts.models = vec![kind];
    churn_train::train(&opts).unwrap().model
}

fn score(model: &ModelFile, input: &Path, dir: &Path, block_bytes: usize, drivers: usize) -> (String, u64, u64) {
    let out = dir.join(format!("out-{block_bytes}-{drivers}.csv"));
    let mut opts = ScoreOptions::new(input, &out);
    opts.scored_at = "2026-01-01T00:00:00Z".into();
    opts.block_bytes = block_bytes;
    opts.drivers = drivers;
    opts.max_reject_rate = 1.0;
    let s = score_file(model, &opts).unwrap();
    assert_eq!(s.rows_read, s.rows_scored + s.rows_rejected);
    (std::fs::read_to_string(&out).unwrap(), s.rows_read, s.rows_rejected)
}

/// The scores computed one row at a time with the model's own row API.
fn reference(model: &ModelFile, input: &Path) -> Vec<(String, f64)> {
    let table = churn_core::Table::read(input).unwrap();
    let cols = model.bind_columns(input, table.headers()).unwrap();
    let id = table.column_index("account_id").unwrap();
    let mut buf = vec![0.0; model.preprocessing.width()];
    (0..table.n_rows())
        .map(|i| {
            let fields: Vec<&str> = cols.iter().map(|&j| table.field(i, j)).collect();
            (table.field(i, id).to_string(), model.score_fields(&fields, &mut buf).unwrap().1)
        })
        .collect()
}

#[test]
fn any_block_size_gives_the_same_bytes_as_row_by_row_scoring() {
    let dir = tempfile::tempdir().unwrap();
    for kind in [churn_train::ModelKind::Logistic, churn_train::ModelKind::Gbdt] {
        let m = model(kind);
        let want = reference(&m, &fixture());
        let (first, read, rejected) = score(&m, &fixture(), dir.path(), 1 << 19, 3);
        assert_eq!((read, rejected), (600, 0));
        let lines: Vec<&str> = first.lines().collect();
        assert_eq!(lines.len(), 601);
        for (line, (id, p)) in lines[1..].iter().zip(&want) {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f[0], id);
            assert_eq!(f[1].parse::<f64>().unwrap(), *p, "{line}");
        }
        for block in [1, 100, 4096, 50_000] {
            assert_eq!(score(&m, &fixture(), dir.path(), block, 3).0, first, "{kind:?}, block {block}");
        }
    }
}

#[test]
fn quoted_newlines_blank_lines_and_bad_rows_keep_their_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(churn_train::ModelKind::Logistic);
    let text = std::fs::read_to_string(fixture()).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    // Line 3: an id with a quoted newline (the record spans lines 3-4), so later records
    // are one line further down; line 9 is blank; line 13: a ragged row; line 16: not a
    // boolean; line 22: invalid UTF-8 in a used column.
    lines[2] = lines[2].replacen("A00001", "\"A0\n0001\"", 1);
    lines.insert(7, String::new());
    lines[11] = "A99999,pro,1".into();
    lines[14] = lines[14].replacen(",yes,", ",perhaps,", 1).replacen(",no,", ",perhaps,", 1);
    let mut bytes = lines.join("\n").into_bytes();
    bytes.push(b'\n');
    let at = bytes.windows(7).position(|w| w == b"A00018,").unwrap();
    let comma = at + bytes[at..].iter().position(|&b| b == b',').unwrap();
    bytes.splice(comma + 1..comma + 1, [0xff, 0xfe]);
    let input = dir.path().join("odd.csv");
    std::fs::write(&input, &bytes).unwrap();
    let mut seen = None;
    for block in [1, 64, 1 << 19] {
        let (out, read, rejected) = score(&m, &input, dir.path(), block, 0);
        assert_eq!((read, rejected), (600, 3), "block {block}");
        assert!(out.contains("\"A0\n0001\","), "{}", &out[..300]);
        let rejects = std::fs::read_to_string(dir.path().join(format!("out-{block}-0.csv.rejects.csv"))).unwrap();
        let rows: Vec<&str> = rejects.lines().collect();
        assert_eq!(rows[0], "line,column,value,reason");
        assert_eq!(rows[1], "13,,3 fields,expected 8 fields as in the header", "block {block}");
        assert!(rows[2].starts_with("16,autopay,perhaps,\"not a boolean"), "{}", rows[2]);
        assert!(rows[3].starts_with("22,plan,\u{fffd}\u{fffd}pro,"), "{}", rows[3]);
        assert!(rows[3].ends_with(",not valid UTF-8"), "{}", rows[3]);
        match &seen {
            None => seen = Some(out),
            Some(first) => assert_eq!(&out, first, "block {block}"),
        }
    }
}

#[test]
fn jsonl_and_gzip_inputs_agree_with_csv() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(churn_train::ModelKind::Gbdt);
    let gz = dir.path().join("c.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    std::io::copy(&mut std::fs::File::open(fixture()).unwrap(), &mut enc).unwrap();
    enc.finish().unwrap();
    assert_eq!(score(&m, &gz, dir.path(), 1000, 2).0, score(&m, &fixture(), dir.path(), 1 << 19, 2).0);
    let out = dir.path().join("s.jsonl");
    let mut opts = ScoreOptions::new(fixture(), &out);
    opts.format = Format::Jsonl;
    opts.block_bytes = 777;
    score_file(&m, &opts).unwrap();
    let want = reference(&m, &fixture());
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 600);
    for (r, (id, p)) in rows.iter().zip(&want) {
        assert_eq!(r["account_id"], id.as_str());
        assert_eq!(r["churn_probability"].as_f64().unwrap(), *p);
    }
}

/// customers-small.csv as a Parquet file with typed columns (numbers as INT64 / DOUBLE).
fn fixture_as_parquet(path: &Path) {
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    let table = churn_core::Table::read(&fixture()).unwrap();
    let schema = "message m { required binary account_id (UTF8); required binary plan (UTF8);
        required double monthly_fee; required int64 logins_30d; required int64 tickets;
        required binary autopay (UTF8); optional int64 last_nps; required binary churned (UTF8); }";
    let schema = std::sync::Arc::new(parquet::schema::parser::parse_message_type(schema).unwrap());
    let props = std::sync::Arc::new(WriterProperties::builder().build());
    let mut w = SerializedFileWriter::new(std::fs::File::create(path).unwrap(), schema, props).unwrap();
    let mut rg = w.next_row_group().unwrap();
    let n = table.n_rows();
    for j in 0..table.n_cols() {
        let col: Vec<&str> = (0..n).map(|i| table.field(i, j)).collect();
        let mut c = rg.next_column().unwrap().unwrap();
        match j {
            2 => {
                let v: Vec<f64> = col.iter().map(|s| s.parse().unwrap()).collect();
                c.typed::<DoubleType>().write_batch(&v, None, None).unwrap();
            }
            3 | 4 => {
                let v: Vec<i64> = col.iter().map(|s| s.parse().unwrap()).collect();
                c.typed::<Int64Type>().write_batch(&v, None, None).unwrap();
            }
            6 => {
                let v: Vec<i64> = col.iter().filter_map(|s| s.parse().ok()).collect();
                let defs: Vec<i16> = col.iter().map(|s| s.parse::<i64>().is_ok() as i16).collect();
                c.typed::<Int64Type>().write_batch(&v, Some(&defs), None).unwrap();
            }
            _ => {
                let v: Vec<ByteArray> = col.iter().map(|s| ByteArray::from(*s)).collect();
                c.typed::<ByteArrayType>().write_batch(&v, None, None).unwrap();
            }
        }
        c.close().unwrap();
    }
    rg.close().unwrap();
    w.close().unwrap();
}

#[test]
fn parquet_input_and_output_carry_the_same_scores_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(churn_train::ModelKind::Gbdt);
    let pq = dir.path().join("customers.parquet");
    fixture_as_parquet(&pq);
    let (from_csv, _, _) = score(&m, &fixture(), dir.path(), 1 << 19, 3);
    let out = dir.path().join("from-parquet.csv");
    let mut opts = ScoreOptions::new(&pq, &out);
    opts.scored_at = "2026-01-01T00:00:00Z".into();
    let s = score_file(&m, &opts).unwrap();
    assert_eq!((s.rows_read, s.rows_rejected), (600, 0));
    // The same scores; risk drivers quote the input text, so `60.00` in the CSV reads `60`
    // from a Parquet double.
    let head = |t: &str| -> Vec<String> {
        t.lines().map(|l| l.splitn(6, ',').take(5).collect::<Vec<_>>().join(",")).collect()
    };
    let got = std::fs::read_to_string(&out).unwrap();
    assert_eq!(head(&got), head(&from_csv));
    assert!(from_csv.contains("monthly_fee=60.00 (") && got.contains("monthly_fee=60 ("));

    // Parquet output: read back, the same rows as the CSV output.
    let out = dir.path().join("scores.parquet");
    let mut opts = ScoreOptions::new(fixture(), &out);
    opts.scored_at = "2026-01-01T00:00:00Z".into();
    opts.format = Format::Parquet;
    score_file(&m, &opts).unwrap();
    let mut src = churn_score::parquet::ParquetSource::open(&out).unwrap();
    assert_eq!(src.headers().to_vec(), churn_score::output_columns(&m, 3));
    let mut text = Vec::new();
    while src.next_block(1000, &mut text).unwrap() > 0 {}
    let read = |t: &[u8]| -> Vec<csv::StringRecord> {
        csv::ReaderBuilder::new().has_headers(false).from_reader(t).records().map(Result::unwrap).collect()
    };
    let (got, want) = (read(&text), read(from_csv.split_once('\n').unwrap().1.as_bytes()));
    assert_eq!(got.len(), 600);
    for (g, w) in got.iter().zip(&want) {
        for (k, (a, b)) in g.iter().zip(w.iter()).enumerate() {
            match k {
                1 | 3 => assert_eq!(a.parse::<f64>().unwrap(), b.parse::<f64>().unwrap()),
                _ => assert_eq!(a, b, "column {k}"),
            }
        }
    }
}

#[test]
fn crlf_endings_and_quoted_fields_read_as_the_plain_file() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(churn_train::ModelKind::Logistic);
    let text = std::fs::read_to_string(fixture()).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[30] = "A99999,pro,1".into(); // a ragged row on line 31
    let plain = dir.path().join("plain.csv");
    std::fs::write(&plain, lines.join("\n") + "\n").unwrap();
    // CRLF endings, a blank CRLF line after line 10 and every 7th record's fields quoted:
    // csv-core reads those records, the fast splitter the others.
    let mut odd: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i % 7 == 3 {
                l.split(',').map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(",")
            } else {
                l.clone()
            }
        })
        .collect();
    odd.insert(10, String::new());
    let crlf = dir.path().join("crlf.csv");
    std::fs::write(&crlf, odd.join("\r\n") + "\r\n").unwrap();
    let (want, read, rejected) = score(&m, &plain, dir.path(), 1 << 19, 3);
    assert_eq!((read, rejected), (600, 1));
    let plain_rejects = std::fs::read_to_string(dir.path().join("out-524288-3.csv.rejects.csv")).unwrap();
    assert!(plain_rejects.contains("\n31,,3 fields,"), "{plain_rejects}");
    for block in [1, 64, 1 << 19] {
        let (got, read, rejected) = score(&m, &crlf, dir.path(), block, 3);
        assert_eq!((read, rejected), (600, 1), "block {block}");
        assert_eq!(got, want, "block {block}");
        let rejects = std::fs::read_to_string(dir.path().join(format!("out-{block}-3.csv.rejects.csv"))).unwrap();
        // One line further down: the blank line inserted before it.
        assert!(rejects.contains("\n32,,3 fields,"), "block {block}: {rejects}");
    }
}

#[test]
fn a_read_error_mid_stream_stops_the_run_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(churn_train::ModelKind::Gbdt);
    let gz = dir.path().join("cut.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for _ in 0..20 {
        std::io::Write::write_all(&mut enc, &std::fs::read(fixture()).unwrap()[..]).unwrap();
    }
    let bytes = enc.finish().unwrap();
    // Corrupt the deflate stream two thirds of the way in: the header and many blocks read fine.
    let mut bad = bytes.clone();
    let at = bad.len() * 2 / 3;
    for b in &mut bad[at..at + 64] {
        *b = !*b;
    }
    std::fs::write(&gz, &bad).unwrap();
    let out = dir.path().join("scores.csv");
    let mut opts = ScoreOptions::new(&gz, &out);
    opts.block_bytes = 4096;
    let e = score_file(&m, &opts).unwrap_err().to_string();
    assert!(e.contains("cut.csv.gz") && !e.contains("rejected"), "{e}");
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "only the input is left");
}
