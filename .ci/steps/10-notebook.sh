#!/usr/bin/env bash
# Executes the comparison notebook on two real reports (virtualenv under target/, never a product dependency).
set -euo pipefail
CHURN_BIN="$PWD/target/release/churn" bash tests/notebooks/run.sh
