#!/usr/bin/env bash
# GBDT benchmark: LightGBM vs churn-learn's GbdtModel on a generated 1,000,000 x 50 binary
# table (~20% positives, nonlinear interactions, informative missing values), same trees,
# leaves, learning rate and thread count. Prints fit / predict wall and CPU seconds, test
# AUC, and our/LightGBM ratios.
#
# Usage: benchmarks/gbdt/run.sh        (env: TREES=100 LEAVES=31 THREADS=2 ROWS=1000000 REPEAT=1)
# Each side runs REPEAT times, alternating; the fastest fit and predict of each are reported
# (the machine is shared, so single runs are noisy).
set -euo pipefail
cd "$(dirname "$0")/../.."
TREES=${TREES:-100}
LEAVES=${LEAVES:-31}
THREADS=${THREADS:-2}
ROWS=${ROWS:-1000000}
REPEAT=${REPEAT:-1}
VENV=benchmarks/.venv
DATA=benchmarks/gbdt/data
TARGET=${CARGO_TARGET_DIR:-target}

if ! "$VENV/bin/python" -c "import lightgbm, sklearn, numpy" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q lightgbm scikit-learn numpy
fi
if ! grep -q "\"n_train\": $ROWS," "$DATA/meta.json" 2>/dev/null; then
    "$VENV/bin/python" benchmarks/gbdt/gen_data.py "$ROWS"
fi
CARGO_TARGET_DIR="$TARGET" cargo build --release -q -p churn-learn --example gbdt_bench

OUT=$(mktemp -d)
for i in $(seq "$REPEAT"); do
    echo "run $i/$REPEAT (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$VENV/bin/python" benchmarks/gbdt/lgbm_bench.py "$TREES" "$LEAVES" "$THREADS" >>"$OUT/lgbm.jsonl"
    RAYON_NUM_THREADS="$THREADS" "$TARGET/release/examples/gbdt_bench" "$DATA" "$TREES" "$LEAVES" >>"$OUT/ours.jsonl"
done

"$VENV/bin/python" - "$OUT" "$TREES" "$LEAVES" "$THREADS" "$ROWS" <<'PY'
import json, sys
out, trees, leaves, threads, rows = sys.argv[1:]
def best(path):
    runs = [json.loads(l) for l in open(path)]
    pick = lambda k: min(r[k] for r in runs)
    return {k: pick(k) for k in ("fit_s", "predict_s", "fit_cpu_s", "predict_cpu_s")} | {"auc": runs[0]["auc"]}
l, o = best(f"{out}/lgbm.jsonl"), best(f"{out}/ours.jsonl")
print(f"GBDT benchmark: {rows} x 50 train, 200000 test, {trees} trees, {leaves} leaves, lr 0.1, {threads} threads")
print(f"{'':14}{'fit s':>10}{'fit cpu s':>11}{'predict s':>11}{'pred cpu s':>12}{'test AUC':>10}")
for name, r in (("LightGBM", l), ("churn-learn", o)):
    print(f"{name:14}{r['fit_s']:10.2f}{r['fit_cpu_s']:11.2f}{r['predict_s']:11.3f}{r['predict_cpu_s']:12.2f}{r['auc']:10.4f}")
print(f"{'ours/LightGBM':14}{o['fit_s']/l['fit_s']:10.2f}{o['fit_cpu_s']/l['fit_cpu_s']:11.2f}"
      f"{o['predict_s']/l['predict_s']:11.2f}{o['predict_cpu_s']/max(l['predict_cpu_s'],1e-9):12.2f}{o['auc']-l['auc']:+10.4f}")
print(f"targets: fit ratio <= 1.5, predict ratio <= 1.0, AUC difference >= 0")
PY
rm -rf "$OUT"
