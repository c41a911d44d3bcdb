#!/usr/bin/env bash
# The CDNOW benchmark: churn (features -> train -> score) against RFM + logistic regression,
# RFM + LightGBM and BG/NBD alone (lifetimes). Makes a virtualenv under target/ (the data ships
# inside the lifetimes package), builds churn, and prints the table of results.md.
#   benchmarks/inactivity/run.sh [CUTOFF HORIZON_DAYS]     (default 1997-10-01 273)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/inactivity-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r "$here/requirements.txt"
fi
(cd "$root" && cargo build -q -p churn-cli)
cutoff="${1:-1997-10-01}"
horizon="${2:-273}"
"$venv/bin/python" "$here/cdnow.py" --churn "$target/debug/churn" --work "$target/cdnow-$cutoff-$horizon" \
    --cutoff "$cutoff" --horizon-days "$horizon"
