//! Snapshot tests of the emitted SQL (BigQuery and Snowflake cannot run here; DuckDB and Spark
//! run in `.ci/steps/60-sql-engines.sh`), and the generator's errors.
//!
//! `CHURN_SQL_BLESS=1 cargo test -p churn-sql --test snapshots` rewrites the snapshots after an
//! intended change; review the diff.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use churn_sql::{features_sql, model_sql, table_names, Dialect, SqlError};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn check_snapshot(name: &str, sql: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name);
    if std::env::var_os("CHURN_SQL_BLESS").is_some() {
        std::fs::write(&path, sql).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (CHURN_SQL_BLESS=1 writes it)", path.display()));
    assert!(want == sql, "{name} differs from its snapshot (CHURN_SQL_BLESS=1 rewrites it after review)");
}

fn spec(rel: &str) -> churn_features::FeatureSpec {
    churn_features::load_spec(&root().join(rel)).unwrap()
}

const ALL: [Dialect; 4] = [Dialect::DuckDb, Dialect::Spark, Dialect::BigQuery, Dialect::Snowflake];

#[test]
fn feature_sql_snapshots() {
    for (name, rel) in [
        ("features-example", "datasets/features-example/spec.toml"),
        ("socialnet7", "datasets/fightchurn_socialnet7.toml"),
        ("transactions-no-bgnbd", "crates/churn-sql/engine-tests/transactions-no-bgnbd.toml"),
    ] {
        let s = spec(rel);
        let tables = table_names(&s, &[]).unwrap();
        for d in ALL {
            let sql = features_sql(&s, d, &tables).unwrap();
            check_snapshot(&format!("{name}.{d}.sql"), &sql);
        }
    }
}

#[test]
fn model_sql_snapshots() {
    let m = churn_model::ModelFile::load(&root().join("models/golden-v1.json")).unwrap();
    for d in ALL {
        check_snapshot(&format!("golden-v1.{d}.sql"), &model_sql(&m, d, "input").unwrap());
    }
}

/// A tree ensemble (nested CASE per tree) in every dialect: a 3-tree GBDT trained on the telco
/// split (`churn train --data splits/telco/train.csv --label Churn --id customerID --models gbdt
/// --gbdt-trees 3 --cv-folds off`, `SOURCE_DATE_EPOCH=0`). DuckDB and Spark run GBDT SQL against
/// `churn score` in the CI step; BigQuery and Snowflake get this snapshot and the parse check.
#[test]
fn tree_model_sql_snapshots() {
    let m =
        churn_model::ModelFile::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/telco-gbdt3.json"))
            .unwrap();
    for d in ALL {
        let sql = model_sql(&m, d, "input").unwrap();
        // Three trees, each a CASE over its splits, summed into the raw score.
        assert!(sql.matches("CASE WHEN").count() >= 3 * 2, "{d}: {sql}");
        check_snapshot(&format!("telco-gbdt3.{d}.sql"), &sql);
    }
}

#[test]
fn renamed_tables_are_quoted_part_by_part() {
    let s = spec("datasets/features-example/spec.toml");
    let t = table_names(&s, &[("activity".into(), "db.ev\"ents".into())]).unwrap();
    let sql = features_sql(&s, Dialect::DuckDb, &t).unwrap();
    assert!(sql.contains("FROM \"db\".\"ev\"\"ents\""), "{sql}");
    assert!(sql.contains("FROM \"subscriptions\""));
    assert!(sql.contains("FROM \"static_1\""));
    let sql = features_sql(&s, Dialect::Spark, &t).unwrap();
    assert!(sql.contains("FROM `db`.`ev\"ents`"));
}

#[test]
fn bad_table_mappings_are_errors() {
    let s = spec("datasets/features-example/spec.toml");
    let e = table_names(&s, &[("static_2".into(), "x".into())]).unwrap_err();
    assert!(matches!(e, SqlError::UnknownTable { .. }));
    assert_eq!(
        e.to_string(),
        "--table static_2=...: the query reads no table 'static_2' (its tables: activity, subscriptions, static_1)"
    );
    let e = table_names(&s, &[("activity".into(), "db.".into())]).unwrap_err();
    assert!(matches!(e, SqlError::BadTableName { .. }), "{e}");
    let e = features_sql(&s, Dialect::DuckDb, &BTreeMap::new()).unwrap_err();
    assert_eq!(e.to_string(), "no table name for 'subscriptions'");
    let m = churn_model::ModelFile::load(&root().join("models/golden-v1.json")).unwrap();
    assert!(matches!(model_sql(&m, Dialect::Spark, "a..b"), Err(SqlError::BadTableName { .. })));
}

