"""Equivalence of `churn features` and its emitted SQL on DuckDB / Spark.

usage: features_check.py WORKDIR ENGINE [ENGINE...]   (engines: duckdb, spark)
Needs CHURN_BIN (the churn binary) and CHURN_SHARED (for the socialnet7 data; skipped when
missing unless CI is set)."""
import os
import random
import sys
import time

from common import churn, compare, log, numeric_columns, read_csv
import engines

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def run_case(eng, label, spec, data_dir, files, work, renames=()):
    """files: logical table -> file name in data_dir."""
    out = os.path.join(work, f"{label}.csv")
    churn("features", "--spec", spec, "--data-dir", data_dir, "--out", out)
    sql_path = os.path.join(work, f"{label}.{eng.name}.sql")
    args = ["features", "--spec", spec, "--emit-sql", "--dialect", eng.name, "--out", sql_path]
    for logical, table in renames:
        args += ["--table", f"{logical}={table}"]
    churn(*args)
    names = dict(renames)
    for logical, f in files.items():
        eng.load_csv(names.get(logical, logical), os.path.join(data_dir, f))
    t0 = time.time()
    header, rows = eng.query(open(sql_path).read())
    secs = time.time() - t0
    rh, rr = read_csv(out)
    cells = compare(f"{label} [{eng.name}]", rh, rr, header, rows, numeric_columns(out + ".dictionary.json"))
    log(f"ok  {label:<28} {eng.name:<7} {len(rr):>6} rows x {len(rh):>3} columns, {cells} cells equal ({secs:.2f} s)")
    if not rr:
        raise AssertionError(f"{label}: no rows: the case tests nothing")


# ---------------------------------------------------------------- generated cases

SIM_SPEC_USAGE = """
mode = "training"
data_end = "{data_end}"
[activity]
file = "usage.csv"
format = "usage"
time = "date"
type = "event_type"
value = "count"
event_types = ["login", {{ id = "dashboard_view", name = "view" }}, "report_export", "api_call"]
[subscriptions]
file = "subscriptions.csv"
start = "start_date"
end = "end_date"
max_gap_days = {gap}
[[static]]
file = "accounts.csv"
columns = ["plan", "region", "seats"]
prefix = "acct_"
[snapshots]
kind = "monthly"
start = "2025-02-01"
end = "2025-06-01"
day = {day}
[label]
lead_days = {lead}
horizon_days = 30
censored = "{censored}"
[[features]]
kind = "window"
events = ["login", "view", "any"]
windows = [1, 7, 28]
aggregations = ["count", "sum", "mean", "active_days"]
[[features]]
kind = "velocity"
events = "*"
windows = [14]
zero_value = 2.5
[[features]]
kind = "velocity"
events = "any"
windows = [7]
bounded = true
log1p = true
[[features]]
kind = "trend"
events = ["any", "login"]
periods = 4
period_days = 7
[[features]]
kind = "trend"
events = "any"
periods = 6
period_days = 3
aggregation = "sum"
normalize = true
[[features]]
kind = "recency"
events = ["any", "report_export"]
[[features]]
kind = "recency"
events = "api_call"
never = -1
name = "api_recency"
[[features]]
kind = "tenure"
log1p = true
[[features]]
kind = "ratio"
name = "view_per_login"
numerator = "view_count_28d"
denominator = "login_count_28d"
zero_value = -3
[[features]]
kind = "stickiness"
events = ["any", "login"]
short_days = 3
long_days = 21
[[features]]
kind = "subscription"
column = "plan"
[[features]]
kind = "subscription"
column = "mrr"
name = "sub_mrr"
"""

SIM_SPEC_EVENTS = """
mode = "{mode}"
data_end = "{data_end}"
[activity]
file = "events.csv"
format = "events"
time = "timestamp"
type = "event_type"
event_types = ["login", "dashboard_view", "api_call"]
[subscriptions]
file = "subscriptions.csv"
start = "start_date"
end = "end_date"
[snapshots]
kind = "dates"
dates = ["2025-04-15", "2025-03-01", "2025-03-01", "2025-05-20"]
[label]
lead_days = 3
horizon_months = 1
censored = "keep"
[[features]]
kind = "window"
events = "*"
windows = [7, 30]
aggregations = ["count", "sum", "mean"]
[[features]]
kind = "velocity"
events = "any"
windows = [10]
[[features]]
kind = "trend"
events = "*"
periods = 5
period_days = 2
normalize = true
log1p = true
[[features]]
kind = "recency"
events = "*"
[[features]]
kind = "stickiness"
"""


