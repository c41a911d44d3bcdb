"""Deterministic synthetic churn-like table for the GBDT benchmark.

Writes row-major little-endian float32 features (NaN = missing) and uint8 labels:
data/{train,test}.X.f32, data/{train,test}.y.u8, data/meta.json.
"""
import json
import os
import sys

import numpy as np

N_TRAIN = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
N_TEST = 200_000
P = 50
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def make(n, rng):
    x = rng.standard_normal((n, P)).astype(np.float32)
    x[:, 10:20] = rng.random((n, 10), dtype=np.float32)
    x[:, 20:25] = rng.integers(0, 10, (n, 5)).astype(np.float32)
    x[:, 25:30] = rng.exponential(1.0, (n, 5)).astype(np.float32)
    x[:, 30:35] = np.round(rng.standard_normal((n, 5)) * 3).astype(np.float32)
    s = (
        1.0 * x[:, 0]
        - 0.8 * x[:, 1] ** 2
        + 1.2 * (x[:, 2] > 0) * x[:, 3]
        + np.sin(2.0 * x[:, 4])
        + 0.7 * x[:, 5] * x[:, 6]
        + 1.5 * (x[:, 10] > 0.7) * (x[:, 11] < 0.3)
        + 0.4 * (x[:, 20] % 3 == 0)
        - 0.3 * x[:, 21]
        + 0.6 * np.log1p(x[:, 25])
        + 0.5 * np.abs(x[:, 30]) / 3.0
        + 0.3 * x[:, 7]
        + 0.2 * x[:, 8] * x[:, 12]
    )
    # Informative missingness in two columns.
    m7 = rng.random(n) < 0.05
    m12 = rng.random(n) < 0.10
    s = s + 0.8 * m7
    x[m7, 7] = np.nan
    x[m12, 12] = np.nan
    s = s + rng.logistic(0.0, 1.0, n)
    return x, s


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240601)
    x, s = make(N_TRAIN + N_TEST, rng)
    thr = np.quantile(s[:N_TRAIN], 0.8)  # ~20% positives
    y = (s > thr).astype(np.uint8)
    for name, sl in (("train", slice(0, N_TRAIN)), ("test", slice(N_TRAIN, None))):
        np.ascontiguousarray(x[sl]).tofile(os.path.join(OUT, f"{name}.X.f32"))
        y[sl].tofile(os.path.join(OUT, f"{name}.y.u8"))
    meta = {"n_train": N_TRAIN, "n_test": N_TEST, "p": P, "pos_rate": float(y[:N_TRAIN].mean())}
    with open(os.path.join(OUT, "meta.json"), "w") as f:
        json.dump(meta, f)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
