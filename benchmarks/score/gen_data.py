"""Writes a large scoring CSV: the rows of telco test.csv (label column removed) repeated, each with a fresh id.

Usage: gen_data.py TEST_CSV OUT_CSV ROWS
Deterministic: row i is test row (i mod n) with id `S<i, 10 digits>`.
"""
import csv
import io
import sys

src, out, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, newline="") as f:
    reader = csv.reader(f)
    header = next(reader)
    body = list(reader)
id_col, label_col = header.index("customerID"), header.index("Churn")
keep = [i for i in range(len(header)) if i not in (id_col, label_col)]


def line(values):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue()


rests = [line([r[i] for i in keep]) for r in body]
n = len(rests)
with open(out + ".tmp", "w") as f:
    f.write(line(["customerID"] + [header[i] for i in keep]))
    chunk = 100_000
    for start in range(0, rows, chunk):
        f.write("".join(f"S{i:010d},{rests[i % n]}" for i in range(start, min(rows, start + chunk))))
import os

os.replace(out + ".tmp", out)
print(f"wrote {rows} rows to {out}", file=sys.stderr)
