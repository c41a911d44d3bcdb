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
