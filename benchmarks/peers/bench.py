"""Peer benchmark (issues 3, 13): scikit-learn / LightGBM / CatBoost / XGBoost against `churn train` + `churn score`.

Usage: bench.py CHURN_BINARY SPLITS_DIR OUT_MD REPEAT [DATASET ...]

For every data set: fits the seven peers on train.csv (PEERS.md preprocessing; CatBoost native categoricals), scores test.csv, then runs
`churn train` (default --models auto) and `churn score` through the CLI and computes AUC and Brier of the written
`churn_probability` column against test.csv's labels with the same sklearn metrics. Fit times are repeated REPEAT
times (peers and churn alternating) and the median is reported; probabilities are deterministic (fixed seeds), so
the metrics come from the first repetition.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

warnings.filterwarnings("ignore")

# Flags per ../shared/splits/PEERS.md: label, positive value, id column, dropped columns.
DATASETS = {
    "telco": dict(label="Churn", positive="Yes", id="customerID", drop=[]),
    "orange": dict(label="Churn", positive="True", id=None, drop=[]),
    "bank": dict(label="Exited", positive="1", id="CustomerId", drop=["RowNumber", "Surname"]),
    "bankchurners": dict(label="Attrition_Flag", positive="Attrited Customer", id="CLIENTNUM", drop=[]),
}

class CatBoostNative:
    """CatBoost with its native categorical handling (PEERS.md): the non-numeric columns are passed as categorical
    features, missing categories as the string "missing"; numeric columns as they are (CatBoost handles NaN)."""

    def __init__(self):
        from catboost import CatBoostClassifier
        self.model = CatBoostClassifier(verbose=0, random_seed=0, thread_count=2, allow_writing_files=False)

    def _prep(self, X):
        X = X.copy()
        for c in self.cats:
            X[c] = X[c].fillna("missing").astype(str)
        return X

    def fit(self, X, y):
        self.cats = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
        self.model.fit(self._prep(X), y, cat_features=self.cats)
        return self

    def predict_proba(self, X):
        return self.model.predict_proba(self._prep(X))


def one_hot(make):
    """A peer fitted on the PEERS.md preprocessing (mean-imputed, standardized numbers; one-hot categories)."""
    return lambda X: Pipeline([("prep", preprocessor(X)), ("model", make())])


def xgboost():
    from xgboost import XGBClassifier
    return XGBClassifier(n_jobs=2, random_state=0)


# Each peer: a function of the training frame returning an estimator with fit / predict_proba.
PEERS = {
    "sklearn LogisticRegression(balanced)": one_hot(lambda: LogisticRegression(class_weight="balanced",
                                                                               max_iter=10000)),
    "sklearn LogisticRegression(unweighted)": one_hot(lambda: LogisticRegression(max_iter=10000)),
    "sklearn RandomForest(300)": one_hot(lambda: RandomForestClassifier(n_estimators=300, n_jobs=2, random_state=0)),
    "sklearn HistGradientBoosting": one_hot(lambda: HistGradientBoostingClassifier(random_state=0)),
    "LightGBM(default)": one_hot(lambda: LGBMClassifier(n_jobs=2, random_state=0, verbose=-1)),
    "CatBoost(default)": lambda X: CatBoostNative(),
    "XGBoost(default)": one_hot(xgboost),
}


def load(path, spec):
    """Reads a split; returns features, 0/1 label. Blank strings are missing values (telco TotalCharges)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    y = (df[spec["label"]].str.strip() == spec["positive"]).astype(int).to_numpy()
    drop = [spec["label"]] + ([spec["id"]] if spec["id"] else []) + spec["drop"]
    X = df.drop(columns=drop).apply(lambda c: c.str.strip()).replace("", np.nan)
    # A column is numeric when every non-missing value parses as a number; otherwise categorical.
    for c in X.columns:
        num = pd.to_numeric(X[c], errors="coerce")
        if num.notna().sum() == X[c].notna().sum():
            X[c] = num
    return X, y


def preprocessor(X):
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    categorical = [c for c in X.columns if c not in numeric]
    return ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numeric),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                              OneHotEncoder(handle_unknown="ignore", sparse_output=False)), categorical),
    ])


def churn_flags(spec):
    f = ["--label", spec["label"], "--positive", spec["positive"]]
    if spec["id"]:
        f += ["--id", spec["id"]]
    if spec["drop"]:
        f += ["--drop", ",".join(spec["drop"])]
    return f


