#!/usr/bin/env bash
# Fuzz the readers of untrusted input (CSV, Parquet, model files, feature specs) with
# libFuzzer for a bounded time each, from the checked-in corpus in fuzz/corpus/.
# Runs only when a nightly toolchain is installed (cargo-fuzz needs it); a crash fails CI and
# leaves the input in fuzz/artifacts/TARGET/ (turn it into a regression test).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: no nightly toolchain, skipped"
  exit 0
fi
CARGO_FUZZ_VERSION=0.13.2
SECONDS_EACH="${CHURN_FUZZ_SECONDS:-45}"
if ! cargo +nightly fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  # Built by the stable compiler: the pinned lock file's rustix fails on a current nightly.
  cargo +stable install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}/fuzz"
timeout 1500 cargo +nightly fuzz build -O
for t in model_loader spec_parser csv_reader parquet_reader; do
  echo "fuzz: $t for ${SECONDS_EACH}s"
  # The corpus grows in a scratch copy; the checked-in seeds stay as they are.
  work="$(mktemp -d)"
  if [ -d "fuzz/corpus/$t" ]; then cp -r "fuzz/corpus/$t/." "$work/"; fi
  timeout $((SECONDS_EACH + 120)) cargo +nightly fuzz run -O "$t" "$work" -- \
    -max_total_time="$SECONDS_EACH" -rss_limit_mb=4096 -timeout=10 -max_len=262144
  rm -rf "$work"
done
echo "fuzz: 4 targets ran ${SECONDS_EACH}s each without a crash"
