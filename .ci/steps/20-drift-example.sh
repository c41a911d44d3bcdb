#!/usr/bin/env bash
# The example scheduled drift job (examples/drift-ci) on the telco split: exit 0 on the test
# split, exit 1 on a copy whose MonthlyCharges are raised by 30%. As from a user's repository:
# the script is copied out of this repository and run from elsewhere, with CHURN naming the
# release binary (as a download would), never `cargo install --path`.
set -euo pipefail
churn="$PWD/target/release/churn"
split="$CHURN_SHARED/splits/telco"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp examples/drift-ci/drift-check.sh "$work/drift-check.sh"
cd "$work"
"$churn" train --data "$split/train.csv" --label Churn --positive Yes --id customerID --out "$work/model.json" >/dev/null
CHURN="$churn" bash "$work/drift-check.sh" "$work/model.json" "$split/test.csv" "$work/fresh" >/dev/null
python3 - "$split/test.csv" "$work/shifted.csv" <<'PY'
import csv, sys
with open(sys.argv[1]) as f, open(sys.argv[2], "w", newline="") as g:
    r = csv.DictReader(f); w = csv.DictWriter(g, r.fieldnames); w.writeheader()
    for row in r:
        row["MonthlyCharges"] = f"{float(row['MonthlyCharges']) * 1.3:.2f}"; w.writerow(row)
PY
set +e
CHURN="$churn" bash "$work/drift-check.sh" "$work/model.json" "$work/shifted.csv" "$work/shifted" >/dev/null
status=$?
set -e
[ "$status" -eq 1 ] || { echo "expected exit 1 on shifted data, got $status" >&2; exit 1; }
grep -q MonthlyCharges "$work/shifted/drift.md"
# A missing binary is an error (exit 2), not a silent pass.
set +e
CHURN="$work/no-such-churn" bash "$work/drift-check.sh" "$work/model.json" "$split/test.csv" "$work/none" 2>/dev/null
status=$?
set -e
[ "$status" -eq 2 ] || { echo "expected exit 2 without a binary, got $status" >&2; exit 1; }
echo "drift example: exit 0 on test.csv, exit 1 naming MonthlyCharges on the shifted copy"
