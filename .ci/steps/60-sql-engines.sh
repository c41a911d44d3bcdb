#!/usr/bin/env bash
# churn-sql on real engines (issue 17): the SQL that `churn features --emit-sql` and
# `churn export-sql` emit, run on DuckDB and on a local Apache Spark (pyspark, Java 17), must
# return what `churn features` and `churn score` return; the BigQuery and Snowflake SQL must
# parse (sqlglot). Python tools go into a virtualenv under target/, pinned; never a product
# dependency. Bounded: Spark runs a subset of the cases that covers every feature family and label
# rule (11 queries, 43-137 s each on 2 cores at load ~14: features 11 min, inactivity 7 min
# when measured); each script under a timeout.
set -euo pipefail
venv="$PWD/target/sql-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import duckdb, pyspark, sqlglot, pyarrow, pandas" 2>/dev/null \
  || "$venv/bin/pip" install -q -r crates/churn-sql/engine-tests/requirements.txt
cargo build -q --release -p churn-cli
export CHURN_BIN="$PWD/target/release/churn"
export CHURN_SHARED="${CHURN_SHARED:-/work/shared}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd crates/churn-sql/engine-tests
"$venv/bin/python" parse_check.py | tail -1
timeout 1200 "$venv/bin/python" features_check.py "$work/features" duckdb spark
# Specs without subscriptions (inactivity labels, purchase-cycle features; BG/NBD refused).
timeout 900 "$venv/bin/python" inactivity_check.py "$work/inactivity" duckdb spark
timeout 600 "$venv/bin/python" model_check.py "$work/models" duckdb spark
# Partitioned scoring on Spark with the churn binary: byte-identical to one local run.
"$CHURN_BIN" train --data "$CHURN_SHARED/splits/telco/train.csv" --label Churn --id customerID --models gbdt \
  --out "$work/gbdt.json" >/dev/null
cd ../../..
PYTHON="$venv/bin/python" timeout 600 examples/spark/check.sh "$work/gbdt.json" "$CHURN_SHARED/splits/telco/test.csv" 4 2>/dev/null | tail -1
