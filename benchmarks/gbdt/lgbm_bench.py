"""Fit and score LightGBM on the benchmark table; prints one JSON line."""
import json
import os
import sys
import time

import lightgbm as lgb
import numpy as np

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
N_TREES = int(sys.argv[1])
LEAVES = int(sys.argv[2])
THREADS = int(sys.argv[3])


def load(name, n, p):
    x = np.fromfile(os.path.join(D, f"{name}.X.f32"), dtype=np.float32).reshape(n, p)
    y = np.fromfile(os.path.join(D, f"{name}.y.u8"), dtype=np.uint8)
    return x, y


def auc(s, y):
    order = np.argsort(s, kind="mergesort")
    s, y = s[order], y[order]
    ranks = np.empty(len(s))
    i = 0
    # average ranks over ties
    _, first, counts = np.unique(s, return_index=True, return_counts=True)
    for f, c in zip(first, counts):
        ranks[f:f + c] = f + (c + 1) / 2.0
    npos = y.sum()
    nneg = len(y) - npos
    return (ranks[y == 1].sum() - npos * (npos + 1) / 2) / (npos * nneg)


def main():
    meta = json.load(open(os.path.join(D, "meta.json")))
    p = meta["p"]
    xtr, ytr = load("train", meta["n_train"], p)
    xte, yte = load("test", meta["n_test"], p)
    params = {
        "objective": "binary",
        "num_leaves": LEAVES,
        "learning_rate": 0.1,
        "min_data_in_leaf": 20,
        "min_sum_hessian_in_leaf": 1e-3,
        "max_bin": 255,
        "num_threads": THREADS,
        "verbose": -1,
        "seed": 1,
        "deterministic": True,
    }
    c0 = time.process_time()
    t0 = time.perf_counter()
    ds = lgb.Dataset(xtr, label=ytr, params={"max_bin": 255, "verbose": -1})
    booster = lgb.train(params, ds, num_boost_round=N_TREES)
    fit_s = time.perf_counter() - t0
    fit_cpu = time.process_time() - c0
    c0 = time.process_time()
    t0 = time.perf_counter()
    raw = booster.predict(xte, raw_score=True, num_threads=THREADS)
    pred_s = time.perf_counter() - t0
    pred_cpu = time.process_time() - c0
    print(json.dumps({"fit_s": fit_s, "predict_s": pred_s, "fit_cpu_s": fit_cpu, "predict_cpu_s": pred_cpu,
                      "auc": float(auc(raw, yte)),
                      "n_test": int(meta["n_test"])}))


if __name__ == "__main__":
    main()