def simulator_cases(eng, work, quick):
    for seed, days in [(1, 170)] if quick else [(1, 170), (7, 170), (42, 200)]:
        d = os.path.join(work, f"sim{seed}")
        if not os.path.exists(os.path.join(d, "events.csv")):
            churn("simulate", "--accounts", 120, "--seed", seed, "--days", days, "--raw-events", "--out", d)
        variants = [(0, 1, 0, "drop", "2025-06-10"), (7, 31, 5, "keep", "2025-05-01"), (30, 15, 10, "drop", "2025-07-01")]
        for i, (gap, day, lead, censored, de) in enumerate(variants):
            if quick and i != 1:
                continue
            spec = os.path.join(d, f"usage{i}.toml")
            open(spec, "w").write(
                SIM_SPEC_USAGE.format(gap=gap, day=day, lead=lead, censored=censored, data_end=de)
            )
            files = {"activity": "usage.csv", "subscriptions": "subscriptions.csv", "static_1": "accounts.csv"}
            run_case(eng, f"sim{seed}-usage{i}", spec, d, files, work)
        for mode in ["training", "scoring"]:
            spec = os.path.join(d, f"events-{mode}.toml")
            open(spec, "w").write(SIM_SPEC_EVENTS.format(mode=mode, data_end="2025-05-30"))
            files = {"activity": "events.csv", "subscriptions": "subscriptions.csv"}
            run_case(eng, f"sim{seed}-events-{mode}", spec, d, files, work)


# Hostile names: spaces, quotes of both kinds, backticks, keywords, a semicolon.
H_ACC = 'account "id"'
H_TIME = "select"
H_TYPE = "ev`type; DROP TABLE x"
H_VAL = "it's value"
H_START = "from"
H_END = "end date"
H_ATTR = 'plan "tier"'
H_STATIC = "region; --"


