#!/usr/bin/env python3
"""Equivalent pandas implementation of the churn-features specs used in the benchmark.

    pandas_features.py fightchurn DATA_DIR OUT.csv
        the features of datasets/fightchurn_socialnet7.toml on daily_usage.csv.gz (book rows:
        anniversaries - 5 days in 2020-02-09..2020-05-10, churn in [t+5, t+5+1 month)).
    pandas_features.py events DATA_DIR OUT.csv SNAP_START SNAP_END DATA_END
        the features of benchmarks/features/events_spec.toml on a raw events.csv
        (monthly snapshots on the 1st, churn in [t, t+30), censored rows dropped).

Written the way a careful pandas user would: vectorised, aggregate events to daily counts first,
then one merge of snapshot rows with the daily history and grouped sums per window.
Features at t use days strictly before t.
"""
import sys
import time

import numpy as np
import pandas as pd

EPOCH = np.datetime64("1970-01-01", "D")


def days(s):
    return (pd.to_datetime(s).values.astype("datetime64[D]") - EPOCH).astype(np.int64)


def add_months(day_ints, k):
    d = pd.to_datetime(day_ints, unit="D")
    return ((d + pd.DateOffset(months=int(k))).values.astype("datetime64[D]") - EPOCH).astype(np.int64)


def periods(subs, gap, data_end):
    """Active periods per account: rows merged when the gap is <= gap days; end NaN = active."""
    subs = subs[subs.start < data_end].sort_values(["account_id", "start"], kind="stable").copy()
    end = subs.end.where(subs.end < data_end, np.nan)
    subs["end2"] = end.fillna(np.inf)
    subs["cmax"] = subs.groupby("account_id").end2.cummax()
    prev = subs.groupby("account_id")["cmax"].shift()
    subs["new"] = prev.isna() | (subs.start > prev + gap)
    subs["pid"] = subs.new.cumsum()
    p = subs.groupby("pid").agg(account_id=("account_id", "first"), start=("start", "min"), end=("end2", "max"))
    p.loc[np.isinf(p.end), "end"] = np.nan
    return p.reset_index(drop=True)


def label_rows(obs, p, lead, horizon_end, data_end, keep_censored):
    """obs: account_id, t (candidate rows). Keeps rows alive at t; adds churned; drops churn in lead."""
    m = obs.merge(p, on="account_id")
    alive = (m.start < m.t) & (m.end.isna() | (m.t <= m.end))
    alive_rows = m.loc[alive, ["account_id", "t"]].drop_duplicates()
    ws = alive_rows.t + lead
    alive_rows = alive_rows.assign(ws=ws, we=horizon_end(ws.values))
    c = alive_rows.merge(p[p.end.notna()][["account_id", "end"]], on="account_id", how="left")
    c["in_lead"] = (c.end >= c.t) & (c.end < c.ws)
    c["churn"] = (c.end >= c.ws) & (c.end < c.we)
    g = c.groupby(["account_id", "t"]).agg(in_lead=("in_lead", "any"), churned=("churn", "any"), we=("we", "first")).reset_index()
    g = g[~g.in_lead]
    if not keep_censored:
        g = g[g.churned | (g.we <= data_end)]
    return g[["account_id", "t", "churned"]]


def features(obs, daily, types, first_start, window=28, weeks=8):
    """obs: account_id, t; daily: account_id, day, type, count."""
    obs = obs.reset_index(drop=True)
    obs["obs"] = np.arange(len(obs))
    m = obs[["obs", "account_id", "t"]].merge(daily, on="account_id")
    m["off"] = m.t - m.day
    m = m[m.off >= 1]
    out = obs[["account_id", "t"]].copy()
    n = len(obs)

    def per_type(mask, col="count"):
        s = m[mask].groupby(["obs", "type"])[col].sum().unstack(fill_value=0)
        return s.reindex(index=range(n), columns=types, fill_value=0)

    now = per_type(m.off <= window)
    prev = per_type((m.off > window) & (m.off <= 2 * window))
    for ty in types:
        out[f"{ty}_count_{window}d"] = now[ty].values
    a, b = now.values.astype(float), prev.values.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        vel = np.where(b != 0, (a - b) / b, np.where(a == 0, 0.0, 1.0))
        bvel = np.where(a + b != 0, (a - b) / (a + b), 0.0)
    for i, ty in enumerate(types):
        out[f"{ty}_count_velocity_{window}d"] = vel[:, i]
    for i, ty in enumerate(types):
        out[f"{ty}_count_velocity_bounded_{window}d"] = bvel[:, i]
    w = m[m.off <= 7 * weeks].copy()
    w["x"] = weeks - 1 - (w.off - 1) // 7
    wk = w.groupby(["obs", "type", "x"])["count"].sum()
    full = pd.MultiIndex.from_product([range(n), types, range(weeks)], names=["obs", "type", "x"])
    ys = wk.reindex(full, fill_value=0).values.reshape(n, len(types), weeks).astype(float)
    xs = np.arange(weeks) - (weeks - 1) / 2
    slope = ((ys - ys.mean(axis=2, keepdims=True)) * xs).sum(axis=2) / (xs**2).sum()
    for i, ty in enumerate(types):
        out[f"{ty}_trend_{weeks}x7d"] = slope[:, i]
    tenure = obs.t.values - obs.account_id.map(first_start).values
    out["tenure_days"] = tenure
    last = m.groupby("obs").off.min().reindex(range(n))
    out["days_since_any"] = np.where(last.isna(), tenure, last.values)
    act = m[m.off <= window].groupby("obs").day.nunique().reindex(range(n), fill_value=0)
    out[f"any_active_days_{window}d"] = act.values
    act7 = m[m.off <= 7].groupby("obs").day.nunique().reindex(range(n), fill_value=0)
    out[f"any_stickiness_7_{window}d"] = np.where(act.values > 0, act7.values / np.maximum(act.values, 1), 0.0)
    return out


