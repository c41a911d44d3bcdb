"""Survival peers (issue 15): scikit-survival (Cox, gradient boosting, random survival forest) and
lifelines Cox against `churn train --time` + `churn score`, on the telco split.

Usage: bench.py CHURN_BINARY SPLITS_DIR OUT_MD

Time = tenure (months), event = Churn == Yes, TotalCharges dropped (about tenure x monthly charge).
Peers: numeric columns standardised, categorical one-hot (drop none), fitted on train.csv. churn: trained
through the CLI, then test.csv scored with tenure set to 0 (probabilities from the start). Every model is
judged by the same scikit-survival metrics: Harrell's C of the 24-month churn probability, IPCW Brier at
3/6/12/24 months and the integrated Brier over them, test times censored at the training follow-up
(71.5 months) so the censoring weights exist. Fit times are wall-clock seconds of one fit.
"""
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sksurv.ensemble import GradientBoostingSurvivalAnalysis, RandomSurvivalForest
from sksurv.linear_model import CoxPHSurvivalAnalysis
from sksurv.metrics import brier_score, concordance_index_censored, integrated_brier_score
from sksurv.util import Surv

warnings.filterwarnings("ignore")
H = [3, 6, 12, 24]
CAP = 71.5


def main():
    churn, splits, out_md = sys.argv[1], sys.argv[2], sys.argv[3]
    d = os.path.join(splits, "telco")
    tr = pd.read_csv(os.path.join(d, "train.csv"))
    te = pd.read_csv(os.path.join(d, "test.csv"))
    e_tr = tr.Churn.eq("Yes").values
    t_tr = tr.tenure.values.astype(float)
    e_te = te.Churn.eq("Yes").values
    t_te = te.tenure.values.astype(float)
    e_te = e_te & (t_te <= CAP)
    t_te = np.minimum(t_te, CAP)
    y_tr = Surv.from_arrays(e_tr, t_tr)
    y_te = Surv.from_arrays(e_te, t_te)

    feats = [c for c in tr.columns if c not in ("customerID", "tenure", "Churn", "TotalCharges")]
    num = [c for c in feats if tr[c].dtype.kind in "if"]
    cat = [c for c in feats if c not in num]
    pre = ColumnTransformer([("num", StandardScaler(), num), ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cat)])
    x_tr = pre.fit_transform(tr[feats])
    x_te = pre.transform(te[feats])

    rows = []

    def judge(name, surv, secs):
        surv = np.asarray(surv)
        c = concordance_index_censored(e_te, t_te, 1.0 - surv[:, -1])[0]
        _, b = brier_score(y_tr, y_te, surv, H)
        ibs = integrated_brier_score(y_tr, y_te, surv, H)
        rows.append((name, c, b, ibs, secs))
        print(f"{name:<40} C {c:.4f} Brier {' / '.join(f'{v:.4f}' for v in b)} mean {b.mean():.4f} IBS {ibs:.4f} fit {secs:.2f} s", flush=True)

    def fit_sksurv(name, model):
        t0 = time.perf_counter()
        model.fit(x_tr, y_tr)
        secs = time.perf_counter() - t0
        fns = model.predict_survival_function(x_te)
        judge(name, [[f(h) for h in H] for f in fns], secs)

    fit_sksurv("sksurv CoxPH(alpha=0.1)", CoxPHSurvivalAnalysis(alpha=0.1))
    fit_sksurv("sksurv GradientBoostingSurvival", GradientBoostingSurvivalAnalysis(random_state=0))
    fit_sksurv("sksurv RandomSurvivalForest(200)", RandomSurvivalForest(n_estimators=200, min_samples_leaf=15, n_jobs=-1, random_state=0))

    cols = [f"x{i}" for i in range(x_tr.shape[1])]
    df = pd.DataFrame(x_tr, columns=cols)
    df["T"], df["E"] = t_tr, e_tr.astype(int)
    t0 = time.perf_counter()
    cph = CoxPHFitter(penalizer=0.01).fit(df, "T", "E")
    secs = time.perf_counter() - t0
    sf = cph.predict_survival_function(pd.DataFrame(x_te, columns=cols), times=H).T.values
    judge("lifelines CoxPH(penalizer=0.01)", sf, secs)

    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "m.json")
        t0 = time.perf_counter()
        subprocess.run([churn, "train", "--data", os.path.join(d, "train.csv"), "--label", "Churn", "--positive", "Yes",
                        "--id", "customerID", "--time", "tenure", "--horizons", "3,6,12,24", "--drop", "TotalCharges",
                        "--out", model], check=True, stdout=subprocess.DEVNULL)
        secs = time.perf_counter() - t0
        zero = te.copy()
        zero["tenure"] = 0
        zpath = os.path.join(tmp, "test0.csv")
        zero.to_csv(zpath, index=False)
        scores = os.path.join(tmp, "s.csv")
        subprocess.run([churn, "score", "--quiet", "--model", model, "--data", zpath, "--out", scores], check=True)
        s = pd.read_csv(scores)
        judge("churn train --time (whole search + refit)", 1.0 - s[[f"churn_probability_{h}" for h in H]].values, secs)

    with open(out_md, "w") as f:
        f.write("| model | Harrell's C | IPCW Brier at 3 / 6 / 12 / 24 months | mean | integrated Brier (3-24) | fit s |\n")
        f.write("|---|---|---|---|---|---|\n")
        for name, c, b, ibs, secs in rows:
            f.write(f"| {name} | {c:.4f} | {' / '.join(f'{v:.4f}' for v in b)} | {b.mean():.4f} | {ibs:.4f} | {secs:.2f} |\n")


if __name__ == "__main__":
    main()
