"""Parse check of the emitted SQL for the dialects that cannot run here (BigQuery, Snowflake)
with sqlglot, on the snapshot files of crates/churn-sql/tests/snapshots and on any extra
files given: `parse_check.py [FILE.DIALECT.sql ...]`."""
import glob
import os
import sys

import sqlglot
from sqlglot.errors import ErrorLevel

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    files = sys.argv[1:] or sorted(glob.glob(os.path.join(HERE, "..", "tests", "snapshots", "*.sql")))
    n = 0
    for f in files:
        dialect = os.path.basename(f).rsplit(".", 2)[-2]
        sql = open(f).read()
        trees = sqlglot.parse(sql, read=dialect, error_level=ErrorLevel.RAISE)
        if len(trees) != 1 or trees[0] is None:
            raise SystemExit(f"{f}: expected one statement, got {len(trees)}")
        n += 1
        print(f"ok  parsed {os.path.basename(f)} as {dialect} ({len(sql)} bytes)")
    print(f"{n} files parsed (sqlglot {sqlglot.__version__})")


if __name__ == "__main__":
    main()
