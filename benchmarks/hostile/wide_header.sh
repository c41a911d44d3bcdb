#!/usr/bin/env bash
# Times `churn score` and `churn train` on a CSV whose header has 100,000 columns (issue 12:
# once 12-14 s, a quadratic duplicate-name check). 200 rows of datasets/customers-small.csv,
# padded with 99,992 zero columns; the golden model scores them.
#   benchmarks/hostile/wide_header.sh            # uses $CHURN or target/release/churn
# Prints the median of REPEAT (default 3) wall times of each command.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
churn="${CHURN:-$root/target/release/churn}"
[ -x "$churn" ] || { (cd "$root" && cargo build --release -p churn-cli); churn="${CARGO_TARGET_DIR:-$root/target}/release/churn"; }
repeat="${REPEAT:-3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 - "$root/datasets/customers-small.csv" "$tmp/wide.csv" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
cols = 100_000 - len(lines[0].split(","))
with open(sys.argv[2], "w") as f:
    f.write(lines[0] + "".join(f",x{k}" for k in range(cols)) + "\n")
    for line in lines[1:201]:
        f.write(line + ",0" * cols + "\n")
PY
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_it() {
  for _ in $(seq "$repeat"); do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    echo "$e - $s" | bc
  done | median
}
echo "score, 200 rows x 100,000 columns: $(time_it "$churn" score --quiet --model "$root/models/golden-v1.json" --data "$tmp/wide.csv" --out "$tmp/s.csv") s"
echo "train --models logistic, 200 rows x 100,000 columns: $(time_it "$churn" train --models logistic --cv-folds off --label churned --id account_id --data "$tmp/wide.csv" --out "$tmp/m.json") s"
