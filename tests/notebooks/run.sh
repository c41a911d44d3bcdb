#!/usr/bin/env bash
# Executes notebooks/compare_models.ipynb on two real reports, as CI does.
#
#   tests/notebooks/run.sh
#
# Environment: CHURN_BIN (default target/release/churn, built if missing), VENV (default
# target/notebook-venv), OUT (where data, reports and the executed notebook go; default a temp dir).
# Python, pandas and Jupyter live in the virtualenv only: they are never product dependencies.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
churn=${CHURN_BIN:-$root/target/release/churn}
venv=${VENV:-$root/target/notebook-venv}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"

if [ ! -x "$churn" ]; then
    cargo build --release -p churn-cli
fi
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r notebooks/requirements.txt nbconvert ipykernel

# Two simulated customer bases: train on one, report and score on the other.
"$churn" simulate --accounts 3000 --seed 11 --out "$out/history" >/dev/null
"$churn" simulate --accounts 2000 --seed 12 --out "$out/current" >/dev/null
data="$out/history/snapshot.csv"
labeled="$out/current/snapshot.csv"
for m in logistic gbdt; do
    "$churn" train --data "$data" --label churned --id account_id --models "$m" --name "sim-$m" --out "$out/$m.json" >/dev/null
    "$churn" report --model "$out/$m.json" --data "$labeled" --out "$out/report-$m" --bootstrap 300 -q
    "$churn" score --model "$out/$m.json" --data "$labeled" --out "$out/scores-$m.csv" --quiet
done

REPORT_A="$out/report-logistic/report.json" REPORT_B="$out/report-gbdt/report.json" \
SCORES_A="$out/scores-logistic.csv" SCORES_B="$out/scores-gbdt.csv" LABELED="$labeled" \
    "$venv/bin/jupyter" nbconvert --to notebook --execute notebooks/compare_models.ipynb \
    --ExecutePreprocessor.timeout=300 --output-dir "$out" --output compare_models.executed.ipynb
echo "notebook executed: $out/compare_models.executed.ipynb"
