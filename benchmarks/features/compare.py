#!/usr/bin/env python3
"""compare.py RUST.csv PANDAS.csv: same rows (id, snapshot_date) and same values in shared columns."""
import sys

import numpy as np
import pandas as pd

a = pd.read_csv(sys.argv[1], dtype={0: str})
b = pd.read_csv(sys.argv[2], dtype={0: str})
key = [a.columns[0], "snapshot_date"]
a = a.sort_values(key).reset_index(drop=True)
b = b.sort_values(key).reset_index(drop=True)
if len(a) != len(b) or not (a[key].values == b[key].values).all():
    sys.exit(f"rows differ: {len(a)} vs {len(b)}")
cols = [c for c in a.columns if c in b.columns and c not in key]
worst = 0.0
for c in cols:
    if not (pd.api.types.is_numeric_dtype(a[c]) and pd.api.types.is_numeric_dtype(b[c])):
        if not (a[c].fillna("") == b[c].fillna("")).all():
            sys.exit(f"column {c} differs")
        continue
    d = np.abs(a[c].values - b[c].values) / np.maximum(1, np.abs(b[c].values))
    worst = max(worst, float(np.nanmax(d)) if len(d) else 0.0)
    if worst > 1e-9:
        sys.exit(f"column {c} differs: max relative difference {worst}")
print(f"outputs agree: {len(a)} rows, {len(cols)} shared columns, max relative difference {worst:.1e}")
