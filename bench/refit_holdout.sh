#!/usr/bin/env bash
# Does refitting the shipped models on all rows pay? (issue #24) train-all's own test split
# cannot say: after the refit the models have seen it. So the bundled leads are split once
# more, outside train-all: every fifth row (10,000 rows) is held out, and train-all runs on the
# other 40,000 with its defaults, with and without --no-refit, for each seed given. The served
# models (current/global) are then compared on the held-out rows with `mlctl evaluate
# --compare` (AUC with bootstrap intervals, DeLong's paired test, log loss).
#   bench/refit_holdout.sh [SEED ...]        (default: 0)   MLCTL_BENCH_DATA: scratch directory
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=("${@:-0}")
dir="${MLCTL_BENCH_DATA:-/tmp/mlctl-refit-bench}"
mkdir -p "$dir"
swift build -c release --product mlctl >&2
mlctl=.build/release/mlctl
[[ -f "$dir/leads.csv" ]] || "$mlctl" datasets export --out "$dir/leads.csv" >&2
awk -v out="$dir" 'NR == 1 { print > (out "/fit.csv"); print > (out "/holdout.csv"); next }
                   (NR - 1) % 5 == 0 { print > (out "/holdout.csv"); next } { print > (out "/fit.csv") }' "$dir/leads.csv"
echo "$(nproc) cores, $(date -u +%F), bundled leads: $(($(wc -l < "$dir/fit.csv") - 1)) rows to train-all, $(($(wc -l < "$dir/holdout.csv") - 1)) held out"
for seed in "${seeds[@]}"; do
  for mode in refit split; do
    rm -rf "$dir/models-$mode-$seed"
    flag=(); [[ $mode == split ]] && flag=(--no-refit)
    start=$(date +%s.%N)
    "$mlctl" train-all --data "$dir/fit.csv" --target converted --seed "$seed" "${flag[@]}" --out "$dir/models-$mode-$seed" \
      > "$dir/train-all-$mode-$seed.log" 2>&1
    echo "seed $seed, $mode: train-all $(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.0f') s, served: $(grep -o 'served model: [a-z-]* serves' "$dir/train-all-$mode-$seed.log" | head -1)"
  done
  echo "== seed $seed: held-out rows, first = refitted on all 40,000 rows, second = as fitted on the 24,000 training rows"
  "$mlctl" evaluate --compare "$dir/models-refit-$seed/current/global,$dir/models-split-$seed/current/global" \
    --data "$dir/holdout.csv" --target converted --resamples 200 | grep -E "^## |^\| (roc_auc|log_loss) |^\| /|^\| model"
done
