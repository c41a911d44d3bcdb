"""Shared helpers of the SQL engine tests: run `churn`, load CSV files into DuckDB or Spark,
compare a query's result with the Rust engine's output."""
import csv
import gzip
import json
import math
import os
import subprocess
import sys

CHURN = os.environ.get("CHURN_BIN", "churn")
REL = 1e-9  # relative tolerance for floats
ABS = 1e-12  # floor for values that are 0 up to rounding (e.g. a slope of 0 computed as 1e-17)


def churn(*args):
    r = subprocess.run([CHURN, *map(str, args)], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"churn {' '.join(map(str, args))} failed:\n{r.stderr}")
    return r


def read_csv(path):
    op = gzip.open if str(path).endswith(".gz") else open
    with op(path, "rt", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def as_number(v):
    if v is None or v == "":
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def same_float(a, b):
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= max(ABS, REL * max(abs(a), abs(b)))


def cell_text(v):
    if v is None:
        return ""
    return str(v)


def compare(label, rust_header, rust_rows, sql_header, sql_rows, numeric, keys=2):
    """Compares two tables: same column names in the same order, the same rows (sorted by the
    first `keys` columns), numbers to 1e-9 relative, text exactly (an empty cell is NULL; text
    that reads as a number on both sides compares as a number: a warehouse types `49` as an
    integer or a double). Returns the number of cells compared; raises on a difference."""
    if list(rust_header) != list(sql_header):
        raise AssertionError(f"{label}: columns differ\n rust: {rust_header}\n sql:  {sql_header}")
    if len(rust_rows) != len(sql_rows):
        raise AssertionError(f"{label}: {len(rust_rows)} rows from churn, {len(sql_rows)} from SQL")
    key = lambda r: tuple(cell_text(x) for x in r[:keys])
    rr = sorted(rust_rows, key=key)
    ss = sorted([[cell_text(x) if i < keys else x for i, x in enumerate(r)] for r in sql_rows], key=key)
    cells = 0
    for r, s in zip(rr, ss):
        if key(r) != key(s):
            raise AssertionError(f"{label}: row keys differ: {key(r)} vs {key(s)}")
        for c, name in enumerate(rust_header[keys:], start=keys):
            a, b = r[c], s[c]
            cells += 1
            if name in numeric:
                if not same_float(as_number(a), as_number(b)):
                    raise AssertionError(f"{label}: {key(r)} column {name!r}: churn {a!r}, SQL {b!r}")
            else:
                ta, tb = cell_text(a), cell_text(b)
                if ta == tb:
                    continue
                na, nb = as_number(ta), as_number(tb)
                if na is not None and nb is not None and na == nb:
                    continue
                raise AssertionError(f"{label}: {key(r)} column {name!r}: churn {ta!r}, SQL {tb!r}")
    return cells


def numeric_columns(dictionary_path, extra=("churned",)):
    d = json.load(open(dictionary_path))
    cols = d.get("columns") or d.get("features") or []
    out = {c["name"] for c in cols if c.get("value_type") == "number"}
    out.update(extra)
    return out


def log(*a):
    print(*a, flush=True)
    sys.stdout.flush()
