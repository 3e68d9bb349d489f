#!/usr/bin/env bash
# Gradient-boosted trees: mlctl against LightGBM on the same data, parameters and thread
# count, in one run (issue #3's benchmark). Data: make_classification(n_samples=1_000_000,
# n_features=50, n_informative=20, weights=[0.9, 0.1], random_state=0) as float32; rows
# 0..799,999 train, the rest test. 200 trees, learning rate 0.1, 31 leaves, max_bin 255.
#   bench/gbdt_vs_lightgbm.sh [THREADS] [GROWTH]
# MLCTL_BENCH_TRAIN_ROWS (default 800000) trains on the first N of those rows instead: tables
# of tens of thousands of rows, as most users have, test parallel efficiency rather than
# throughput.
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-2}"
growth="${2:-leafwise}"
venv=$(bench/setup-venv.sh)
data_dir="${MLCTL_BENCH_DATA:-/tmp/mlctl-bench}"
mkdir -p "$data_dir"
csv="$data_dir/classification_1000000.csv"
[[ -f "$csv" ]] || "$venv/bin/python" bench/make_classification_csv.py "$csv" 1000000
[[ -f "$data_dir/train_800k.csv" ]] || head -n 800001 "$csv" > "$data_dir/train_800k.csv"
[[ -f "$data_dir/test_200k.csv" ]] || { head -n 1 "$csv"; tail -n 200000 "$csv"; } > "$data_dir/test_200k.csv"
train_rows="${MLCTL_BENCH_TRAIN_ROWS:-800000}"
train="$data_dir/train_800k.csv"
if [[ "$train_rows" != 800000 ]]; then
  train="$data_dir/train_first_$train_rows.csv"
  [[ -f "$train" ]] || head -n $((train_rows + 1)) "$data_dir/train_800k.csv" > "$train"
fi
swift build -c release --product mlctl-bench >&2
echo "$(nproc) cores, $(date -u +%F), threads=$threads, growth=$growth, training rows=$train_rows"

echo "== mlctl"
/usr/bin/time -f "peak RSS %M KB" .build/release/mlctl-bench gbdt "$train" "$data_dir/test_200k.csv" label 200 0.1 31 255 "$threads" "$growth"

echo "== LightGBM"
/usr/bin/time -f "peak RSS %M KB" "$venv/bin/python" - "$train" "$data_dir/test_200k.csv" "$threads" <<'PY'
import json, sys, time
import numpy as np, pandas as pd, lightgbm as lgb
from sklearn.metrics import roc_auc_score
train_csv, test_csv, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
start = time.perf_counter()
train = pd.read_csv(train_csv, dtype=np.float32)
test = pd.read_csv(test_csv, dtype=np.float32)
read_s = time.perf_counter() - start
X, y = train.drop(columns="label").to_numpy(), train["label"].to_numpy()
Xt, yt = test.drop(columns="label").to_numpy(), test["label"].to_numpy()
params = dict(objective="binary", learning_rate=0.1, num_leaves=31, max_bin=255, num_threads=threads, verbose=-1, seed=0, deterministic=True)
start = time.perf_counter()
booster = lgb.train(params, lgb.Dataset(X, label=y, params=params), num_boost_round=200)
train_s = time.perf_counter() - start
auc = roc_auc_score(yt, booster.predict(Xt, raw_score=True))
all_rows = np.vstack([X, Xt])
batch_s = min(_t for _t in [(lambda s: (booster.predict(all_rows, raw_score=True, num_threads=threads), time.perf_counter() - s)[1])(time.perf_counter()) for _ in range(3)])
lat = []
for i in range(2000):
    row = Xt[i:i + 1]
    s = time.perf_counter(); booster.predict(row, raw_score=True, num_threads=1); lat.append((time.perf_counter() - s) * 1e6)
lat.sort()
print(json.dumps(dict(read_s=read_s, train_s=train_s, test_auc=auc, batch_rows=len(all_rows), batch_predict_s=batch_s,
                      batch_rows_per_s=len(all_rows) / batch_s, single_row_p50_us=lat[len(lat) // 2], single_row_p99_us=lat[len(lat) * 99 // 100],
                      lightgbm=lgb.__version__), sort_keys=True))
PY
