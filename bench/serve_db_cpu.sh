#!/usr/bin/env bash
# CPU per request of the database route at 64 connections (wrk -t2 -c64 over many leads, as in
# bench/serve_db_latency.sh), split by process: the mlctl server, the PostgreSQL server (all its
# processes) and the whole machine, from /proc tick counts before and after the run. On shared
# cores throughput moves with the neighbours' load; CPU per request moves less, so compare
# builds by it, alternating them. With --body, the body route at the same factors instead.
#   bench/serve_db_cpu.sh [DURATION] [--body]     MLCTL_BENCH_DB_THREADS: serve --db-threads
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10s}" route="${2:-}"
models="${MLCTL_BENCH_DATA:-/tmp/mlctl-serve-bench}/registry-seed0"
swift build -c release --product mlctl >&2
mlctl=.build/release/mlctl
[[ -e "$models/current" ]] || "$mlctl" train-all --seed 0 --out "$models" >&2

MLCTL_PG_DURABLE=1 scripts/with-postgres.sh bash -s "$mlctl" "$models" "$duration" "$route" <<'INNER'
set -euo pipefail
mlctl=$1 models=$2 duration=$3 route=$4
url="$MLCTL_TEST_DATABASE_URL"
"$mlctl" db migrate --database-url "$url" >/dev/null
"$mlctl" db seed --database-url "$url" --leads 50000 --seed 1 >/dev/null 2>&1
port=$((20000 + RANDOM % 30000))
"$mlctl" serve --models "$models" --port "$port" --threads 2 --quiet --database-url "$url" \
  ${MLCTL_BENCH_DB_THREADS:+--db-threads "$MLCTL_BENCH_DB_THREADS"} 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done
load() {
  if [[ "$route" == --body ]]; then
    wrk -t2 -c64 -d"$1" --latency -s bench/serve_wrk_post.lua "http://127.0.0.1:$port/api/v1/lead-scoring-ml/score?factors=5"
  else
    FIRST_ID=1 wrk -t2 -c64 -d"$1" --latency -s bench/serve_wrk_many_leads.lua "http://127.0.0.1:$port"
  fi
}
load 3s >/dev/null  # warm-up
postmaster=$(head -1 "$MLCTL_TEST_PG_DATA/postmaster.pid")
ticks() { local t=0; for p in "$@"; do [[ -r /proc/$p/stat ]] && t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $t; }
machine() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
m0=$(ticks $server); p0=$(ticks $postmaster $(pgrep -P $postmaster)); a0=$(machine)
report=$(load "$duration")
m1=$(ticks $server); p1=$(ticks $postmaster $(pgrep -P $postmaster)); a1=$(machine)
requests=$(awk '/requests in/{print $1}' <<<"$report")
echo "$report" | grep -E "Requests/sec|^ +(50|99)%"
awk -v m=$((m1 - m0)) -v p=$((p1 - p0)) -v a=$((a1 - a0)) -v r="$requests" -v hz="$(getconf CLK_TCK)" \
  'BEGIN { printf "CPU per request: mlctl %.0f us, PostgreSQL %.0f us, machine %.0f us\n", m / hz / r * 1e6, p / hz / r * 1e6, a / hz / r * 1e6 }'
INNER