def edge_data(d, seed):
    """Gaps and reactivations, rows touching and overlapping, open ends, ends on and past
    data_end, events on snapshot days and on the day before, empty windows, values with
    fractions and negatives, undeclared types, accounts without activity, unknown accounts."""
    import csv
    import datetime

    EPOCH = datetime.date(1970, 1, 1)
    rng = random.Random(seed)
    os.makedirs(d, exist_ok=True)
    base = 20089  # 2025-01-01

    def ds(n):
        import datetime

        return (datetime.date(1970, 1, 1) + datetime.timedelta(days=n)).isoformat()

    subs, events, static = [], [], []
    for i in range(60):
        acc = f"acc {i:03d}" if i % 5 else f"'{i}\""
        start = base + rng.randrange(0, 60)
        for k in range(rng.choice([1, 1, 2, 3, 4])):
            length = rng.choice([5, 20, 31, 45, 80])
            end = start + length
            open_end = rng.random() < 0.25
            subs.append([acc, ds(start), "" if open_end else ds(end), rng.choice(["pro", "basic", "a,b"])])
            if open_end:
                break
            start = end + rng.choice([0, 0, 1, 3, 7, 8, 20, -4])
        last = subs[-1]
        if i % 13 == 6 and last[2] and int((datetime.date.fromisoformat(last[2]) - EPOCH).days) + 10 < 20240:
            # A second row starting the same day as the last one and ending later, listed after
            # it: subscription columns come from it (churn features: the later row of the file;
            # SQL: the row ending last).
            end2 = ds((datetime.date.fromisoformat(last[2]) - EPOCH).days + 10)
            subs.append([acc, last[1], end2, "upgrade"])
        if i % 7 != 3:
            static.append([acc, rng.choice(["eu", "us", " apac "])])
        if i % 11 == 5:
            continue  # no activity at all
        for _ in range(rng.randrange(5, 120)):
            day = base + rng.randrange(-30, 200)
            if rng.random() < 0.2:
                day = base + 31 + 28 * rng.randrange(0, 5) - rng.choice([0, 1])  # near snapshot days
            ty = rng.choice(["a", "b", "b", "c c", "undeclared"])
            val = rng.choice([1, 2.5, -0.75, 10, 0])
            events.append([acc, f"{ds(day)} {rng.randrange(24):02d}:30:00", ty, val])
    events.append(["nobody", f"{ds(base + 40)} 10:00:00", "a", 1])
    for name, header, rows in [
        ("subs.csv", [H_ACC, H_START, H_END, H_ATTR], subs),
        ("events.csv", [H_ACC, H_TIME, H_TYPE, H_VAL], events),
        ("static.csv", [H_ACC, H_STATIC], static),
    ]:
        with open(os.path.join(d, name), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


EDGE_SPEC = """
mode = "training"
data_end = "2025-06-01"
[activity]
file = "events.csv"
account = {acc}
time = {time}
type = {type}
value = {val}
event_types = ["a", "b", {{ id = "c c", name = "c" }}]
[subscriptions]
file = "subs.csv"
account = {acc}
start = {start}
end = {end}
max_gap_days = {gap}
[[static]]
file = "static.csv"
account = {acc}
columns = [{static}]
[snapshots]
{snapshots}
[label]
lead_days = {lead}
horizon_days = 21
censored = "{censored}"
[[features]]
kind = "window"
events = ["a", "c", "any"]
windows = [1, 5, 28]
aggregations = ["count", "sum", "mean", "active_days"]
[[features]]
kind = "velocity"
events = "*"
windows = [5]
[[features]]
kind = "velocity"
events = "b"
windows = [3]
aggregation = "sum"
bounded = true
[[features]]
kind = "trend"
events = "any"
periods = 3
period_days = 4
aggregation = "sum"
[[features]]
kind = "recency"
events = ["any", "c"]
log1p = true
[[features]]
kind = "tenure"
[[features]]
kind = "ratio"
name = "weird name \\" ratio"
numerator = "a_sum_28d"
denominator = "any_count_28d"
[[features]]
kind = "stickiness"
events = "b"
short_days = 2
long_days = 9
[[features]]
kind = "subscription"
column = {attr}
"""


def edge_cases(eng, work, quick):
    snaps = [
        'kind = "anniversary"\nstart = "2025-02-01"\nend = "2025-05-31"',
        'kind = "anniversary"\nstart = "2025-01-15"\nend = "2025-06-30"\noffset_days = 9\nexclude_churned_on_or_before = "2025-02-20"',
        'kind = "monthly"\nstart = "2025-02-01"\nend = "2025-06-01"\nday = 5',
        'kind = "cutoff"\ndate = "2025-03-30"',
    ]
    for seed in [1] if quick else [1, 2]:
        d = os.path.join(work, f"edge{seed}")
        edge_data(d, seed)
        variants = [(snaps[0], 0, 0, "drop"), (snaps[1], 7, 4, "keep"), (snaps[2], 3, 0, "keep"), (snaps[3], 1, 2, "drop")]
        for i, (snap, gap, lead, censored) in enumerate(variants):
            # Spark: anniversary with offset and exclusion (gap 7, lead 4, keep) and the cutoff
            # snapshot with censoring `drop` (gap 1, lead 2).
            if quick and i not in (1, 3):
                continue
            spec = os.path.join(d, f"spec{i}.toml")
            open(spec, "w").write(
                EDGE_SPEC.format(
                    acc=toml_str(H_ACC), time=toml_str(H_TIME), type=toml_str(H_TYPE), val=toml_str(H_VAL),
                    start=toml_str(H_START), end=toml_str(H_END), attr=toml_str(H_ATTR),
                    static=toml_str(H_STATIC), snapshots=snap, gap=gap, lead=lead, censored=censored,
                )
            )
            files = {"activity": "events.csv", "subscriptions": "subs.csv", "static_1": "static.csv"}
            renames = [("activity", 'my "events"'), ("static_1", "static table`s")]
            if eng.name == "spark":
                renames = [("activity", "my events")]
            run_case(eng, f"edge{seed}-spec{i}", spec, d, files, work, renames)


def main():
    work = sys.argv[1]
    os.makedirs(work, exist_ok=True)
    for name in sys.argv[2:]:
        eng = engines.make(name)
        try:
            run_case(
                eng, "features-example", os.path.join(ROOT, "datasets/features-example/spec.toml"),
                os.path.join(ROOT, "datasets/features-example"),
                {"activity": "events.csv", "subscriptions": "subscriptions.csv", "static_1": "accounts.csv"}, work,
            )
            # Spark runs each query in tens of seconds on 2 shared cores: a subset of the cases
            # that still covers every feature family (edge and usage specs: windows of every
            # aggregation, velocity plain and bounded, trends of counts and sums, normalised,
            # recency with and without `never`, tenure, ratio, stickiness, subscription and
            # static columns, log1p) and every label rule (anniversary with offset and
            # exclusion, monthly, dates, cutoff; horizon in days and months; lead; censoring
            # drop and keep; max_gap_days; scoring mode).
            quick = name == "spark"
            edge_cases(eng, work, quick)
            simulator_cases(eng, work, quick)
            shared = os.environ.get("CHURN_SHARED", "/work/shared")
            sn = os.path.join(shared, "datasets", "fightchurn_socialnet7_sim")
            if os.path.isdir(sn):
                run_case(
                    eng, "socialnet7", os.path.join(ROOT, "datasets/fightchurn_socialnet7.toml"), sn,
                    {"activity": "daily_usage.csv.gz", "subscriptions": "subscription.csv", "static_1": "account.csv"},
                    work,
                )
            elif os.environ.get("CI"):
                raise SystemExit(f"CI: {sn} is missing")
            else:
                log(f"skip socialnet7: {sn} not found")
        finally:
            eng.close()


if __name__ == "__main__":
    main()
