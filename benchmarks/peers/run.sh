#!/usr/bin/env bash
# Peer benchmark (issue 3): scikit-learn LogisticRegression(balanced), RandomForest(300), HistGradientBoosting and
# LightGBM(default) against `churn train` (--models auto) + `churn score`, on every split of ../shared/splits, in
# one run. Prints a table per data set (test AUC, Brier, fit seconds), churn vs the best peer, PASS/FAIL against
# issue 3, and writes the same to benchmarks/peers/results.md.
#
# Usage (from anywhere): benchmarks/peers/run.sh [DATASET ...]
#   env: REPEAT=3 (timings: median of N, peers and churn alternating)
#        SPLITS=<repo>/../shared/splits (or /work/shared/splits), CARGO_TARGET_DIR=target
set -euo pipefail
cd "$(dirname "$0")/../.."
REPEAT=${REPEAT:-3}
VENV=${VENV:-benchmarks/.venv}
TARGET=${CARGO_TARGET_DIR:-target}
if [ -z "${SPLITS:-}" ]; then
    for d in ../shared/splits /work/shared/splits; do
        if [ -d "$d" ]; then SPLITS=$d; break; fi
    done
fi
[ -d "${SPLITS:-}" ] || { echo "no splits folder: set SPLITS=/path/to/shared/splits" >&2; exit 1; }

if ! "$VENV/bin/python" -c "import sklearn, lightgbm, pandas, numpy, catboost, xgboost" 2>/dev/null; then
    echo "installing the Python peers into $VENV" >&2
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r benchmarks/requirements.txt
fi
echo "building churn (release)" >&2
CARGO_TARGET_DIR="$TARGET" cargo build --release -q -p churn-cli
CHURN=$(realpath "$TARGET/release/churn")

echo "machine: $(nproc) cores; $(uptime)" >&2
"$VENV/bin/python" benchmarks/peers/bench.py "$CHURN" "$SPLITS" benchmarks/peers/results.md "$REPEAT" "$@"
echo "after: $(uptime)" >&2
