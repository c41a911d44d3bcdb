#!/usr/bin/env bash
# Seeds benchmark (issue 13): the release `churn train` (default flags apart from the PEERS.md id/label/positive/drop
# columns) on every split's train.csv, over seeds 1-5, then `churn evaluate` on test.csv (the project's own metric
# code on the calibrated probabilities `churn score` writes). Prints per data set the mean and worst-seed test AUC,
# the mean and worst Brier, the mean `churn train` wall time, and PASS/FAIL against issue 13's criteria (mean AUC >=
# best peer - 0.002, mean Brier <= best peer + 0.002, worst AUC >= best peer - 0.01).
#
# Usage (from anywhere): benchmarks/peers/seeds.sh [DATASET ...]
#   env: SEEDS="1 2 3 4 5", EXTRA="--class-weight balanced" (flags added to every churn train),
#        SPLITS=<repo>/../shared/splits (or /work/shared/splits), CARGO_TARGET_DIR=target, OUT=<file> (table copy)
set -euo pipefail
cd "$(dirname "$0")/../.."
SEEDS=${SEEDS:-1 2 3 4 5}
EXTRA=${EXTRA:-}
TARGET=${CARGO_TARGET_DIR:-target}
if [ -z "${SPLITS:-}" ]; then
    for d in ../shared/splits /work/shared/splits; do
        if [ -d "$d" ]; then SPLITS=$d; break; fi
    done
fi
[ -d "${SPLITS:-}" ] || { echo "no splits folder: set SPLITS=/path/to/shared/splits" >&2; exit 1; }
echo "building churn (release)" >&2
CARGO_TARGET_DIR="$TARGET" cargo build --release -q -p churn-cli
CHURN=$(realpath "$TARGET/release/churn")
SETS=("$@")
[ ${#SETS[@]} -gt 0 ] || SETS=(telco orange bank bankchurners)

# Flags per PEERS.md, and the best peer's test AUC / Brier (PEERS.md, both tables).
flags() {
    case $1 in
        telco) echo "--label Churn --positive Yes --id customerID" ;;
        orange) echo "--label Churn --positive True" ;;
        bank) echo "--label Exited --positive 1 --id CustomerId --drop RowNumber,Surname" ;;
        bankchurners) echo "--label Attrition_Flag --positive Attrited%Customer --id CLIENTNUM" ;;
        *) echo "unknown data set $1" >&2; exit 1 ;;
    esac
}
best() {
    case $1 in
        telco) echo "0.8515 0.1339" ;;
        orange) echo "0.9166 0.0373" ;;
        bank) echo "0.8587 0.1034" ;;
        bankchurners) echo "0.9950 0.0205" ;;
    esac
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores; $(uptime)" >&2
{
    echo "| data set | seeds | mean AUC | worst AUC | mean Brier | worst Brier | train s (mean) | winners | AUC | worst AUC | Brier |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
} > "$tmp/table"
for set in "${SETS[@]}"; do
    read -r best_auc best_brier < <(best "$set")
    : > "$tmp/rows"
    for seed in $SEEDS; do
        # shellcheck disable=SC2046 # word splitting of the flags is intended; %-escaped spaces restored below
        args=($(flags "$set"))
        args=("${args[@]//%/ }")
        t0=$(date +%s.%N)
        # shellcheck disable=SC2086
        "$CHURN" train --data "$SPLITS/$set/train.csv" "${args[@]}" --seed "$seed" $EXTRA \
            --out "$tmp/model.json" > "$tmp/train.log"
        t1=$(date +%s.%N)
        "$CHURN" evaluate --model "$tmp/model.json" --data "$SPLITS/$set/test.csv" --json "$tmp/m.json" > /dev/null
        # The winner's learner, "+rates" when it reads category churn rates (target statistics).
        learner=$(jq -r '(.learner.kind // .learner.type // (.learner | keys[0])) + (if .preprocessing.target_stats then "+rates" else "" end)' "$tmp/model.json" 2>/dev/null || echo "?")
        echo "$seed $(jq -r '"\(.auc) \(.brier)"' "$tmp/m.json") $(echo "$t1 - $t0" | bc) $learner" >> "$tmp/rows"
        echo "  $set seed $seed: $(tail -1 "$tmp/rows")" >&2
    done
    python3 - "$set" "$best_auc" "$best_brier" "$tmp/rows" >> "$tmp/table" <<'EOF'
import sys
name, best_auc, best_brier, path = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
rows = [l.split() for l in open(path) if l.strip()]
auc = [float(r[1]) for r in rows]; brier = [float(r[2]) for r in rows]; secs = [float(r[3]) for r in rows]
winners = {}
for r in rows:
    winners[r[4]] = winners.get(r[4], 0) + 1
mean = lambda v: sum(v) / len(v)
ok = lambda b: "PASS" if b else "**FAIL**"
print(f"| {name} | {len(rows)} | {mean(auc):.4f} | {min(auc):.4f} | {mean(brier):.4f} | {max(brier):.4f} | "
      f"{mean(secs):.2f} | {', '.join(f'{k} {v}' for k, v in sorted(winners.items()))} | "
      f"{ok(mean(auc) >= best_auc - 0.002)} ({mean(auc) - best_auc:+.4f}) | "
      f"{ok(min(auc) >= best_auc - 0.01)} ({min(auc) - best_auc:+.4f}) | "
      f"{ok(mean(brier) <= best_brier + 0.002)} ({mean(brier) - best_brier:+.4f}) |")
EOF
done
echo "after: $(uptime)" >&2
cat "$tmp/table"
if [ -n "${OUT:-}" ]; then cp "$tmp/table" "$OUT"; fi
