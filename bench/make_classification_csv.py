"""Writes a benchmark table as CSV: scikit-learn make_classification(n_samples=N,
n_features=50, n_informative=INFORMATIVE, weights=[1 - MINORITY, MINORITY], random_state=0),
features as float32, label last.

Issues #2 and #3 use the defaults (n_informative=20, weights=[0.9, 0.1]); issue #4 uses
n_informative=2 (scikit-learn's default) and weights=[0.95, 0.05].
usage: python bench/make_classification_csv.py OUT.csv [N_SAMPLES [INFORMATIVE [MINORITY]]]"""
import sys

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
informative = int(sys.argv[3]) if len(sys.argv) > 3 else 20
minority = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
X, y = make_classification(n_samples=n, n_features=50, n_informative=informative, weights=[1 - minority, minority], random_state=0)
frame = pd.DataFrame(X.astype(np.float32), columns=[f"f{i}" for i in range(X.shape[1])])
frame["label"] = y
frame.to_csv(out, index=False)
print(f"wrote {out}: {n} rows x 50 features, {informative} informative, minority {minority}", file=sys.stderr)
