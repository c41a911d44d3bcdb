//! One format everywhere: every command that reads a data file reads CSV, gzipped CSV and
//! Parquet through the same reader (`churn_core::Table::read`, dispatching on the `PAR1` magic),
//! so the telco split as Parquet gives the same results as the CSV files.
//!
//! The Parquet files are written here with the parquet crate's own writer, independently of the
//! reader: integer columns as INT64, other numbers as DOUBLE, text as UTF-8 strings, blank
//! cells (telco's `TotalCharges`) as nulls.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::churn;
use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

/// Converts a CSV file to Parquet (snappy, one row group).
fn csv_to_parquet(csv_path: &Path, out: &Path) {
    let mut rdr = csv::Reader::from_path(csv_path).unwrap();
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<Vec<String>> =
        rdr.records().map(|r| r.unwrap().iter().map(|f| f.trim().to_string()).collect()).collect();
    let col = |j: usize| rows.iter().map(move |r| r[j].as_str());
    #[derive(Clone, Copy, PartialEq)]
    enum K {
        Int,
        Num,
        Text,
    }
    let kinds: Vec<K> = (0..headers.len())
        .map(|j| {
            let present: Vec<&str> = col(j).filter(|v| !v.is_empty()).collect();
            if present.iter().all(|v| v.parse::<i64>().is_ok()) {
                K::Int
            } else if present.iter().all(|v| v.parse::<f64>().is_ok()) {
                K::Num
            } else {
                K::Text
            }
        })
        .collect();
    let fields = headers
        .iter()
        .zip(&kinds)
        .map(|(h, k)| {
            let b = match k {
                K::Int => Type::primitive_type_builder(h, PhysicalType::INT64),
                K::Num => Type::primitive_type_builder(h, PhysicalType::DOUBLE),
                K::Text => Type::primitive_type_builder(h, PhysicalType::BYTE_ARRAY)
                    .with_logical_type(Some(LogicalType::String)),
            };
            Arc::new(b.with_repetition(Repetition::OPTIONAL).build().unwrap())
        })
        .collect();
    let schema = Arc::new(Type::group_type_builder("schema").with_fields(fields).build().unwrap());
    let props = Arc::new(WriterProperties::builder().set_compression(Compression::SNAPPY).build());
    let mut w = SerializedFileWriter::new(File::create(out).unwrap(), schema, props).unwrap();
    let mut rg = w.next_row_group().unwrap();
    for (j, k) in kinds.iter().enumerate() {
        let defs: Vec<i16> = col(j).map(|v| i16::from(!v.is_empty())).collect();
        let present = col(j).filter(|v| !v.is_empty());
        let mut c = rg.next_column().unwrap().unwrap();
        match k {
            K::Int => {
                let v: Vec<i64> = present.map(|v| v.parse().unwrap()).collect();
                c.typed::<Int64Type>().write_batch(&v, Some(&defs), None).unwrap();
            }
            K::Num => {
                let v: Vec<f64> = present.map(|v| v.parse().unwrap()).collect();
                c.typed::<DoubleType>().write_batch(&v, Some(&defs), None).unwrap();
            }
            K::Text => {
                let v: Vec<ByteArray> = present.map(|v| ByteArray::from(v.as_bytes().to_vec())).collect();
                c.typed::<ByteArrayType>().write_batch(&v, Some(&defs), None).unwrap();
            }
        }
        c.close().unwrap();
    }
    rg.close().unwrap();
    w.close().unwrap();
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// Removes the fields that name the input file (or hash its exact text) from a JSON value.
fn without(mut v: serde_json::Value, pointers: &[&str]) -> serde_json::Value {
    for p in pointers {
        let (parent, key) = p.rsplit_once('/').unwrap();
        let obj = v.pointer_mut(parent).unwrap_or_else(|| panic!("no {parent}")).as_object_mut().unwrap();
        assert!(obj.remove(key).is_some(), "no {p}");
    }
    v
}

struct Split {
    _dir: tempfile::TempDir,
    csv: (PathBuf, PathBuf),
    pq: (PathBuf, PathBuf),
    out: PathBuf,
}

fn telco() -> Option<Split> {
    let shared = common::shared_data()?;
    let dir = tempfile::tempdir().unwrap();
    let src = shared.join("splits/telco");
    let pq = (dir.path().join("train.parquet"), dir.path().join("test.parquet"));
    csv_to_parquet(&src.join("train.csv"), &pq.0);
    csv_to_parquet(&src.join("test.csv"), &pq.1);
    assert_eq!(&std::fs::read(&pq.0).unwrap()[..4], b"PAR1");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    Some(Split { csv: (src.join("train.csv"), src.join("test.csv")), pq, out, _dir: dir })
}

const TRAIN: &[&str] = &["--label", "Churn", "--positive", "Yes", "--id", "customerID", "--seed", "3"];

#[test]
fn every_command_reads_the_telco_split_as_parquet_like_csv() {
    let Some(s) = telco() else { return };
    let o = &s.out;
    // train: the same model; only the file name, the hash of its exact text and the content id
    // (which covers them) differ.
    let mut models = Vec::new();
    for (tag, train) in [("csv", &s.csv.0), ("pq", &s.pq.0)] {
        let model = o.join(format!("model-{tag}.json"));
        churn().args(["train", "--data"]).arg(train).args(TRAIN).arg("--out").arg(&model).assert().success();
        models.push(model);
    }
    let strip = ["/model_id", "/training/data_file", "/training/data_fingerprint"];
    let (a, b) = (json(&models[0]), json(&models[1]));
    assert_eq!(a["training"]["data_file"], "train.csv");
    assert_eq!(b["training"]["data_file"], "train.parquet");
    assert_eq!(without(a, &strip), without(b, &strip), "the Parquet-trained model differs");
    let model = &models[0];

    // evaluate, drift, explain: identical JSON; report: identical but for the file name.
    for (tag, test) in [("csv", &s.csv.1), ("pq", &s.pq.1)] {
        churn()
            .args(["evaluate", "--model"])
            .arg(model)
            .arg("--data")
            .arg(test)
            .arg("--json")
            .arg(o.join(format!("eval-{tag}.json")))
            .assert()
            .success();
        churn()
            .args(["drift", "--model"])
            .arg(model)
            .arg("--data")
            .arg(test)
            .arg("--json")
            .arg(o.join(format!("drift-{tag}.json")))
            .assert()
            .code(0);
        churn()
            .args(["report", "--model"])
            .arg(model)
            .arg("--data")
            .arg(test)
            .args(["--bootstrap", "200", "--out"])
            .arg(o.join(format!("report-{tag}")))
            .assert()
            .success();
        let ex = churn()
            .args(["explain", "--model"])
            .arg(model)
            .arg("--data")
            .arg(test)
            .args(["--id", "5709-LVOEQ", "--json"])
            .assert()
            .success();
        std::fs::write(o.join(format!("explain-{tag}.json")), &ex.get_output().stdout).unwrap();
        churn()
            .env("SOURCE_DATE_EPOCH", "0")
            .args(["score", "--quiet", "--model"])
            .arg(model)
            .arg("--data")
            .arg(test)
            .arg("--out")
            .arg(o.join(format!("scores-{tag}.csv")))
            .assert()
            .success();
    }
    let same = |name: &str, strip: &[&str]| {
        let read = |tag: &str| {
            let mut v = without(json(&o.join(name.replace("TAG", tag))), strip);
            if let Some(rows) = v.pointer_mut("/surprise_churns/accounts").and_then(|v| v.as_array_mut()) {
                rows.iter_mut().for_each(|a| drop(a.as_object_mut().unwrap().remove("line")));
            }
            v
        };
        let (a, b) = (read("csv"), read("pq"));
        assert_eq!(a, b, "{name}: Parquet and CSV differ");
        a
    };
    let e = same("eval-TAG.json", &[]);
    assert!(e.to_string().contains("auc"), "{e}");
    let d = same("drift-TAG.json", &["/data"]);
    assert!(!d.to_string().is_empty());
    // Rows are named by file line in a CSV file and by row number in a Parquet file (the header
    // is not a row): the surprise churns' `line` is the one field that differs.
    let lines = |tag: &str| {
        let mut r = json(&o.join(format!("report-{tag}/report.json")));
        let rows = r.pointer_mut("/surprise_churns/accounts").and_then(|v| v.as_array_mut()).unwrap();
        assert!(!rows.is_empty());
        rows.iter_mut()
            .map(|a| a.as_object_mut().unwrap().remove("line").unwrap().as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    let (lc, lp) = (lines("csv"), lines("pq"));
    assert_eq!(lc.iter().map(|l| l - 1).collect::<Vec<_>>(), lp);
    let r = same("report-TAG/report.json", &["/data/source"]);
    assert_eq!(r["data"]["rows"], 1409);
    let x = same("explain-TAG.json", &[]);
    assert_eq!(x["id"], "5709-LVOEQ");
    let scores = |tag: &str| {
        let t = std::fs::read_to_string(o.join(format!("scores-{tag}.csv"))).unwrap();
        // scored_at is the clock; everything before it is the same, except that a driver shows
        // the cell's text (`TotalCharges= ` for a blank CSV cell, `TotalCharges=` for a null).
        t.lines()
            .map(|l| {
                let l = l.rsplit_once(',').unwrap().0;
                l.split(',')
                    .map(|f| match (f.split_once('='), f.rfind(" (")) {
                        (Some((name, _)), Some(i)) => format!("{name}{}", &f[i..]),
                        _ => f.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect::<Vec<_>>()
    };
    let (sc, sp) = (scores("csv"), scores("pq"));
    assert_eq!(sc.len(), 1410);
    for (a, b) in sc.iter().zip(&sp) {
        assert_eq!(a, b);
    }
    let raw = |tag: &str| std::fs::read_to_string(o.join(format!("scores-{tag}.csv"))).unwrap();
    let (rc, rp) = (raw("csv"), raw("pq"));
    // Where the bytes differ, it is a driver's value text: the same number (`100.0` in the CSV
    // file, the double 100 in Parquet) or a blank against a null.
    let value = |f: &str| f.split_once('=').map(|(_, v)| v.rsplit_once(" (").unwrap().0.trim().to_string());
    let mut differing = 0;
    for (a, b) in rc.lines().zip(rp.lines()).filter(|(a, b)| a != b) {
        differing += 1;
        for (x, y) in a.split(',').zip(b.split(',')).filter(|(x, y)| x != y) {
            let (vx, vy) = (value(x).unwrap(), value(y).unwrap());
            let same = vx.parse::<f64>().ok().zip(vy.parse::<f64>().ok()).is_some_and(|(p, q)| p == q)
                || (vx.is_empty() && vy.is_empty());
            assert!(same, "{x} vs {y}");
        }
    }
    assert!(differing < 20, "{differing}");
}

#[test]
fn health_validate_reads_parquet_like_csv() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    let csv_path = root.join("datasets/customers-small.csv");
    let pq = dir.path().join("customers.parquet");
    csv_to_parquet(&csv_path, &pq);
    let mut outs = Vec::new();
    for (tag, data) in [("csv", &csv_path), ("pq", &pq)] {
        let out = dir.path().join(format!("health-{tag}.json"));
        churn()
            .args(["health", "validate", "--config"])
            .arg(root.join("datasets/health-example.toml"))
            .arg("--data")
            .arg(data)
            .args(["--label", "churned", "--json"])
            .arg(&out)
            .assert()
            .success();
        outs.push(json(&out));
    }
    assert!(outs[0]["auc"].as_f64().is_some() || outs[0].to_string().contains("auc"), "{}", outs[0]);
    assert_eq!(outs[0], outs[1]);
}

#[test]
fn a_corrupt_parquet_file_is_an_error_naming_it_in_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("broken.parquet");
    std::fs::write(&p, b"PAR1 this is not a parquet file").unwrap();
    let out = dir.path().join("m.json");
    let a = churn().args(["train", "--data"]).arg(&p).args(["--label", "churned", "--out"]).arg(&out).assert().code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(err.contains("broken.parquet") && !err.contains("invalid utf-8"), "{err}");
}
