#!/usr/bin/env bash
# Runs `churn drift` on a fresh extract and fails the job on drift.
#
#   drift-check.sh MODEL CURRENT_CSV [OUT_DIR]
#
# Self-contained: copy it into your own repository; it needs bash and a churn binary only.
#
# Environment:
#   CHURN            the churn binary, e.g. a release download (default: churn on PATH)
#   CHURN_CONFIG     churn.toml with a [drift] table of thresholds (optional)
#   CHURN_LABEL      label column, when the extract already has outcomes (optional)
#   GITHUB_STEP_SUMMARY  set by GitHub Actions: the Markdown report is appended to it
#
# Exit status: 0 no drift, 1 drift, 2 error (that of `churn drift`).
set -uo pipefail

model=${1:?usage: drift-check.sh MODEL CURRENT_CSV [OUT_DIR]}
data=${2:?usage: drift-check.sh MODEL CURRENT_CSV [OUT_DIR]}
out=${3:-drift-report}
churn=${CHURN:-churn}
# A release binary anywhere (CHURN=/opt/churn/churn) or `churn` on PATH; no checkout needed.
if ! command -v "$churn" >/dev/null 2>&1; then
  echo "drift-check.sh: churn binary '$churn' not found (set CHURN to its path)" >&2
  exit 2
fi
mkdir -p "$out"

args=(drift --model "$model" --data "$data"
      --json "$out/drift.json" --markdown "$out/drift.md" --html "$out/drift.html")
[[ -n "${CHURN_CONFIG:-}" ]] && args+=(--config "$CHURN_CONFIG")
[[ -n "${CHURN_LABEL:-}" ]] && args+=(--label "$CHURN_LABEL")

"$churn" "${args[@]}" | tee "$out/drift.txt"
status=${PIPESTATUS[0]}

if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  if [[ -f "$out/drift.md" && $status -le 1 ]]; then
    cat "$out/drift.md" >> "$GITHUB_STEP_SUMMARY"
  else
    printf '## Drift check failed to run\n\n`churn drift` exited with status %s; see the job log.\n' "$status" >> "$GITHUB_STEP_SUMMARY"
  fi
fi

case $status in
  0) echo "no drift beyond thresholds" ;;
  1) echo "::error title=Data drift::$(grep -m1 '^verdict:' "$out/drift.txt" | sed 's/^verdict: //')" ;;
  *) echo "::error title=Drift check error::churn drift exited with status $status" ;;
esac
exit "$status"
