#!/usr/bin/env bash
# Two churn binaries side by side on the same data: scoring (logistic and GBDT, drivers off and on,
# CSV and Parquet out) and features (a raw event log, the socialnet7 daily usage), runs
# interleaved, median wall time and peak RSS of REPEAT runs, and the after/before ratio. For
# refactors that must not change speed (issue 11): build the old commit's binary, then
#
#   benchmarks/side-by-side/run.sh OLD_BINARY NEW_BINARY
#
# env: DATA (default benchmarks/side-by-side/data; generated on first use with NEW_BINARY),
#      REPEAT=5, ROWS=1000000 (scoring rows), EVENTS=20000000 (raw events kept),
#      SPLITS=<repo>/../shared/splits, FIGHTCHURN=<repo>/../shared/datasets/fightchurn_socialnet7_sim
set -euo pipefail
A=$(realpath "$1"); B=$(realpath "$2")
cd "$(dirname "$0")/../.."
ROOT=$PWD
DATA=${DATA:-$ROOT/benchmarks/side-by-side/data}
REPEAT=${REPEAT:-5}; ROWS=${ROWS:-1000000}; EVENTS=${EVENTS:-20000000}
SPLITS=${SPLITS:-$ROOT/../shared/splits}
FIGHTCHURN=${FIGHTCHURN:-$ROOT/../shared/datasets/fightchurn_socialnet7_sim}
[ -d "$SPLITS/telco" ] || { echo "no telco split: set SPLITS" >&2; exit 1; }
mkdir -p "$DATA"
if [ ! -f "$DATA/score.csv" ]; then
  echo "generating data in $DATA" >&2
  python3 benchmarks/score/gen_data.py "$SPLITS/telco/test.csv" "$DATA/score.csv" "$ROWS"
  head -n 100001 "$DATA/score.csv" > "$DATA/score_100k.csv"
  TELCO=(--data "$SPLITS/telco/train.csv" --label Churn --positive Yes --id customerID)
  "$B" train "${TELCO[@]}" --models logistic --out "$DATA/logistic.json" > /dev/null
  "$B" train "${TELCO[@]}" --models gbdt --out "$DATA/gbdt.json" > /dev/null
  "$B" simulate --raw-events --accounts 20000 --seed 7 --out "$DATA/sim" > /dev/null
  head -n $((EVENTS + 1)) "$DATA/sim/events.csv" > "$DATA/sim/ev.csv" && mv "$DATA/sim/ev.csv" "$DATA/sim/events.csv"
  rm -f "$DATA/sim/usage.csv"
  sed -e "s/2024-03-01/2025-03-01/; s/2024-12-01/2025-12-01/; s/2024-12-31/2025-12-31/" \
    benchmarks/features/events_spec.toml > "$DATA/sim/spec.toml"
fi
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
once() { /usr/bin/time -f "%e %M" -o "$T/t" "$@" > /dev/null 2>&1; cat "$T/t"; }
median() { sort -n | sed -n "$(( (REPEAT + 1) / 2 ))p"; }
bench() {
  local label=$1; shift
  local wa=() wb=() w m ra=0 rb=0
  for _ in $(seq "$REPEAT"); do
    read -r w m < <(once "$A" "$@"); wa+=("$w"); ra=$m
    read -r w m < <(once "$B" "$@"); wb+=("$w"); rb=$m
  done
  local ma mb
  ma=$(printf '%s\n' "${wa[@]}" | median); mb=$(printf '%s\n' "${wb[@]}" | median)
  printf '| %s | %.2f s (%d MB) | %.2f s (%d MB) | %.2f |\n' "$label" "$ma" $((ra / 1024)) "$mb" $((rb / 1024)) \
    "$(echo "$mb / $ma" | bc -l)"
}
echo "| run (median of $REPEAT, interleaved) | before | after | after/before |"
echo "|---|---:|---:|---:|"
bench "score logistic, $ROWS rows, drivers off" score --model "$DATA/logistic.json" --data "$DATA/score.csv" --out "$T/s.csv" --drivers 0 --quiet
bench "score GBDT, $ROWS rows, drivers off" score --model "$DATA/gbdt.json" --data "$DATA/score.csv" --out "$T/s.csv" --drivers 0 --quiet
bench "score GBDT, 100k rows, 3 drivers" score --model "$DATA/gbdt.json" --data "$DATA/score_100k.csv" --out "$T/s.csv" --drivers 3 --quiet
bench "score logistic, $ROWS rows, Parquet out" score --model "$DATA/logistic.json" --data "$DATA/score.csv" --out "$T/s.parquet" --format parquet --drivers 0 --quiet
bench "features, $EVENTS raw events" features --spec "$DATA/sim/spec.toml" --out "$T/f.csv"
if [ -d "$FIGHTCHURN" ]; then
  bench "features, socialnet7 (1.1M daily rows)" features --spec datasets/fightchurn_socialnet7.toml --data-dir "$FIGHTCHURN" --out "$T/f2.csv"
fi
