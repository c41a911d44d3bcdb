#!/usr/bin/env bash
# Scoring benchmark (issue 6): end-to-end `churn score` (CSV in, CSV out) rows/s and peak RSS for a logistic and a
# GBDT model trained on telco train.csv, drivers off and on, against pandas read_csv + sklearn / LightGBM
# predict_proba + pandas to_csv on the same file in the same run; then churn alone on a larger file for memory.
# Prints the tables and writes benchmarks/score/results.md.
#
# Usage (from anywhere): benchmarks/score/run.sh
#   env: ROWS=1000000 (main file)  BIG_ROWS=10000000 (memory run, churn only; space-separated list; 0 skips)
#        DRIVERS_ROWS=100000 (file for the drivers-on runs, which are much slower)
#        REPEAT=3 (median of N, interleaved)
#        LGBM_TREES="300" (peer LightGBM tree counts; the churn gbdt model's own tree count is added)
#        SPLITS=<repo>/../shared/splits  CARGO_TARGET_DIR=target
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${ROWS:-1000000}
BIG_ROWS=${BIG_ROWS:-10000000}
DRIVERS_ROWS=${DRIVERS_ROWS:-100000}
REPEAT=${REPEAT:-3}
LGBM_TREES=${LGBM_TREES:-300}
VENV=benchmarks/.venv
DATA=benchmarks/score/data
TARGET=${CARGO_TARGET_DIR:-target}
if [ -z "${SPLITS:-}" ]; then
    for d in ../shared/splits /work/shared/splits; do
        if [ -d "$d" ]; then SPLITS=$d; break; fi
    done
fi
[ -d "${SPLITS:-}/telco" ] || { echo "no telco split: set SPLITS=/path/to/shared/splits" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "installing GNU time" >&2; apt-get update -qq && apt-get install -y -qq time; }

if ! "$VENV/bin/python" -c "import sklearn, lightgbm, pandas, numpy" 2>/dev/null; then
    echo "installing the Python peers into $VENV" >&2
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r benchmarks/requirements.txt
fi
echo "building churn (release)" >&2
CARGO_TARGET_DIR="$TARGET" cargo build --release -q -p churn-cli
CHURN=$(realpath "$TARGET/release/churn")
mkdir -p "$DATA"

for n in "$ROWS" "$DRIVERS_ROWS" $BIG_ROWS; do
    [ "$n" -gt 0 ] || continue
    if [ ! -f "$DATA/score_$n.csv" ]; then
        "$VENV/bin/python" benchmarks/score/gen_data.py "$SPLITS/telco/test.csv" "$DATA/score_$n.csv" "$n"
    fi
done

echo "training churn models on telco train.csv" >&2
TELCO=(--data "$SPLITS/telco/train.csv" --label Churn --positive Yes --id customerID)
"$CHURN" train "${TELCO[@]}" --models logistic --out "$DATA/logistic.json" >/dev/null
"$CHURN" train "${TELCO[@]}" --models gbdt --out "$DATA/gbdt.json" >/dev/null
"$CHURN" train "${TELCO[@]}" --models gbdt --gbdt-trees 300 --out "$DATA/gbdt300.json" >/dev/null
GBDT_TREES=$("$VENV/bin/python" -c "import json,sys; print(len(json.load(open(sys.argv[1]))['learner']['trees']))" \
    "$DATA/gbdt.json")
echo "churn gbdt model: $GBDT_TREES trees" >&2
TREES=$(printf '%s\n' $LGBM_TREES "$GBDT_TREES" | sort -un | tr '\n' ' ')
echo "fitting the Python peers (LightGBM trees: $TREES)" >&2
rm -f "$DATA"/lightgbm_*.pkl
"$VENV/bin/python" benchmarks/score/peer.py fit "$SPLITS/telco/train.csv" "$DATA" $TREES >&2

echo "machine: $(nproc) cores; $(uptime)" >&2
"$VENV/bin/python" benchmarks/score/bench.py "$CHURN" "$DATA" benchmarks/score/results.md "$REPEAT" "$ROWS" "$DRIVERS_ROWS" $BIG_ROWS
echo "after: $(uptime)" >&2
