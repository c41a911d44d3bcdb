"""CDNOW churn benchmark: `churn` (features -> train -> score) against Python peers.

Cut-off 1997-10-01; churn = no purchase from 1997-10-01 to 1998-06-30 (273 days). Customers
sorted by id are split 80/20 with scikit-learn's train_test_split(test_size=0.2, stratify=y,
random_state=0). `churn` trains with its defaults on the training customers' rows of
`churn features` (spec: cdnow.toml) and scores the test customers. Peers on the same split:
RFM features + logistic regression, RFM + LightGBM, BG/NBD alone (the `lifetimes` package).

The data ships inside `lifetimes` (datasets/CDNOW_master.txt); it is read from the installed
package, never copied into the repository. Run through run.sh (it makes the virtualenv).

    python cdnow.py --churn CHURN_BINARY --work DIR [--cutoff 1997-10-01] [--horizon-days 273]
"""

import argparse
import datetime as dt
import json
import pathlib
import subprocess
import sys

import lifetimes
import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = pathlib.Path(__file__).resolve().parent


def run(cmd):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True)


def rfm_features(tx, ids, cutoff):
    """RFM features at the cut-off (purchases strictly before it): recency, frequency,
    monetary, tenure, 90-day spend velocity, monthly spend slope (last 6 months)."""
    past = tx[tx.date < cutoff]
    g = past.groupby("customer_id")
    days = (cutoff - g.date.max()).dt.days
    first = (cutoff - g.date.min()).dt.days
    freq = g.date.nunique()
    money = g.value.mean()
    d = (cutoff - past.date).dt.days
    s90 = past[d <= 90].groupby("customer_id").value.sum()
    s180 = past[(d > 90) & (d <= 180)].groupby("customer_id").value.sum()
    month = ((d - 1) // 30).clip(upper=6)
    per = past[month < 6].assign(m=month[month < 6]).pivot_table(
        index="customer_id", columns="m", values="value", aggfunc="sum", fill_value=0.0
    )
    per = per.reindex(columns=range(6), fill_value=0.0)
    x = -np.arange(6.0)  # period 0 is the latest
    xc = x - x.mean()
    slope = (per.values * xc).sum(axis=1) / (xc**2).sum()
    f = pd.DataFrame(index=pd.Index(ids, name="customer_id"))
    f["recency"] = days
    f["frequency"] = freq
    f["monetary"] = money
    f["tenure"] = first
    f["velocity90"] = (s90.reindex(ids).fillna(0) - s180.reindex(ids).fillna(0)) / (
        s180.reindex(ids).fillna(0) + 1
    )
    f["slope"] = pd.Series(slope, index=per.index).reindex(ids).fillna(0)
    return f.fillna(0)


def metrics(y, p):
    return {"auc": roc_auc_score(y, p), "brier": brier_score_loss(y, p)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--churn", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--cutoff", default="1997-10-01")
    ap.add_argument("--horizon-days", type=int, default=273)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    work = pathlib.Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    cutoff = pd.Timestamp(a.cutoff)
    end = cutoff + pd.Timedelta(days=a.horizon_days)

    src = pathlib.Path(lifetimes.__file__).parent / "datasets" / "CDNOW_master.txt"
    raw = pd.read_csv(src, sep=r"\s+", dtype={"customer_id": str, "date": str})
    tx = pd.DataFrame(
        {
            "customer_id": raw.customer_id,
            "date": pd.to_datetime(raw.date, format="%Y%m%d"),
            "type": "purchase",
            "value": raw.dollar_value,
        }
    )
    data_end = tx.date.max() + pd.Timedelta(days=1)
    out = tx.assign(date=tx.date.dt.strftime("%Y-%m-%d"))
    out.to_csv(work / "transactions.csv", index=False)

    # Population and labels, computed here independently of churn.
    ids = np.array(sorted(tx[tx.date < cutoff].customer_id.unique()))
    future = tx[(tx.date >= cutoff) & (tx.date < end)].customer_id.unique()
    y = (~pd.Index(ids).isin(future)).astype(int)
    print(f"{len(ids)} customers, churn rate {y.mean():.3f}")
    tr_ids, te_ids, y_tr, y_te = train_test_split(ids, y, test_size=0.2, stratify=y, random_state=0)

    # churn: features -> train -> score.
    spec = (HERE / "cdnow.toml").read_text()
    spec = spec.replace('date = "1997-10-01"', f'date = "{a.cutoff}"').replace(
        "horizon_days = 273", f"horizon_days = {a.horizon_days}"
    )
    spec = spec.replace('data_end = "1998-07-01"', f'data_end = "{data_end:%Y-%m-%d}"')
    (work / "cdnow.toml").write_text(spec)
    run([a.churn, "features", "--spec", work / "cdnow.toml", "--data-dir", work, "--out", work / "features.csv"])
    feats = pd.read_csv(work / "features.csv", dtype={"customer_id": str})
    assert len(feats) == len(ids), (len(feats), len(ids))
    lab = feats.set_index("customer_id").churned.reindex(ids).values
    assert (lab == y).all(), "churn's labels differ from the independent ones"
    tr = feats[feats.customer_id.isin(set(tr_ids))]
    te = feats[feats.customer_id.isin(set(te_ids))]
    tr.to_csv(work / "train.csv", index=False)
    te.to_csv(work / "test.csv", index=False)
    model = work / "model.json"
    run([a.churn, "train", "--data", work / "train.csv", "--features", work / "features.csv.dictionary.json",
         "--out", model])
    run([a.churn, "score", "--model", model, "--data", work / "test.csv", "--out", work / "scores.csv",
         "--drivers", "0"])
    sc = pd.read_csv(work / "scores.csv", dtype={"customer_id": str}).set_index("customer_id")
    yte = pd.Series(y_te, index=te_ids)
    results = {"churn (default train)": metrics(yte.values, sc.churn_probability.reindex(te_ids).values)}

    # Scoring from raw activity gives the same probabilities.
    run([a.churn, "score", "--model", model, "--as-of", a.cutoff, "--activity-dir", work,
         "--out", work / "scores-asof.csv", "--drivers", "0"])
    asof = pd.read_csv(work / "scores-asof.csv", dtype={"customer_id": str}).set_index("customer_id")
    assert len(asof) == len(ids)
    diff = np.abs(asof.churn_probability.reindex(te_ids).values - sc.churn_probability.reindex(te_ids).values)
    assert diff.max() < 1e-12, diff.max()

    # Peers: RFM + logistic regression / LightGBM.
    f = rfm_features(tx, ids, cutoff)
    Xtr, Xte = f.loc[tr_ids].values, f.loc[te_ids].values
    lr = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(Xtr, y_tr)
    results["RFM + logistic regression"] = metrics(y_te, lr.predict_proba(Xte)[:, 1])
    import lightgbm as lgb

    gbm = lgb.LGBMClassifier(n_estimators=200, learning_rate=0.05, num_leaves=15, min_child_samples=50,
                             random_state=0, verbose=-1).fit(Xtr, y_tr)
    results["RFM + LightGBM"] = metrics(y_te, gbm.predict_proba(Xte)[:, 1])

    # Peer: BG/NBD alone (lifetimes), fitted on the training customers; P(no purchase) through
    # a logistic calibration of log(1 + expected purchases in the horizon) on the training split.
    summ = lifetimes.utils.summary_data_from_transaction_data(
        tx[tx.date < cutoff], "customer_id", "date", observation_period_end=cutoff - pd.Timedelta(days=1), freq="D"
    )
    summ = summ / 7.0
    summ["frequency"] *= 7.0
    bg = BetaGeoFitter().fit(summ.loc[tr_ids, "frequency"], summ.loc[tr_ids, "recency"], summ.loc[tr_ids, "T"])
    ex = bg.conditional_expected_number_of_purchases_up_to_time(
        a.horizon_days / 7.0, summ.frequency, summ.recency, summ["T"]
    )
    z = np.log1p(ex.values).reshape(-1, 1)
    zs = pd.DataFrame(z, index=summ.index)
    cal = LogisticRegression().fit(zs.loc[tr_ids].values, y_tr)
    results["BG/NBD alone (lifetimes)"] = metrics(y_te, cal.predict_proba(zs.loc[te_ids].values)[:, 1])

    print()
    print(f"cut-off {a.cutoff}, horizon {a.horizon_days} days: {len(tr_ids)} training, {len(te_ids)} test customers")
    print("| model | test AUC | test Brier |")
    print("|---|---|---|")
    for k, v in results.items():
        print(f"| {k} | {v['auc']:.4f} | {v['brier']:.4f} |")
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
