#!/usr/bin/env bash
# `mlctl db seed` and `mlctl extract` on N leads (default 1,000,000) against a throwaway
# PostgreSQL server, each beside PostgreSQL's own COPY of the same rows in the same run
# (the ceiling: COPY FROM a file of the seeded rows; COPY TO of the extraction query).
#   bench/seed_extract.sh [LEADS]
set -euo pipefail
cd "$(dirname "$0")/.."
leads="${1:-1000000}"
swift build -c release --product mlctl >&2
exec scripts/with-postgres.sh bash -c '
set -euo pipefail
leads='"$leads"'
url="$MLCTL_TEST_DATABASE_URL"
M=.build/release/mlctl
work=$(mktemp -d /tmp/mlctl-bench-seed.XXXXXX); chmod 777 "$work"
trap "rm -rf $work" EXIT
now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }
echo "$(nproc) cores, $(date -u +%F), PostgreSQL $(psql "$url" -Atc "SHOW server_version"), fsync off (throwaway server)"
$M db migrate --database-url "$url" >/dev/null

t0=$(now); $M db seed --database-url "$url" --leads "$leads" --seed 42 2>/dev/null; t1=$(now)
seed_s=$(calc "$t1 - $t0")

# Ceiling for seeding: the same rows, COPY FROM a server-side file into an empty table.
psql "$url" -qc "COPY leads TO '"'"'$work/leads.copy'"'"'"
psql "$url" -qc "CREATE TABLE leads_ceiling (LIKE leads INCLUDING ALL)"
t0=$(now); psql "$url" -qc "COPY leads_ceiling FROM '"'"'$work/leads.copy'"'"'"; t1=$(now)
copy_in_s=$(calc "$t1 - $t0")
psql "$url" -qc "DROP TABLE leads_ceiling"

t0=$(now); $M extract --database-url "$url" --out "$work/features.csv" 2>/dev/null; t1=$(now)
extract_s=$(calc "$t1 - $t0")
t0=$(now); psql "$url" -qc "COPY (SELECT l.*, a.avg_response_time_s, a.conversion_rate, a.rating FROM leads l LEFT JOIN agents a ON a.id = l.agent_id ORDER BY l.id) TO STDOUT WITH (FORMAT csv)" >/dev/null; t1=$(now)
copy_out_s=$(calc "$t1 - $t0")

printf "db seed:  %d leads in %.2f s = %.0f leads/s (generation + COPY + indexes); PostgreSQL COPY FROM file of the same rows: %.2f s (%.0f%% of seed time)\n" \
  "$leads" "$seed_s" "$(calc "$leads / $seed_s")" "$copy_in_s" "$(calc "100 * $copy_in_s / $seed_s")"
printf "extract:  %d leads in %.2f s = %.0f leads/s (COPY out + features + CSV of %s); PostgreSQL COPY TO of the same rows and join, as CSV: %.2f s\n" \
  "$leads" "$extract_s" "$(calc "$leads / $extract_s")" "$(du -h "$work/features.csv" | cut -f1)" "$copy_out_s"
'
