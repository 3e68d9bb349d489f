"""Writes the benchmark table of issues #2 and #3 as CSV:
scikit-learn make_classification(n_samples=1_000_000, n_features=50, n_informative=20,
weights=[0.9, 0.1], random_state=0), features as float32, label last.
usage: python bench/make_classification_csv.py OUT.csv [N_SAMPLES]"""
import sys

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
X, y = make_classification(n_samples=n, n_features=50, n_informative=20, weights=[0.9, 0.1], random_state=0)
frame = pd.DataFrame(X.astype(np.float32), columns=[f"f{i}" for i in range(X.shape[1])])
frame["label"] = y
frame.to_csv(out, index=False)
print(f"wrote {out}: {n} rows x 50 features", file=sys.stderr)
