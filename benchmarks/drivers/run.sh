#!/usr/bin/env bash
# Risk drivers' cost on a cross-validated GBDT ensemble (issue 14): scoring the orange split
# (train + test rows repeated 20 times, 66,660 rows) with and without drivers, best of 3.
# Usage: benchmarks/drivers/run.sh [CHURN_BINARY]   (default: target/release/churn)
set -euo pipefail
B=${1:-target/release/churn}
S=${CHURN_SHARED:-../shared}/splits/orange
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$B" train --data "$S/train.csv" --label Churn --positive True --models gbdt --cv-folds 5 --out "$T/m.json" >/dev/null
{ head -1 "$S/train.csv"; for _ in $(seq 20); do tail -n +2 "$S/train.csv"; tail -n +2 "$S/test.csv"; done; } >"$T/data.csv"
trees=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(len(m['learner']['trees']))" "$T/m.json")
echo "model: gbdt, $trees trees (5 fold models), rows: $(($(wc -l <"$T/data.csv") - 1))"
best() {
    local b=999
    for _ in 1 2 3; do
        local s e
        s=$(date +%s.%N)
        "$B" score --model "$T/m.json" --data "$T/data.csv" --out "$T/o.csv" -q "$@"
        e=$(date +%s.%N)
        b=$(python3 -c "print(min($b, $e - $s))")
    done
    echo "$b"
}
off=$(best --drivers 0)
on=$(best --drivers 3)
python3 -c "print(f'without drivers {float($off):.3f} s, with 3 drivers {float($on):.3f} s: {float($on)/float($off):.2f}x')"
