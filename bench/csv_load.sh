#!/usr/bin/env bash
# CSV load speed: mlctl's reader against pandas.read_csv (C engine, float32) on the same file
# in the same run. Prints the best of 3 for each and the ratio.
#   bench/csv_load.sh [ROWS]      (default 1,000,000 rows × 50 numeric columns)
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
venv=$(bench/setup-venv.sh)
data_dir="${MLCTL_BENCH_DATA:-/tmp/mlctl-bench}"
mkdir -p "$data_dir"
csv="$data_dir/classification_${rows}.csv"
[[ -f "$csv" ]] || "$venv/bin/python" bench/make_classification_csv.py "$csv" "$rows"
swift build -c release --product mlctl >&2
echo "file: $csv ($(du -h "$csv" | cut -f1)), $(nproc) cores, $(date -u +%F)"

best() { sort -n | head -n 1; }
mlctl_s=$(for _ in 1 2 3; do
  /usr/bin/time -f "%e %M" .build/release/mlctl datasets inspect --data "$csv" --target label 2>&1 >/dev/null | tail -n 1
done | best)
pandas_s=$("$venv/bin/python" - "$csv" <<'PY'
import sys, time, resource
import numpy as np, pandas as pd
path = sys.argv[1]
times = []
for _ in range(3):
    start = time.perf_counter()
    frame = pd.read_csv(path, dtype=np.float32, engine="c")
    times.append(time.perf_counter() - start)
print(f"{min(times):.2f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")
PY
)
read -r m_time m_rss <<<"$mlctl_s"
read -r p_time p_rss <<<"$pandas_s"
echo "mlctl datasets inspect: ${m_time} s, peak RSS $((m_rss / 1024)) MiB"
echo "pandas.read_csv (c engine, float32): ${p_time} s, peak RSS $((p_rss / 1024)) MiB"
awk -v m="$m_time" -v p="$p_time" 'BEGIN { printf "speed-up over pandas: %.1fx\n", p / m }'
