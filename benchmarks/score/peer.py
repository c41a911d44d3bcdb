"""Python scoring peers for benchmarks/score.

  peer.py fit TRAIN_CSV DIR TREES...   fits sklearn LogisticRegression(balanced) and LightGBM models with TREES
                                        trees each (same preprocessing as benchmarks/peers) and pickles them in DIR
  peer.py score MODEL_PKL IN_CSV OUT_CSV [contrib]
                                        pandas read_csv -> preprocessing + predict_proba -> pandas to_csv
                                        (id, churn_probability); prints one JSON line: seconds from the start of
                                        read_csv to the end of to_csv (interpreter start, imports and unpickling
                                        excluded), and the split into read / predict / write. With `contrib`
                                        (LightGBM only), the predict step also computes LightGBM's own TreeSHAP
                                        (`pred_contrib=True`) and the output gains the three inputs with the
                                        largest positive contributions: the peer of `churn score --drivers 3`
"""
import json
import os
import pickle
import sys
import time
import warnings

import pandas as pd

warnings.filterwarnings("ignore")
ID, LABEL = "customerID", "Churn"


def read(path):
    # Telco's TotalCharges is blank (" ") for new customers: a missing number.
    return pd.read_csv(path, na_values=[" ", ""])


def fit(train, out_dir, trees):
    from lightgbm import LGBMClassifier
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df = read(train)
    y = (df[LABEL] == "Yes").astype(int)
    X = df.drop(columns=[ID, LABEL])
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    categorical = [c for c in X.columns if c not in numeric]

    def prep():
        return ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numeric),
            ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                                  OneHotEncoder(handle_unknown="ignore", sparse_output=False)), categorical),
        ])

    models = {"sklearn_logistic": LogisticRegression(class_weight="balanced", max_iter=10000)}
    for t in trees:
        models[f"lightgbm_{t}"] = LGBMClassifier(n_estimators=t, n_jobs=2, random_state=0, verbose=-1)
    for name, model in models.items():
        pipe = Pipeline([("prep", prep()), ("model", model)]).fit(X, y)
        info = {"features": list(X.columns)}
        if name.startswith("lightgbm"):
            info["trees"] = pipe[-1].booster_.num_trees()
        with open(os.path.join(out_dir, name + ".pkl"), "wb") as f:
            pickle.dump((pipe, info), f)
        print(json.dumps({"model": name, **{k: v for k, v in info.items() if k != "features"}}))


def score(model_path, inp, out, contrib=None):
    with open(model_path, "rb") as f:
        pipe, info = pickle.load(f)
    t0 = time.perf_counter()
    df = read(inp)
    t1 = time.perf_counter()
    cols = {ID: df[ID]}
    if contrib:
        import numpy as np
        x = pipe[:-1].transform(df[info["features"]])
        cols["churn_probability"] = pipe[-1].predict_proba(x)[:, 1]
        phi = pipe[-1].predict(x, pred_contrib=True)[:, :-1]  # the last column is the base value
        names = np.asarray(pipe[:-1].get_feature_names_out())
        top = np.argsort(-phi, axis=1)[:, :3]
        for k in range(3):
            cols[f"risk_driver_{k + 1}"] = names[top[:, k]]
    else:
        cols["churn_probability"] = pipe.predict_proba(df[info["features"]])[:, 1]
    t2 = time.perf_counter()
    pd.DataFrame(cols).to_csv(out, index=False)
    t3 = time.perf_counter()
    print(json.dumps({"rows": len(df), "seconds": t3 - t0, "read_s": t1 - t0, "predict_s": t2 - t1,
                      "write_s": t3 - t2}))


if __name__ == "__main__":
    if sys.argv[1] == "fit":
        fit(sys.argv[2], sys.argv[3], [int(t) for t in sys.argv[4:]])
    else:
        score(*sys.argv[2:6])