def run(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout}")
    return dt, p.stdout


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def bench(name, spec, churn, splits, repeat, tmp):
    train, test = os.path.join(splits, name, "train.csv"), os.path.join(splits, name, "test.csv")
    Xtr, ytr = load(train, spec)
    Xte, yte = load(test, spec)
    fit = {k: [] for k in PEERS}
    metrics = {}
    churn_train_s, churn_score_s = [], []
    model = os.path.join(tmp, f"{name}.model.json")
    scores = os.path.join(tmp, f"{name}.scores.csv")
    loads = [loadavg()]
    for rep in range(repeat):
        for label, make in PEERS.items():
            pipe = make(Xtr)
            t = time.perf_counter()
            pipe.fit(Xtr, ytr)  # timed: preprocessing fit + model fit (CSV read excluded)
            fit[label].append(time.perf_counter() - t)
            if rep == 0:
                p = pipe.predict_proba(Xte)[:, 1]
                metrics[label] = (roc_auc_score(yte, p), brier_score_loss(yte, p))
        dt, log = run([churn, "train", "--data", train, *churn_flags(spec), "--out", model])
        churn_train_s.append(dt)
        if rep == 0:
            dt, _ = run([churn, "score", "--model", model, "--data", test, "--out", scores, "--quiet",
                         "--summary", os.path.join(tmp, f"{name}.summary.json")])
            churn_score_s.append(dt)
            out = pd.read_csv(scores, dtype={"churn_probability": float}, keep_default_na=False)
            if len(out) != len(yte):
                sys.exit(f"{name}: churn scored {len(out)} rows of {len(yte)}")
            if spec["id"]:  # same row order as test.csv: check it through the id column
                ids = pd.read_csv(test, dtype=str, usecols=[spec["id"]])[spec["id"]].str.strip()
                assert (out[spec["id"]].astype(str).str.strip().to_numpy() == ids.to_numpy()).all(), "row order"
            p = out["churn_probability"].to_numpy()
            metrics["churn"] = (roc_auc_score(yte, p), brier_score_loss(yte, p))
            winner = next((l for l in log.splitlines() if l.startswith("trained ")), "").strip()
        loads.append(loadavg())
    med = {k: statistics.median(v) for k, v in fit.items()}
    return dict(name=name, rows_train=len(ytr), rows_test=len(yte), rate=float(ytr.mean()), metrics=metrics,
                fit=med, fit_all=fit, churn_train=statistics.median(churn_train_s), churn_train_all=churn_train_s,
                churn_score=churn_score_s[0], winner=winner, loads=loads)


def report(r, repeat):
    m, lines = r["metrics"], []
    peer_sum = sum(r["fit"].values())
    peer_min = sum(min(v) for v in r["fit_all"].values())
    best_auc = max(PEERS, key=lambda k: m[k][0])
    best_brier = min(PEERS, key=lambda k: m[k][1])
    auc_d = m["churn"][0] - m[best_auc][0]
    brier_d = m["churn"][1] - m[best_brier][1]
    ratio = r["churn_train"] / peer_sum
    ok = dict(auc=auc_d >= -0.002, brier=brier_d <= 0.002, time=ratio <= 1.0)
    pf = lambda b: "PASS" if b else "FAIL"
    lines.append(f"### {r['name']}  (train {r['rows_train']} rows, test {r['rows_test']} rows, "
                 f"train churn rate {r['rate']:.3f})")
    lines.append("")
    lines.append(f"| model | test AUC | Brier | fit s (median of {repeat}) | fit s (fastest) |")
    lines.append("|---|---|---|---|---|")
    for k in PEERS:
        lines.append(f"| {k} | {m[k][0]:.4f} | {m[k][1]:.4f} | {r['fit'][k]:.2f} | {min(r['fit_all'][k]):.2f} |")
    lines.append(f"| **churn** (`churn train`, --models auto, whole command) | **{m['churn'][0]:.4f}** | "
                 f"**{m['churn'][1]:.4f}** | **{r['churn_train']:.2f}** | {min(r['churn_train_all']):.2f} |")
    lines.append(f"| sum of the peers' fits | | | {peer_sum:.2f} | {peer_min:.2f} |")
    lines.append("")
    lines.append(f"- churn selected: `{r['winner']}`; `churn score` on test.csv took {r['churn_score']:.2f} s")
    lines.append(f"- AUC: churn − best peer ({best_auc}) = {auc_d:+.4f} (need ≥ −0.002): **{pf(ok['auc'])}**")
    lines.append(f"- Brier: churn − best peer ({best_brier}) = {brier_d:+.4f} (need ≤ +0.002): "
                 f"**{pf(ok['brier'])}**")
    lines.append(f"- time: churn train / sum of peer fits = {r['churn_train']:.2f} / {peer_sum:.2f} = {ratio:.2f} "
                 f"(need ≤ 1): **{pf(ok['time'])}**")
    lines.append(f"- stricter view: churn's fastest run / sum of the peers' fastest fits = "
                 f"{min(r['churn_train_all']) / peer_min:.2f}")
    no_hgb = sum(v for k, v in r["fit"].items() if "HistGradientBoosting" not in k)
    lines.append(f"- without HistGradientBoosting (the fit most inflated by load): churn train / sum of the other "
                 f"three = {r['churn_train']:.2f} / {no_hgb:.2f} = {r['churn_train'] / no_hgb:.2f}")
    lines.append(f"- all runs, s: churn train {', '.join(f'{x:.2f}' for x in r['churn_train_all'])}; "
                 f"peer sums {', '.join(f'{sum(x):.2f}' for x in zip(*r['fit_all'].values()))}")
    lines.append(f"- load average during the runs: {' -> '.join(r['loads'])}")
    lines.append("")
    return lines, ok, dict(auc_d=auc_d, brier_d=brier_d, ratio=ratio,
                           ratio_min=min(r["churn_train_all"]) / peer_min)