def main():
    mode, data_dir, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
    t0 = time.perf_counter()
    if mode == "fightchurn":
        names = ["post", "newfriend", "like", "adview", "dislike", "unfriend", "message", "reply"]
        daily = pd.read_csv(f"{data_dir}/daily_usage.csv.gz")
        daily["day"] = days(daily.date)
        daily["type"] = pd.Categorical.from_codes(daily.event_type_id, names)
        daily = daily.groupby(["account_id", "day", "type"], observed=True)["count"].sum().reset_index()
        daily["type"] = daily.type.astype(str)
        subs = pd.read_csv(f"{data_dir}/subscription.csv")
        subs["start"], subs["end"] = days(subs.start_date), days(subs.end_date)
        data_end = int(days(pd.Series(["2020-05-11"]))[0])
        s, e = (int(x) for x in days(pd.Series(["2020-02-09", "2020-05-10"])))
        excl = int(days(pd.Series(["2020-03-04"]))[0])
        p = periods(subs, 7, data_end)
        cand = []
        for k in range(1, 12):
            q = p[~(p.end <= excl)]
            t = add_months(q.start.values, k) - 5
            ok = (t >= s) & (t <= e) & (q.end.isna().values | (t <= q.end.values))
            cand.append(pd.DataFrame({"account_id": q.account_id.values[ok], "t": t[ok]}))
        obs = pd.concat(cand).drop_duplicates()
        rows = label_rows(obs, p, 5, lambda ws: add_months(ws, 1), data_end, keep_censored=True)
        first_start = subs[subs.start < data_end].groupby("account_id").start.min()
        feat = features(rows[["account_id", "t"]], daily, names, first_start)
        feat["reply_per_message_28d"] = np.where(feat.message_count_28d != 0, feat.reply_count_28d / feat.message_count_28d.where(feat.message_count_28d != 0, 1), 0.0)
        feat["like_count_28d_log1p"] = np.log1p(feat.like_count_28d)
        acc = pd.read_csv(f"{data_dir}/account.csv")[["account_id", "channel"]]
        feat = feat.merge(acc, on="account_id", how="left")
        feat["churned"] = rows.churned.astype(int).values
    else:
        snap_start, snap_end, data_end_s = sys.argv[4], sys.argv[5], sys.argv[6]
        types = ["login", "dashboard_view", "report_export", "api_call", "invite_user", "integration_sync"]
        ev = pd.read_csv(f"{data_dir}/events.csv", dtype={"account_id": "category", "event_type": "category"})
        ev["day"] = days(ev.timestamp.str.slice(0, 10))
        daily = ev.groupby(["account_id", "day", "event_type"], observed=True).size().rename("count").reset_index()
        daily = daily.rename(columns={"event_type": "type"})
        daily["account_id"] = daily.account_id.astype(str)
        daily["type"] = daily.type.astype(str)
        del ev
        subs = pd.read_csv(f"{data_dir}/subscriptions.csv")
        subs["start"] = days(subs.start_date)
        subs["end"] = pd.Series(days(subs.end_date.fillna("2262-01-01"))).where(subs.end_date.notna(), np.nan).values
        data_end = int(days(pd.Series([data_end_s]))[0])
        dates = pd.date_range(snap_start, snap_end, freq="MS")
        dates = ((dates.values.astype("datetime64[D]") - EPOCH).astype(np.int64))
        p = periods(subs, 0, data_end)
        obs = p[["account_id"]].drop_duplicates().merge(pd.DataFrame({"t": dates}), how="cross")
        rows = label_rows(obs, p, 0, lambda ws: ws + 30, data_end, keep_censored=False)
        first_start = subs[subs.start < data_end].groupby("account_id").start.min()
        feat = features(rows[["account_id", "t"]], daily, types, first_start)
        feat["churned"] = rows.churned.astype(int).values
    feat.insert(1, "snapshot_date", pd.to_datetime(feat.t, unit="D").dt.strftime("%Y-%m-%d"))
    feat = feat.drop(columns=["t"])
    feat.to_csv(out_path, index=False)
    print(f"pandas: {len(feat)} rows, {feat.shape[1] - 2} columns in {time.perf_counter() - t0:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
