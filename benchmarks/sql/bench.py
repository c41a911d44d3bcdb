"""Times the emitted DuckDB SQL over a loaded event log and compares it with `churn features`."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ["ROOT"], "crates", "churn-sql", "engine-tests"))
from common import compare, numeric_columns, read_csv  # noqa: E402

import duckdb  # noqa: E402

events_file, out, threads, rust_wall, rust_rss, events = sys.argv[1:7]
con = duckdb.connect()
con.execute(f"SET threads = {int(threads)}")
t0 = time.time()
data = os.path.dirname(events_file)
con.execute(f"CREATE TABLE activity AS SELECT * FROM read_csv('{events_file}', header = true)")
con.execute(f"CREATE TABLE subscriptions AS SELECT * FROM read_csv('{data}/subscriptions.csv', header = true)")
load = time.time() - t0
sql = open(os.path.join(out, "features.duckdb.sql")).read()
best = None
repeat = int(os.environ.get("REPEAT", "2"))
for _ in range(repeat):
    t0 = time.time()
    cur = con.execute(sql)
    header = [d[0] for d in cur.description]
    rows = cur.fetchall()
    secs = time.time() - t0
    best = secs if best is None else min(best, secs)
rh, rr = read_csv(os.path.join(out, "rust.csv"))
cells = compare("benchmark", rh, rr, header, rows, numeric_columns(os.path.join(out, "rust.csv.dictionary.json")))
ev = int(events)
print(f"events: {ev:,}; output rows: {len(rr):,} x {len(rh)} columns; {cells:,} cells equal (1e-9)")
print(f"churn features (CSV in, CSV out):   {float(rust_wall):7.2f} s  ({ev / float(rust_wall) / 1e6:5.1f} M events/s, peak RSS {int(rust_rss) // 1024} MB)")
print(f"DuckDB load of the CSV into tables: {load:7.2f} s")
print(f"DuckDB emitted SQL ({threads} threads):   {best:7.2f} s  ({ev / best / 1e6:5.1f} M events/s), best of {repeat}")
