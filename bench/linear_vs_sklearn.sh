#!/usr/bin/env bash
# The logistic baseline's stages — standard scaling, SMOTE, logistic regression — in mlctl
# and in scikit-learn / imbalanced-learn on the same data, in one run (issue #4's benchmark).
# Data: make_classification(n_samples=1_000_000, n_features=50, weights=[0.95, 0.05],
# random_state=0), features as float32 (read back as float64 by both sides).
#   bench/linear_vs_sklearn.sh [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-2}"
venv=$(bench/setup-venv.sh)
data_dir="${MLCTL_BENCH_DATA:-/tmp/mlctl-bench}"
mkdir -p "$data_dir"
csv="$data_dir/classification_1000000_w95.csv"
[[ -f "$csv" ]] || "$venv/bin/python" bench/make_classification_csv.py "$csv" 1000000 2 0.05
swift build -c release --product mlctl-bench >&2
echo "$(nproc) cores, $(date -u +%F), threads=$threads, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"

.build/release/mlctl-bench linear "$csv" label "$threads" > "$data_dir/linear_mlctl.json"
"$venv/bin/python" - "$csv" "$threads" "$data_dir/linear_mlctl.json" <<'PY'
import json, sys, time
import numpy as np, pandas as pd
from threadpoolctl import threadpool_limits
from imblearn.over_sampling import SMOTE
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

csv, threads, ours_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ours = json.load(open(ours_path))
frame = pd.read_csv(csv, dtype=np.float32)
X = frame.drop(columns="label").to_numpy().astype(np.float64)
y = frame["label"].to_numpy().astype(np.int64)

def timed(f):
    start = time.perf_counter(); out = f(); return out, time.perf_counter() - start

with threadpool_limits(limits=threads):
    Xs, scale_s = timed(lambda: StandardScaler().fit_transform(X))
    nn = NearestNeighbors(n_neighbors=6, n_jobs=threads)
    (Xr, yr), smote_s = timed(lambda: SMOTE(k_neighbors=nn, random_state=0).fit_resample(Xs, y))
    lr, lr_s = timed(lambda: LogisticRegression(C=1.0, solver="lbfgs", tol=1e-4, max_iter=1000).fit(Xs, y))
    lr6, lr6_s = timed(lambda: LogisticRegression(C=1.0, solver="lbfgs", tol=1e-6, max_iter=1000).fit(Xs, y))
    tight = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-10, max_iter=100).fit(Xs, y)

reference = np.append(tight.coef_[0], tight.intercept_[0])
def gap(coefs, intercept):
    return float(np.abs(np.append(coefs, intercept) - reference).max())

rows = [("standard scaling (fit + transform)", ours["scale_s"], scale_s),
        (f"SMOTE auto, k=5 ({ours['smote_rows']:,} rows)", ours["smote_s"], smote_s),
        ("logistic regression, lbfgs tol 1e-4", ours["fits"]["lbfgs"]["seconds"], lr_s),
        ("logistic regression, lbfgs tol 1e-6", ours["fits"]["lbfgs_1e-6"]["seconds"], lr6_s),
        ("logistic regression, mlctl newton vs sklearn lbfgs", ours["fits"]["newton"]["seconds"], lr_s)]
print(f"rows {ours['rows']:,}, columns {ours['columns']}, sklearn SMOTE rows {len(yr) - len(y):,}")
print(f"| stage | mlctl s | reference s | reference / mlctl |")
print(f"|---|---:|---:|---:|")
for name, a, b in rows:
    print(f"| {name} | {a:.3f} | {b:.3f} | {b / a:.2f}x |")
print(f"scaling moved {ours['scale_bytes_moved'] / 1e9:.2f} GB: {ours['scale_bytes_moved'] / ours['scale_s'] / 1e9:.2f} GB/s; "
      f"one memcpy of the same bytes into fresh memory: {ours['scale_bytes_moved'] / ours['memcpy_same_bytes_s'] / 1e9:.2f} GB/s (one thread)")
print(f"iterations: mlctl lbfgs {ours['fits']['lbfgs']['iterations']} / {ours['fits']['lbfgs_1e-6']['iterations']} (tol 1e-4 / 1e-6), "
      f"mlctl newton {ours['fits']['newton']['iterations']}, sklearn lbfgs {lr.n_iter_[0]} / {lr6.n_iter_[0]}")
print("largest |coefficient - converged reference| (newton-cholesky tol 1e-10):")
print(f"  tol 1e-4: mlctl lbfgs {gap(ours['fits']['lbfgs']['coefficients'], ours['fits']['lbfgs']['intercept']):.2e}, "
      f"sklearn lbfgs {gap(lr.coef_[0], lr.intercept_[0]):.2e}; "
      f"tol 1e-6: mlctl lbfgs {gap(ours['fits']['lbfgs_1e-6']['coefficients'], ours['fits']['lbfgs_1e-6']['intercept']):.2e}, "
      f"sklearn lbfgs {gap(lr6.coef_[0], lr6.intercept_[0]):.2e}; "
      f"mlctl newton {gap(ours['fits']['newton']['coefficients'], ours['fits']['newton']['intercept']):.2e}")
PY
