#!/usr/bin/env bash
# Batch scoring (issue #10): `mlctl score-batch --refresh-all` over N seeded leads (default
# 1,000,000, `mlctl db seed`) with a 500-tree model, against PostgreSQL's own ceiling measured
# in the same run on the same table:
#   ceiling = COPY the lead columns out (what score-batch reads)
#           + COPY precomputed scores into a temporary table + one UPDATE ... FROM (what it writes),
# i.e. the database work alone, with no feature extraction or scoring. Prints both times, the
# fraction of the ceiling that score-batch reaches end to end, and leads/s.
# PostgreSQL runs with fsync on (MLCTL_PG_DURABLE=1), like a real server.
#   bench/score_batch.sh [LEADS] [BATCH_SIZE]
# MLCTL_BENCH_MODELS=DIR scores with another bundle or a train-all registry instead.
set -euo pipefail
cd "$(dirname "$0")/.."
leads="${1:-1000000}"
batch="${2:-50000}"
data_dir="${MLCTL_BENCH_DATA:-/tmp/mlctl-serve-bench}"
mkdir -p "$data_dir"
swift build -c release --product mlctl >&2
mlctl=$PWD/.build/release/mlctl
if [[ ! -f "$data_dir/model500/manifest.json" ]]; then
  "$mlctl" datasets export --out "$data_dir/leads_features.csv" >&2
  "$mlctl" train --data "$data_dir/leads_features.csv" --target converted --algorithm gbdt --trees 500 \
    --learning-rate 0.05 --num-leaves 31 --out "$data_dir/model500" >&2
fi

models="${MLCTL_BENCH_MODELS:-$data_dir/model500}"
MLCTL_PG_DURABLE=1 scripts/with-postgres.sh bash -s "$mlctl" "$data_dir" "$leads" "$batch" "$models" <<'INNER'
set -euo pipefail
mlctl=$1 data_dir=$2 leads=$3 batch=$4 models=$5
url="$MLCTL_TEST_DATABASE_URL"
now() { date +%s.%N; }
"$mlctl" db migrate --database-url "$url" >&2
"$mlctl" db seed --database-url "$url" --leads "$leads" --seed 1 >&2
psql -q "$url" -c "VACUUM ANALYZE leads" >&2
scores=$(mktemp /tmp/mlctl-scores.XXXXXX.tsv)
trap 'rm -f "$scores"' EXIT
psql -q "$url" -c "\copy (SELECT id, random(), 'High', 'ceiling' FROM leads) TO '$scores'"
# The SELECT list of Sources/Leads/LeadRow.swift (what score-batch reads).
select_list="l.id, l.vertical, extract(epoch FROM l.created_at)::float8, l.email, l.phone, l.first_name, l.last_name, l.address, l.zipcode, l.state, l.form_completed, l.quote_requested, l.pages_visited, l.time_on_site_s, l.return_visitor, l.mobile, l.source, l.insurance_type, l.browser, l.utm_source, l.utm_medium, l.utm_campaign, l.agent_id, l.accepted, l.converted, extract(epoch FROM l.converted_at)::float8, l.revenue, a.avg_response_time_s, a.conversion_rate, a.rating"

echo "$(nproc) cores, $(date -u +%F), PostgreSQL $(psql --version | awk '{print $3}') with fsync on, $leads leads, batches of $batch"
t0=$(now)
psql -q "$url" -c "\copy (SELECT $select_list FROM leads l LEFT JOIN agents a ON a.id = l.agent_id ORDER BY l.id) TO '/dev/null' WITH (FORMAT csv)"
t1=$(now)
psql -q "$url" <<SQL
BEGIN;
CREATE TEMP TABLE incoming (id bigint, score float8, quality text, version text) ON COMMIT DROP;
\copy incoming FROM '$scores'
UPDATE leads l SET ml_score = s.score, ml_quality = s.quality, ml_model_version = s.version, scored_at = now() FROM incoming s WHERE l.id = s.id;
COMMIT;
SQL
t2=$(now)
psql -q "$url" -c "VACUUM leads" >&2
t3=$(now)
"$mlctl" score-batch --database-url "$url" --models "$models" --refresh-all --batch-size "$batch" --format json > "$data_dir/score-batch.json"
t4=$(now)
python3 - "$t0" "$t1" "$t2" "$t3" "$t4" "$leads" "$data_dir/score-batch.json" <<'PY'
import json, sys
t0, t1, t2, t3, t4 = map(float, sys.argv[1:6]); n = int(sys.argv[6]); summary = json.load(open(sys.argv[7]))
read, write, ours = t1 - t0, t2 - t1, t4 - t3
ceiling = read + write
print(f"| PostgreSQL ceiling: COPY out | {read:.2f} s | {n / read:,.0f} leads/s |")
print(f"| PostgreSQL ceiling: COPY in + UPDATE ... FROM | {write:.2f} s | {n / write:,.0f} leads/s |")
print(f"| PostgreSQL ceiling: both | {ceiling:.2f} s | {n / ceiling:,.0f} leads/s |")
print(f"| mlctl score-batch --refresh-all (end to end) | {ours:.2f} s | {n / ours:,.0f} leads/s |")
print(f"fraction of the ceiling: {ceiling / ours:.1%}; scored {summary['scored']:,}, failed {summary['failed']}, batches {summary['batches']}")
stages = summary["stageSeconds"]
print(f"score-batch: read {stages['read']:.2f} s, score {stages['score']:.2f} s, waiting for writes {stages['writeWait']:.2f} s (writer thread busy {stages['write']:.2f} s, overlapped)")
PY
INNER
