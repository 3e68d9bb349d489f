#!/usr/bin/env bash
# Single-request latency of the database route, POST /api/v1/lead-scoring-ml/score/:leadId:
# read the lead and its agent from PostgreSQL, score it, write ml_score, ml_quality,
# ml_model_version and scored_at back (a durable commit: this server runs with fsync on), answer.
# One connection, one request at a time (wrk -t1 -c1), against a throwaway PostgreSQL 15 on the
# same machine holding 50,000 seeded leads; then 64 connections over many leads (wrk -t2 -c64),
# with the body route at the same factors beside it (issue #21's throughput ratio). The model
# is the registry of `train-all --seed 0` (what users get, as in bench/serve_vs_fastapi.sh),
# or with MLCTL_BENCH_MODELS=bundle the 500-tree bundle of that script. The body route is
# measured the same way for comparison, and the by-id route again while an A/B test runs
# (rule-based control and ML treatment).
#   bench/serve_db_latency.sh [DURATION]      MLCTL_BENCH_DB_THREADS: serve --db-threads (default: serve's)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10s}"
data_dir="${MLCTL_BENCH_DATA:-/tmp/mlctl-serve-bench}"
mkdir -p "$data_dir"
bench/setup-serve-venv.sh >/dev/null
swift build -c release --product mlctl >&2
mlctl=.build/release/mlctl
if [[ "${MLCTL_BENCH_MODELS:-registry}" == bundle ]]; then
  models="$data_dir/model500"
  if [[ ! -f "$models/manifest.json" ]]; then
    "$mlctl" datasets export --out "$data_dir/leads_features.csv" >&2
    "$mlctl" train --data "$data_dir/leads_features.csv" --target converted --algorithm gbdt --trees 500 \
      --learning-rate 0.05 --num-leaves 31 --out "$models" >&2
  fi
else
  models="$data_dir/registry-seed0"
  [[ -e "$models/current" ]] || "$mlctl" train-all --seed 0 --out "$models" >&2
fi
empty_lua=$(mktemp /tmp/mlctl-empty-post.XXXXXX.lua)
trap 'rm -f "$empty_lua"' EXIT
printf 'wrk.method = "POST"\n' > "$empty_lua"

MLCTL_PG_DURABLE=1 scripts/with-postgres.sh bash -s "$mlctl" "$data_dir" "$duration" "$empty_lua" "$models" <<'INNER'
set -euo pipefail
mlctl=$1 data_dir=$2 duration=$3 empty_lua=$4 models=$5
url="$MLCTL_TEST_DATABASE_URL"
"$mlctl" db migrate --database-url "$url" >&2
"$mlctl" db seed --database-url "$url" --leads 50000 --seed 1 >&2
port=$((20000 + RANDOM % 30000))
"$mlctl" serve --models "$models" --port "$port" --threads 2 --quiet --database-url "$url" \
  ${MLCTL_BENCH_DB_THREADS:+--db-threads "$MLCTL_BENCH_DB_THREADS"} 2> "$data_dir/serve-db.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done
echo "$(nproc) cores, $(date -u +%F), PostgreSQL $(psql --version | awk '{print $3}') with fsync on, wrk -t1 -c1 -d$duration, models $models"
for factors in 0 5; do
  echo "== by id (read + score + durable write-back), ?factors=$factors"
  wrk -t1 -c1 -d"$duration" --latency -s "$empty_lua" "http://127.0.0.1:$port/api/v1/lead-scoring-ml/score/4242?factors=$factors" \
    | grep -E "Requests/sec|^ +(50|90|99)%"
done
echo "== body, no database, ?factors=0"
wrk -t1 -c1 -d"$duration" --latency -s bench/serve_wrk_post.lua "http://127.0.0.1:$port/api/v1/lead-scoring-ml/score?factors=0" \
  | grep -E "Requests/sec|^ +(50|90|99)%"
# Many different leads (one request each, as in production), without and then with an A/B test
# running: during the test the route also looks the test up, stores each new assignment and
# records the score with it; half the leads get the rule-based control.
echo "== by id over many leads, ?factors=5, no A/B test"
FIRST_ID=1 wrk -t1 -c1 -d"$duration" --latency -s bench/serve_wrk_many_leads.lua "http://127.0.0.1:$port" \
  | grep -E "Requests/sec|^ +(50|90|99)%"
echo "== by id over many leads, ?factors=5, 64 connections (wrk -t2 -c64)"
FIRST_ID=1 wrk -t2 -c64 -d"$duration" --latency -s bench/serve_wrk_many_leads.lua "http://127.0.0.1:$port" \
  | grep -E "Requests/sec|^ +(50|90|99)%"
echo "== body, no database, ?factors=5, 64 connections (wrk -t2 -c64)"
wrk -t2 -c64 -d"$duration" --latency -s bench/serve_wrk_post.lua "http://127.0.0.1:$port/api/v1/lead-scoring-ml/score?factors=5" \
  | grep -E "Requests/sec|^ +(50|90|99)%"
psql "$url" -Atc "SELECT 'leads with a stored score: ' || count(*) FROM leads WHERE ml_score IS NOT NULL"
"$mlctl" ab create --database-url "$url" --name bench_ab >&2
echo "== by id over many leads, ?factors=5, during an A/B test (50/50)"
FIRST_ID=1 wrk -t1 -c1 -d"$duration" --latency -s bench/serve_wrk_many_leads.lua "http://127.0.0.1:$port" \
  | grep -E "Requests/sec|^ +(50|90|99)%"
psql "$url" -Atc "SELECT 'assignments stored: ' || count(*) || ' (' || count(*) FILTER (WHERE variant = 'control') || ' control)' FROM ab_assignments"
INNER
