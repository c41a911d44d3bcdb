#!/usr/bin/env bash
# Benchmark: a generated raw event log through the SQL that `churn features --emit-sql`
# emits, run in DuckDB, against `churn features` itself; outputs compared cell by cell.
#
#   benchmarks/sql/run.sh            # EVENTS events (default 10 M) for ACCOUNTS accounts (default 20 k)
#   EVENTS=99000000 ACCOUNTS=100000 GZIP=1 benchmarks/sql/run.sh   # the issue's 99 M-event log
#
# GZIP=1 keeps the log gzipped (events.csv.gz: 0.8 GB instead of 3.8 GB at 99 M events; both
# engines read it as is); DATA=DIR puts the log elsewhere; REPEAT=N runs the query N times (best).
# Delete the data directory afterwards: it is not needed again.
#
# DuckDB loads events.csv into a table first (timed separately: a warehouse already has it).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
EVENTS=${EVENTS:-10000000}
ACCOUNTS=${ACCOUNTS:-20000}
THREADS=${THREADS:-2}
DATA=${DATA:-$HERE/data/events_$EVENTS}
GZIP=${GZIP:-0}
EV=events.csv$([ "$GZIP" = 1 ] && echo .gz)
export REPEAT=${REPEAT:-2}
OUT=$HERE/out
mkdir -p "$DATA" "$OUT"
VENV=${VENV:-$ROOT/target/sql-venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c "import duckdb" 2>/dev/null || "$VENV/bin/pip" install -q -r "$ROOT/crates/churn-sql/engine-tests/requirements.txt"

PROFILE=${PROFILE:-release}   # or dev (the workspace's dev profile is optimised, opt-level 2)
(cd "$ROOT" && cargo build --quiet --profile "$PROFILE" -p churn-cli && cargo build --quiet --profile "$PROFILE" -p churn-features --examples)
DIR=$CARGO_TARGET_DIR/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")
CHURN=$DIR/churn
if [ ! -f "$DATA/$EV" ]; then
    echo "generating $EVENTS events for $ACCOUNTS accounts into $DATA ..."
    "$DIR/examples/generate_events" --accounts "$ACCOUNTS" --events "$EVENTS" --days 365 --seed 11 --out "$DATA" \
        $([ "$GZIP" = 1 ] && echo --gzip)
fi
sed "s/\"events.csv\"/\"$EV\"/" "$ROOT/benchmarks/features/events_spec.toml" > "$DATA/spec.toml"
"$CHURN" features --spec "$DATA/spec.toml" --emit-sql --dialect duckdb --out "$OUT/features.duckdb.sql" 2>/dev/null

/usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$CHURN" features --spec "$DATA/spec.toml" --out "$OUT/rust.csv" >/dev/null
read -r RUST_WALL RUST_RSS < "$OUT/time.txt"

ROOT=$ROOT CHURN_BIN=$CHURN "$VENV/bin/python" "$HERE/bench.py" "$DATA/$EV" "$OUT" "$THREADS" "$RUST_WALL" "$RUST_RSS" "$EVENTS" | tee "$OUT/result.txt"
