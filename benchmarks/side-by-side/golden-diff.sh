#!/usr/bin/env bash
# usage: golden-diff.sh OUT_BEFORE OUT_AFTER  -- every output of golden.sh must be byte-identical;
# stdout is compared with timings masked and log.txt with the binary's path masked.
# Exit 1 on any difference.
A=$1; B=$2; rc=0
diff -rq -x stdout.txt -x log.txt "$A" "$B" || rc=1
diff <(sed "s|^+ [^ ]*|+ BIN|" "$A/log.txt") <(sed "s|^+ [^ ]*|+ BIN|" "$B/log.txt") || rc=1
norm() { sed -E 's/[0-9]+(\.[0-9]+)? ?(s|ms|µs)\b/T/g; s/[0-9.]+ [MK]? ?(rows|events)\/s/R/g; s/ +[0-9]+\.[0-9]+$/ T/' "$1"; }
diff <(norm "$A/stdout.txt") <(norm "$B/stdout.txt") || rc=1
exit $rc
