#!/bin/sh
# Survival peers vs churn on the telco split: builds churn, installs the peers in a venv, runs bench.py once.
# Usage: benchmarks/survival/run.sh [SHARED_DIR]   (default ../shared beside the repository)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${1:-${CHURN_SHARED:-$root/../shared}}
target=${CARGO_TARGET_DIR:-$root/target}
cargo build --release -p churn-cli --manifest-path "$root/Cargo.toml"
venv="$target/survival-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r "$here/requirements.txt"
"$venv/bin/python" "$here/bench.py" "$target/release/churn" "$shared/splits" "$target/survival-table.md"
