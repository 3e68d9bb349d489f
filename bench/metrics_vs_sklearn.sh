#!/usr/bin/env bash
# Evaluation metrics in mlctl and in scikit-learn, in one run (issue #6's benchmark): wall time
# of ROC AUC, PR AUC, average precision, log loss, Brier, KS, ECE (10 bins), lift at top 10 %
# and F1 at 0.5 on ROWS scored rows (default 10,000,000); mlctl's figure includes its input
# check and sort. Best of 3 on each side. Data: signal ~ N(0,1), label ~ Bernoulli(sigmoid(1.5
# signal - 2.6)), score = sigmoid(1.2 signal - 2.4 + 0.5 N(0,1)); each side draws its own rows.
#   bench/metrics_vs_sklearn.sh [ROWS]
# MLCTL_BENCH_BINARY: an mlctl-bench to use instead of building .build/release/mlctl-bench.
# The Python side runs in a light venv outside the repository (MLCTL_METRICS_BENCH_VENV,
# default ~/.cache/mlctl-metrics-bench-venv), made here when missing: numpy, scikit-learn, scipy
# only, at bench/requirements.txt's versions, so no torch download.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-10000000}"
venv="${MLCTL_METRICS_BENCH_VENV:-$HOME/.cache/mlctl-metrics-bench-venv}"
pins="numpy==2.4.6 scikit-learn==1.9.1 scipy==1.17.1"
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" >&2
if [[ "$(cat "$venv/mlctl-pins" 2>/dev/null)" != "$pins" ]]; then
  "$venv/bin/pip" install -q $pins >&2
  echo "$pins" > "$venv/mlctl-pins"
fi
binary="${MLCTL_BENCH_BINARY:-.build/release/mlctl-bench}"
[[ -n "${MLCTL_BENCH_BINARY:-}" ]] || swift build -c release --product mlctl-bench >&2
echo "$(nproc) cores, $(date -u +%F), load average $(cut -d' ' -f1-3 /proc/loadavg)"

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for _ in 1 2 3; do "$binary" metrics "$rows" 1 >> "$results"; done
"$venv/bin/python" bench/metrics_sklearn.py "$rows" "$results"
