#!/usr/bin/env bash
# The partitioned Spark job gives byte-identical scores to one local `churn score` run.
#   examples/spark/check.sh MODEL INPUT.csv [PARTITIONS]
# Needs CHURN_BIN and a python with pyspark and pyarrow (PYTHON, default python3).
set -euo pipefail
model=$1; input=$2; parts=${3:-4}
PY=${PYTHON:-python3}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$CHURN_BIN" score --model "$model" --data "$input" --out "$work/local.csv" >/dev/null
"$PY" "$(dirname "$0")/score_partitions.py" "$model" "$input" "$work/spark.csv" --partitions "$parts"
cmp "$work/local.csv" "$work/spark.csv"
echo "ok  spark partitioned scoring ($parts partitions): $(($(wc -l < "$work/local.csv") - 1)) rows, byte-identical to one local run ($(wc -c < "$work/local.csv") bytes)"
