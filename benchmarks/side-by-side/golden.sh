#!/usr/bin/env bash
# Byte-identity check for refactors: runs ~45 commands (features, training with fixed seeds,
# scoring to CSV/JSONL/Parquet with drivers, --as-of, survival, evaluate, report, drift, explain,
# export-sql) with BIN and writes every output under OUT. Run it with the binary before and after
# a change, then compare: golden-diff.sh OUT_BEFORE OUT_AFTER (exit 0: identical).
# usage: golden.sh BIN OUT
# env: CHURN_SHARED (the shared data: splits/, datasets/; default <repo>/../shared),
#      PARQUET_DIR (telco-train.parquet and telco-test.parquet, e.g. written by pyarrow from the
#      telco split; the Parquet-input commands are skipped without it)
set -euo pipefail
BIN=$(readlink -f "$1"); OUT=$2
REPO=$(cd "$(dirname "$0")/../.." && pwd)
S=${CHURN_SHARED:-$REPO/../shared}
P=${PARQUET_DIR:-}
rm -rf "$OUT"; mkdir -p "$OUT"; cd "$OUT"
export SOURCE_DATE_EPOCH=1700000000
run() { echo "+ $*" >> log.txt; "$@" >> stdout.txt 2>> stderr.txt || echo "exit $? : $*" >> log.txt; }
T=$S/splits/telco
# features
run $BIN features --spec $REPO/datasets/features-example/spec.toml --data-dir $REPO/datasets/features-example --out feat-example.csv
run $BIN features --spec $REPO/datasets/fightchurn_socialnet7.toml --data-dir $S/datasets/fightchurn_socialnet7_sim --out feat-social.csv
run $BIN features --spec $REPO/datasets/fightchurn_socialnet7_survival.toml --data-dir $S/datasets/fightchurn_socialnet7_sim --out feat-social-surv.csv
run $BIN features --spec $REPO/datasets/transactions-small/spec.toml --data-dir $REPO/datasets/transactions-small --out feat-tx.csv
run $BIN simulate --accounts 800 --seed 3 --out sim
# training (same seed)
run $BIN train --data $T/train.csv --label Churn --positive Yes --id customerID --seed 7 --out telco.json
run $BIN train --data $T/train.csv --label Churn --positive Yes --id customerID --seed 7 --models logistic --out telco-logit.json
run $BIN train --data $T/train.csv --label Churn --positive Yes --id customerID --seed 7 --models gbdt --class-weight balanced --out telco-gbdt.json
run $BIN train --data $S/splits/orange/train.csv --label Churn --positive True --seed 3 --out orange.json
run $BIN train --data $T/train.csv --label Churn --positive Yes --id customerID --seed 7 --time tenure --horizons 3,6,12,24 --drop TotalCharges --out telco-surv.json
run $BIN train --data feat-social.csv --features feat-social.csv.dictionary.json --seed 1 --tier-scheme percentile --out social.json
run $BIN train --data feat-tx.csv --features feat-tx.csv.dictionary.json --seed 1 --out tx.json
run $BIN train --data $REPO/datasets/customers-small.csv --label churned --positive Yes --id account_id --seed 2 --models forest,tree --out small.json
# scoring
for m in telco telco-logit telco-gbdt telco-surv; do
  for f in csv jsonl parquet; do run $BIN score --model $m.json --data $T/test.csv --out score-$m.$f --format $f --drivers 3 --quiet; done
done
run $BIN score --model orange.json --data $S/splits/orange/test.csv --out score-orange.csv --quiet
run $BIN score --model small.json --data $REPO/datasets/customers-small.csv --out score-small.jsonl --format jsonl --quiet
run $BIN score --model social.json --as-of 2020-05-01 --activity-dir $S/datasets/fightchurn_socialnet7_sim --out score-social.csv --quiet
run $BIN score --model social.json --as-of 2020-05-01 --activity-dir $S/datasets/fightchurn_socialnet7_sim --out score-social.parquet --format parquet --quiet
if [ -n "$P" ]; then
run $BIN score --model telco.json --data $P/telco-test.parquet --out score-from-parquet.csv --drivers 3 --quiet
run $BIN score --model telco-gbdt.json --data $P/telco-test.parquet --out score-gbdt-from-parquet.jsonl --format jsonl --quiet
run $BIN train --data $P/telco-train.parquet --label Churn --positive Yes --id customerID --seed 7 --models logistic --out telco-logit-pq.json
fi
# other commands
run $BIN evaluate --model telco.json --data $T/test.csv --json eval-telco.json
run $BIN evaluate --model telco-surv.json --data $T/test.csv --json eval-surv.json
run $BIN report --model telco-gbdt.json --data $T/test.csv --out report-gbdt --bootstrap 200 -q
run $BIN drift --model telco.json --data $T/test.csv --label Churn --json drift.json --markdown drift.md
run $BIN explain --model telco.json --data $T/test.csv --id $(sed -n 2p $T/test.csv | cut -d, -f1) --json
for d in duckdb spark; do run $BIN export-sql --model telco-logit.json --dialect $d --out sql-$d.sql; done
run $BIN export-sql --model telco-gbdt.json --dialect duckdb --out sql-gbdt.sql
rm -f report-gbdt/*.png   # PNG bytes depend on font rasterisation only; compare the rest
echo done >> log.txt