def main():
    churn, splits, out_md, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    names = sys.argv[5:] or list(DATASETS)
    import lightgbm
    import sklearn
    header = [
        "# Peer benchmark results (issues 3 and 13)",
        "",
        f"Generated by `benchmarks/peers/run.sh` on {time.strftime('%Y-%m-%d %H:%M:%S')}; "
        f"scikit-learn {sklearn.__version__}, LightGBM {lightgbm.__version__}, pandas {pd.__version__}; "
        f"{os.cpu_count()} cores; load average at start {loadavg()}.",
        "",
        "Peer fit time = `Pipeline.fit` (imputation, scaling, one-hot encoding and the model) on the parsed frame; "
        "churn time = the whole `churn train` command (CSV read, every candidate, search, calibration, refit, "
        "model file write). Metrics are on test.csv (never seen in training). Every peer is fitted once, untimed, "
        "before the timed runs (thread-pool start-up). PASS/FAIL uses the medians; the fastest-run ratio is shown "
        "because the machine is shared and OpenMP learners (HistGradientBoosting, LightGBM) suffer most from "
        "other load.",
        "",
    ]
    print("\n".join(header), flush=True)
    body, summary = [], []
    # One untimed fit of every peer first: the first OpenMP fit in a process pays thread-pool start-up, which on a
    # loaded machine was seen to take 10-30 s for HistGradientBoosting; it is not part of a fit.
    Xw, yw = load(os.path.join(splits, names[0], "train.csv"), DATASETS[names[0]])
    for make in PEERS.values():
        make(Xw).fit(Xw, yw)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            print(f"... {name} (load {loadavg()})", file=sys.stderr, flush=True)
            r = bench(name, DATASETS[name], churn, splits, repeat, tmp)
            lines, ok, d = report(r, repeat)
            print("\n".join(lines), flush=True)
            body += lines
            summary.append((name, ok, d))
    pf = lambda b: "PASS" if b else "FAIL"
    tail = ["## Summary against issue 13 (this seed)", "",
            "| data set | AUC − best peer | Brier − best peer | train time ratio (medians) | ratio (fastest runs) "
            "| AUC | Brier | time | overall |",
            "|---|---|---|---|---|---|---|---|---|"]
    for name, ok, d in summary:
        tail.append(f"| {name} | {d['auc_d']:+.4f} | {d['brier_d']:+.4f} | {d['ratio']:.2f} | {d['ratio_min']:.2f} | {pf(ok['auc'])} | "
                    f"{pf(ok['brier'])} | {pf(ok['time'])} | **{pf(all(ok.values()))}** |")
    tail += ["", f"Load average at the end: {loadavg()}.", ""]
    print("\n".join(tail), flush=True)
    with open(out_md, "w") as f:
        f.write("\n".join(header + tail + ["## Per data set", ""] + body))
    print(f"written {out_md}", file=sys.stderr)


if __name__ == "__main__":
    main()
