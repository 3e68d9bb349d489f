#!/usr/bin/env bash
# The retraining loop end to end on simulated leads (issue #27), with a throwaway PostgreSQL:
#   1. an earlier era of leads, and version v1 trained on them (train-all);
#   2. a new era whose leads convert by a changed rule (db seed --shift-days-ago: concept drift);
#   3. the new leads scored by v1 (score-batch), and the drop seen by prediction monitoring;
#   4. retrain: a new version trained on the new era, compared with v1 on the newest leads,
#      then promoted, or rolled out as a canary that is then judged and promoted or aborted.
# Every step's output is printed. Uses the release binary (built if missing).
#   scripts/retraining-demo.sh [WORKDIR]      (default: a temporary directory, removed after)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x .build/release/mlctl ]] || swift build -c release --product mlctl >&2
work=${1:-$(mktemp -d /tmp/mlctl-retraining-demo.XXXXXX)}
mkdir -p "$work"

if [[ -z "${MLCTL_TEST_DATABASE_URL:-}" ]]; then
  exec scripts/with-postgres.sh "$0" "$work"
fi
M=$PWD/.build/release/mlctl
db=(--database-url "$MLCTL_TEST_DATABASE_URL")
step() { printf '\n== %s\n' "$*"; }

step "an earlier era: 30,000 leads that arrived 180 to 60 days ago"
$M db seed "${db[@]}" --leads 30000 --days 120 --end-days-ago 60 --seed 1
step "v1: train-all on them"
$M train-all "${db[@]}" --days 400 --trials 4 --out "$work/models" 2>&1 | tail -n 4
step "a new era: 12,000 leads in the last 60 days that convert by a changed rule"
$M db seed "${db[@]}" --leads 12000 --days 60 --shift-days-ago 60 --shift-strength 2 --seed 2
step "v1 scores the new leads (score-batch), and monitoring compares them with v1's test AUC"
$M score-batch "${db[@]}" --models "$work/models" --days 60 2>&1 | tail -n 1
$M monitor "${db[@]}" --models "$work/models" --days 30 --fail-at alert && echo "(no alert)" || echo "(monitor exited $?: retrain)"
step "retrain --on-alert on the last 60 days: the monitoring alert triggers it"
# --min-new-leads 0: retrain counts leads created after the newest lead v1 was trained on, and
# this simulation seeded the new era's leads with past creation times (a live system's new
# leads come after v1's).
$M retrain "${db[@]}" --models "$work/models" --days 60 --min-new-leads 0 --trials 4 --canary-percent 20 --on-alert
if $M models canary status "${db[@]}" --models "$work/models" >/dev/null 2>&1; then
  step "the canary's results so far (outcomes of leads scored from now on will fill them)"
  $M models canary status "${db[@]}" --models "$work/models" | head -n 12
  step "promote the canary (a real deployment waits for its results)"
  $M models canary promote "${db[@]}" --models "$work/models" --force
fi
step "the registry"
$M models list --models "$work/models"
tail -n 1 "$work/models/retrain-history.jsonl"