#[test]
fn unknown_dialects_are_named() {
    let e = "postgres".parse::<Dialect>().unwrap_err();
    assert_eq!(e.to_string(), "unknown SQL dialect 'postgres' (valid: duckdb, spark, bigquery, snowflake)");
    assert_eq!("DuckDB".parse::<Dialect>().unwrap(), Dialect::DuckDb);
}

#[test]
fn identifiers_and_strings_cannot_escape_their_quotes() {
    let hostile = "a\"b`c'd\\e; DROP TABLE x --";
    assert_eq!(Dialect::DuckDb.ident(hostile), "\"a\"\"b`c'd\\e; DROP TABLE x --\"");
    assert_eq!(Dialect::Snowflake.ident(hostile), "\"a\"\"b`c'd\\e; DROP TABLE x --\"");
    assert_eq!(Dialect::Spark.ident(hostile), "`a\"b``c'd\\e; DROP TABLE x --`");
    assert_eq!(Dialect::BigQuery.ident(hostile), "`a\"b\\`c'd\\\\e; DROP TABLE x --`");
    assert_eq!(Dialect::DuckDb.string(hostile), "'a\"b`c''d\\e; DROP TABLE x --'");
    assert_eq!(Dialect::Snowflake.string(hostile), "'a\"b`c''d\\\\e; DROP TABLE x --'");
    assert_eq!(Dialect::Spark.string(hostile), "'a\"b`c\\'d\\\\e; DROP TABLE x --'");
    assert_eq!(Dialect::BigQuery.string(hostile), "'a\"b`c\\'d\\\\e; DROP TABLE x --'");
}

#[test]
fn doubles_are_written_to_round_trip() {
    for v in [0.1, -1.0 / 3.0, 1e-300, 123456789.125, 5e-324, -0.0] {
        let lit = Dialect::DuckDb.double(v);
        let inner = lit.trim_start_matches("CAST(").trim_end_matches(" AS DOUBLE)");
        assert_eq!(inner.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{lit}");
    }
}

#[test]
fn bgnbd_is_refused_by_name_in_every_dialect() {
    // The example spec lists no features: its defaults include the BG/NBD family.
    let s = spec("datasets/transactions-small/spec.toml");
    let tables = table_names(&s, &[]).unwrap();
    for d in ALL {
        let e = features_sql(&s, d, &tables).unwrap_err();
        assert!(matches!(e, SqlError::Unsupported { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains("feature `purchase_bgnbd_p_alive` (kind `bgnbd`"), "{msg}");
        assert!(msg.contains(&format!("for the {d} dialect")), "{msg}");
        assert!(msg.contains("churn features"), "{msg}");
    }
    // Listed explicitly, it is refused by its entry too.
    let mut s2 = spec("crates/churn-sql/engine-tests/transactions-no-bgnbd.toml");
    s2.features.push(serde_json::from_str(r#"{"kind": "bgnbd", "events": "purchase"}"#).unwrap());
    let e = features_sql(&s2, Dialect::Spark, &table_names(&s2, &[]).unwrap()).unwrap_err();
    assert!(e.to_string().contains("features[3] of kind `bgnbd`"), "{e}");
}

#[test]
fn specs_without_subscriptions_read_only_the_activity_table() {
    let s = spec("crates/churn-sql/engine-tests/transactions-no-bgnbd.toml");
    assert_eq!(churn_sql::default_tables(&s), vec!["activity".to_string()]);
    let e = table_names(&s, &[("subscriptions".into(), "x".into())]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--table subscriptions=...: the query reads no table 'subscriptions' (its tables: activity)"
    );
    let sql = features_sql(&s, Dialect::DuckDb, &table_names(&s, &[]).unwrap()).unwrap();
    assert!(sql.starts_with("WITH z_act AS"), "{sql}");
    assert!(!sql.contains("subscriptions"));
    // The id column is the activity table's account column.
    assert!(sql.contains("s.z_a AS \"customer_id\""));
}
