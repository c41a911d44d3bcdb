#!/usr/bin/env bash
# Parquet interoperability: files written by pyarrow (every codec, INT96, page v2) read as
# expected, and pyarrow reads what `churn score --format parquet` writes. pyarrow goes into a
# virtualenv under target/, never a product dependency.
set -euo pipefail
venv="$PWD/target/pyarrow-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import pyarrow" 2>/dev/null || "$venv/bin/pip" install -q "pyarrow==26.0.1"
CHURN_PYARROW_PYTHON="$venv/bin/python" cargo test -q -p churn-score --test parquet pyarrow 2>&1 | tail -3
