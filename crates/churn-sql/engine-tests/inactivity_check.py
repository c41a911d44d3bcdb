"""Equivalence of `churn features` and its emitted SQL for specs without subscriptions
(inactivity labels, activity populations, tenure from first activity, purchase-cycle features),
and the refusal of BG/NBD.

usage: inactivity_check.py WORKDIR ENGINE [ENGINE...]   (engines: duckdb, spark)
Needs CHURN_BIN (the churn binary)."""
import csv
import datetime
import os
import random
import subprocess
import sys

from common import churn, log
from features_check import ROOT, run_case
import engines

HERE = os.path.dirname(os.path.abspath(__file__))

# Generated transaction logs: every option of the population and the label.
SIM_SPEC = """
mode = "{mode}"
data_end = "{data_end}"
[activity]
file = "transactions.csv"
account = "customer_id"
time = "timestamp"
type = "event_type"
{value}
event_types = ["purchase", "visit"]
{population}
[snapshots]
{snapshots}
[label]
kind = "inactivity"
lead_days = {lead}
{horizon}
censored = "{censored}"
{events}
[[features]]
kind = "recency"
events = ["purchase", "any"]
[[features]]
kind = "tenure"
[[features]]
kind = "purchase_cycle"
events = ["purchase", "any"]
windows = [7, 30, 90]
trend_periods = 4
trend_period_days = 15
[[features]]
kind = "window"
events = "*"
windows = [14]
aggregations = ["count", "sum", "active_days"]
"""


def sim_spec(path, mode="training", data_end="2024-07-19", value=True, population=60,
             snapshots='kind = "monthly"\nstart = "2024-03-01"\nend = "2024-07-01"', lead=0,
             horizon="horizon_days = 60", censored="drop", events=True):
    open(path, "w").write(SIM_SPEC.format(
        mode=mode, data_end=data_end, value='value = "amount"' if value else "",
        population=f"[population]\nactive_within_days = {population}" if population else "",
        snapshots=snapshots, lead=lead, horizon=horizon, censored=censored,
        events='events = ["purchase"]' if events else "",
    ))


def simulated_cases(eng, work, quick):
    for seed in [1] if quick else [1, 2]:
        d = os.path.join(work, f"tx{seed}")
        if not os.path.exists(os.path.join(d, "transactions.csv")):
            churn("simulate", "--kind", "transactions", "--accounts", 300, "--days", 200, "--seed", seed, "--out", d)
        variants = [
            {},
            {"lead": 7, "horizon": "horizon_months = 1", "censored": "keep", "population": None},
            {"mode": "scoring", "events": False, "value": False,
             "snapshots": 'kind = "dates"\ndates = ["2024-05-17", "2024-02-01", "2024-07-18"]'},
        ]
        for i, v in enumerate(variants):
            if quick and i != 2:  # Spark: scoring mode, dates, no value column
                continue
            spec = os.path.join(d, f"spec{i}.toml")
            sim_spec(spec, **v)
            run_case(eng, f"tx{seed}-spec{i}", spec, d, {"activity": "transactions.csv"}, work)


def ds(n):
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=n)).isoformat()


def edge_data(d, seed):
    """Activity on snapshot days and the day before, accounts whose first activity is a snapshot
    day, accounts with one purchase, with only visits, with undeclared types, purchases after
    data_end (censored windows), negative and fractional amounts."""
    rng = random.Random(seed)
    os.makedirs(d, exist_ok=True)
    snaps = [20089 + 31, 20089 + 59, 20089 + 90]  # 2025-02-01, 2025-03-01, 2025-04-01
    rows = []
    for i in range(80):
        acc = f"c{i:03d}"
        kind = i % 8
        if kind == 0:  # first activity on a snapshot day
            first = rng.choice(snaps)
        elif kind == 1:  # one purchase only
            rows.append([acc, f"{ds(20089 + rng.randrange(0, 120))}T10:00:00", "purchase", 5])
            continue
        elif kind == 2:  # visits only
            for _ in range(rng.randrange(1, 6)):
                rows.append([acc, f"{ds(20089 + rng.randrange(0, 120))}T10:00:00", "visit", 0])
            continue
        else:
            first = 20089 + rng.randrange(-60, 60)
        day = first
        for _ in range(rng.randrange(1, 25)):
            if day > 20089 + 200:
                break
            if rng.random() < 0.3:
                day = rng.choice(snaps) - rng.choice([0, 0, 1])  # on a snapshot day or the day before
            ty = rng.choice(["purchase", "purchase", "visit", "return"])
            amt = rng.choice([1, 2.5, -3.25, 10, 0, 99.99])
            for _ in range(rng.choice([1, 1, 2])):  # several rows on one day
                rows.append([acc, f"{ds(day)}T{rng.randrange(24):02d}:15:00", ty, amt])
            day += rng.choice([1, 3, 7, 14, 30, 45])
    rng.shuffle(rows)
    with open(os.path.join(d, "tx.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "timestamp", "event_type", "amount"])
        w.writerows(rows)


def edge_cases(eng, work, quick):
    for seed in [1] if quick else [1, 2]:
        d = os.path.join(work, f"txedge{seed}")
        edge_data(d, seed)
        base = {"snapshots": 'kind = "dates"\ndates = ["2025-02-01", "2025-03-01", "2025-04-01"]',
                "data_end": "2025-04-20"}
        variants = [
            dict(base, horizon="horizon_days = 19", censored="drop", population=None),  # 04-01 + 19 = data_end
            dict(base, horizon="horizon_days = 45", censored="keep", lead=5, population=28),
            dict(base, horizon="horizon_months = 2", censored="keep", events=False, population=None),
        ]
        for i, v in enumerate(variants):
            # Spark: a window ending exactly at data_end with `drop`, and horizon_months with
            # `keep` and every activity counted.
            if quick and i == 1:
                continue
            spec = os.path.join(d, f"spec{i}.toml")
            sim_spec(spec, **v)
            text = open(spec).read().replace('"transactions.csv"', '"tx.csv"')
            open(spec, "w").write(text)
            run_case(eng, f"txedge{seed}-spec{i}", spec, d, {"activity": "tx.csv"}, work)


def bgnbd_is_refused(dialect):
    """The example spec's default features include BG/NBD: the SQL generator must refuse it."""
    spec = os.path.join(ROOT, "datasets/transactions-small/spec.toml")
    p = subprocess.run([os.environ["CHURN_BIN"], "features", "--spec", spec, "--emit-sql", "--dialect", dialect],
                       capture_output=True, text=True)
    if p.returncode == 0 or "bgnbd" not in p.stderr or dialect not in p.stderr.lower():
        raise AssertionError(f"BG/NBD spec not refused for {dialect}: {p.returncode} {p.stderr}")
    log(f"ok  BG/NBD refused for {dialect}: {p.stderr.strip().splitlines()[-1]}")


def main():
    work = sys.argv[1]
    os.makedirs(work, exist_ok=True)
    for name in sys.argv[2:]:
        bgnbd_is_refused(name)
        eng = engines.make(name)
        try:
            run_case(eng, "transactions-example", os.path.join(HERE, "transactions-no-bgnbd.toml"),
                     os.path.join(ROOT, "datasets/transactions-small"), {"activity": "transactions.csv"}, work)
            # Spark (slow): a subset; with the example (monthly snapshots, population window,
            # horizon_days, drop, purchase-cycle and value features) it covers every label rule.
            quick = name == "spark"
            edge_cases(eng, work, quick)
            simulated_cases(eng, work, quick)
        finally:
            eng.close()


if __name__ == "__main__":
    main()
