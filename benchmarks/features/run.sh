#!/usr/bin/env bash
# Benchmark of churn-features against an equivalent pandas implementation.
#
#   benchmarks/features/run.sh [LARGE_DIR]
#
# 1. the book's simulated data (daily usage, 1.1 M rows): Rust vs pandas, outputs compared;
# 2. a generated raw event log of MEDIUM_EVENTS events (default 5 M): Rust vs pandas, compared;
# 3. a large raw event log (LARGE_DIR with events.csv + subscriptions.csv, e.g. from
#    `churn simulate --raw-events`, or generated here with LARGE_EVENTS events, default 100 M;
#    LARGE_EVENTS=0 skips it): Rust only, events/s and peak RSS.
# Environment: FIGHTCHURN (data dir), MEDIUM_EVENTS, MEDIUM_ACCOUNTS, LARGE_EVENTS, LARGE_ACCOUNTS,
# SNAP_START/SNAP_END/DATA_END (dates of LARGE_DIR's spec, default those of the generator).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target-features}
FIGHTCHURN=${FIGHTCHURN:-/work/shared/datasets/fightchurn_socialnet7_sim}
MEDIUM_EVENTS=${MEDIUM_EVENTS:-5000000}
MEDIUM_ACCOUNTS=${MEDIUM_ACCOUNTS:-10000}
LARGE_EVENTS=${LARGE_EVENTS:-100000000}
LARGE_ACCOUNTS=${LARGE_ACCOUNTS:-100000}
SNAP_START=${SNAP_START:-2024-03-01}
SNAP_END=${SNAP_END:-2024-12-01}
DATA_END=${DATA_END:-2024-12-31}
DATA=$HERE/data
OUT=$HERE/out
mkdir -p "$DATA" "$OUT"

if [ ! -x "$HERE/.venv/bin/python" ]; then
    echo "== creating $HERE/.venv (pandas, numpy)"
    python3 -m venv "$HERE/.venv"
    "$HERE/.venv/bin/pip" install --quiet pandas numpy
fi
PY=$HERE/.venv/bin/python

echo "== building (release)"
(cd "$ROOT" && cargo build --quiet --release -p churn-features --examples && cargo build --quiet --release -p churn-cli)
BIN=$CARGO_TARGET_DIR/release/examples
CHURN=$CARGO_TARGET_DIR/release/churn
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "/usr/bin/time is missing"; exit 1; }

# timed LABEL CMD...: runs CMD, prints wall/CPU seconds and peak RSS, sets WALL and CPU.
timed() {
    local label=$1; shift
    "$TIME" -f "%e %U %S %M" -o "$OUT/time.txt" "$@" > "$OUT/stdout.txt"
    read -r WALL U S RSS < "$OUT/time.txt"
    CPU=$(echo "$U + $S" | bc -l)
    printf '%-34s wall %7.2f s   cpu %7.2f s   peak RSS %6d MB\n' "$label" "$WALL" "$CPU" $((RSS / 1024))
}
ratio() { echo "scale=1; $1 / $2" | bc -l; }

echo
echo "== 1. fightchurn socialnet7 (daily_usage.csv.gz, 1,136,283 rows -> 6,608 observation rows)"
if [ -d "$FIGHTCHURN" ]; then
    best=999
    for i in 1 2 3; do
        timed "rust  (run $i)" "$CHURN" features --spec "$ROOT/datasets/fightchurn_socialnet7.toml" \
            --data-dir "$FIGHTCHURN" --out "$OUT/fightchurn_rust.csv"
        if (( $(echo "$WALL < $best" | bc -l) )); then best=$WALL; bestcpu=$CPU; fi
    done
    timed "pandas" "$PY" "$HERE/pandas_features.py" fightchurn "$FIGHTCHURN" "$OUT/fightchurn_pandas.csv"
    echo "speed-up (best rust run): wall $(ratio "$WALL" "$best")x, cpu $(ratio "$CPU" "$bestcpu")x"
    "$PY" "$HERE/compare.py" "$OUT/fightchurn_rust.csv" "$OUT/fightchurn_pandas.csv"
else
    echo "skipped: $FIGHTCHURN is absent"
fi

spec_for() {  # spec_for DIR -> prints the path of a spec with the right dates, in DIR's parent
    sed -e "s/2024-03-01/$2/; s/2024-12-01/$3/; s/2024-12-31/$4/" "$HERE/events_spec.toml" > "$1/spec.toml"
}

echo
echo "== 2. generated raw event log, $MEDIUM_EVENTS events, $MEDIUM_ACCOUNTS accounts"
MED=$DATA/medium_${MEDIUM_EVENTS}
if [ ! -f "$MED/events.csv" ]; then
    "$BIN/generate_events" --accounts "$MEDIUM_ACCOUNTS" --events "$MEDIUM_EVENTS" --days 365 --seed 7 --out "$MED"
fi
spec_for "$MED" 2024-03-01 2024-12-01 2024-12-31
timed "rust" "$CHURN" features --spec "$MED/spec.toml" --out "$OUT/medium_rust.csv"
rw=$WALL; rc=$CPU
rows=$(grep -o '^[0-9]* activity rows' "$OUT/stdout.txt" | cut -d' ' -f1)
echo "rust: $(echo "$rows / $rw" | bc) events/s"
timed "pandas" "$PY" "$HERE/pandas_features.py" events "$MED" "$OUT/medium_pandas.csv" 2024-03-01 2024-12-01 2024-12-31
echo "speed-up: wall $(ratio "$WALL" "$rw")x, cpu $(ratio "$CPU" "$rc")x"
"$PY" "$HERE/compare.py" "$OUT/medium_rust.csv" "$OUT/medium_pandas.csv"

echo
LARGE=${1:-}
if [ -z "$LARGE" ] && [ "$LARGE_EVENTS" != 0 ]; then
    LARGE=$DATA/large_${LARGE_EVENTS}
    if [ ! -f "$LARGE/events.csv" ]; then
        echo "generating $LARGE_EVENTS events for $LARGE_ACCOUNTS accounts into $LARGE ..."
        "$BIN/generate_events" --accounts "$LARGE_ACCOUNTS" --events "$LARGE_EVENTS" --days 365 --seed 11 --out "$LARGE"
    fi
fi
if [ -n "$LARGE" ]; then
    echo "== 3. large raw event log: $LARGE ($(du -h "$LARGE/events.csv" | cut -f1))"
    spec_for "$LARGE" "$SNAP_START" "$SNAP_END" "$DATA_END"
    timed "rust" "$CHURN" features --spec "$LARGE/spec.toml" --out "$OUT/large_rust.csv"
    cat "$OUT/stdout.txt"
    rows=$(grep -o '^[0-9]* activity rows' "$OUT/stdout.txt" | cut -d' ' -f1)
    echo "rust: $(echo "$rows / $WALL" | bc) events/s (wall), $(echo "$rows / $CPU" | bc) events per cpu-second"
fi
