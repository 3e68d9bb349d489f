#!/usr/bin/env bash
# Two builds of `mlctl serve` side by side on the same registry: for checking that a change
# (a refactor, a compiler setting) leaves the request path's speed where it was. Both servers
# run at once (2 event loops each) and wrk measures them alternately, 3 rounds of 5 s per path,
# so a busy minute on this shared machine hits both sides alike; compare within a round.
#   bench/serve_ab.sh OLD_MLCTL NEW_MLCTL REGISTRY [NEW_REGISTRY]
# REGISTRY: a `train-all` registry (the default path users get) or a bundle. Prints one line
# per run: path, side, round, requests/s, p99. SERVE_FLAGS replaces both servers' `--quiet`
# (SERVE_FLAGS="" measures the access log, whose lines go to /tmp/mlctl-serve-ab-*.log,
# removed at the end); OLD_FLAGS and NEW_FLAGS set one side's (NEW_FLAGS="--log-format json").
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2 models_old=$3 models_new=${4:-$3}
old_flags=${OLD_FLAGS-${SERVE_FLAGS---quiet}} new_flags=${NEW_FLAGS-${SERVE_FLAGS---quiet}}
command -v wrk > /dev/null || { echo "bench/serve_ab.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }
"$old" serve --models "$models_old" --port 18081 $old_flags --threads 2 > /tmp/mlctl-serve-ab-old.log 2>&1 & old_pid=$!
"$new" serve --models "$models_new" --port 18082 $new_flags --threads 2 > /tmp/mlctl-serve-ab-new.log 2>&1 & new_pid=$!
trap 'kill $old_pid $new_pid 2> /dev/null || true; rm -f /tmp/mlctl-serve-ab-old.log /tmp/mlctl-serve-ab-new.log' EXIT
sleep 3
lua=bench/serve_wrk_post.lua
for path in "/api/v1/lead-scoring-ml/score?factors=0" "/api/v1/lead-scoring-ml/score"; do
  for port in 18081 18082; do wrk -t1 -c16 -d2s -s "$lua" "http://127.0.0.1:$port$path" > /dev/null; done  # warm-up
  for round in 1 2 3; do
    for side in old:18081 new:18082; do
      result=$(wrk -t1 -c16 -d5s --latency -s "$lua" "http://127.0.0.1:${side#*:}$path" | awk '/Requests\/sec/ {rps=$2} / 99%/ {p99=$2} END {print rps " req/s, p99 " p99}')
      echo "$path ${side%%:*} round $round: $result"
    done
  done
done
