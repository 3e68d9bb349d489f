#!/usr/bin/env bash
# HTTP scoring throughput and latency: `mlctl serve` against what users run today (FastAPI +
# LightGBM under uvicorn) and against nginx answering a fixed reply (the ceiling), in one run.
#   bench/serve_vs_fastapi.sh [DURATION]        DURATION of each measurement: 10s (default), 30s, 1m…
#
# Every service answers POST /api/v1/lead-scoring-ml/score with the body of bench/serve_lead.json
# (one P&C lead and its agent) on a free 127.0.0.1 port, with 2 workers/threads:
# - mlctl:   `mlctl serve --threads 2 --quiet` over the registry `mlctl train-all --seed 0` writes
#            with every other option at its default (what users get: the global model is the
#            ensemble train-all chose), or with MLCTL_BENCH_MODELS=bundle over a single gbdt
#            bundle trained by `mlctl train` on the bundled leads' feature table (500 trees,
#            learning rate 0.05, 31 leaves: a secondary row); measured with ?factors=0 (no
#            explanations, like for like with FastAPI) at 64 and 16 connections, and with
#            ?factors=5 (the default explained response) at 16;
# - fastapi: bench/serve_fastapi_app.py under `uvicorn --workers 2` (uvloop, httptools, no access
#            log): pydantic request, Python features, LightGBM with the same tree parameters
#            trained on the same leads (the raw export) through the same Python feature code;
# - nginx:   bench/serve_nginx.conf, 2 worker processes, a fixed 243-byte JSON reply.
# For each: start, wait for GET /ready to answer 200, check one reply is a 200, warm up 2 s
# (wrk -t2 -c16), then `wrk -t2 -cN -d$DURATION --latency -s bench/serve_wrk_post.lua` for
# N = 64 then 16; stop. Prints a markdown table of req/s and p50/p99 latency with the ratios
# mlctl/FastAPI and mlctl/nginx (also kept in $MLCTL_BENCH_DATA/serve-results.md, with wrk's
# full reports and the servers' logs beside it).
#
# wrk runs on the same machine as the server, so on a small machine they share the cores: the
# figures compare the services with each other, they are not any one's capacity.
#
# MLCTL_BENCH_PIN=1 measures per core instead: every service runs one worker (thread, process)
# pinned to CPU 0 and wrk runs one thread pinned to CPU 1, so that the service has a core of
# its own and is not descheduled for wrk (on 2 cores the default runs measure the two sharing).
#
# Environment: MLCTL_BENCH_DATA (default /tmp/mlctl-serve-bench) holds the exports, the models
# and the logs (the registry is trained once and kept there; delete it to train again);
# MLCTL_BENCH_MODELS (default registry) chooses the mlctl model as above; MLCTL_BENCH_SERVICES (default "mlctl nginx fastapi") selects services: without
# mlctl nothing is built, and FastAPI trains on an existing $MLCTL_BENCH_DATA/leads_raw.csv
# (exported by an existing .build/release/mlctl when it is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${1:-10s}"
[[ "$duration" =~ ^[0-9]+$ ]] && duration="${duration}s"
services="${MLCTL_BENCH_SERVICES:-mlctl nginx fastapi}"
data_dir="${MLCTL_BENCH_DATA:-/tmp/mlctl-serve-bench}"
route=/api/v1/lead-scoring-ml/score
body=bench/serve_lead.json
lua="$PWD/bench/serve_wrk_post.lua"
mlctl=.build/release/mlctl
workers=2 pin_server=() pin_wrk=() wrk_threads=2
if [[ "${MLCTL_BENCH_PIN:-0}" == 1 ]]; then
  workers=1 pin_server=(taskset -c 0) pin_wrk=(taskset -c 1) wrk_threads=1
fi
mkdir -p "$data_dir"
venv=$(bench/setup-serve-venv.sh)
python="$venv/bin/python"
wrk_log="$data_dir/serve-wrk.log"
results="$data_dir/serve-results.tsv"
: > "$wrk_log"
: > "$results"

uses() { [[ " $services " == *" $1 "* ]]; }
say() { echo "== $*" >&2; }

# --- Data and models ----------------------------------------------------------------------------

if uses mlctl; then
  swift build -c release --product mlctl >&2
  "$mlctl" datasets export --out "$data_dir/leads_features.csv" >&2
  "$mlctl" datasets export --format raw --out "$data_dir/leads_raw.csv" >&2
  if [[ "${MLCTL_BENCH_MODELS:-registry}" == bundle ]]; then
    say "mlctl train (500 trees)"
    "$mlctl" train --data "$data_dir/leads_features.csv" --target converted --algorithm gbdt --trees 500 \
      --learning-rate 0.05 --num-leaves 31 --out "$data_dir/model500" >&2
    mlctl_models="$data_dir/model500"
  else
    mlctl_models="$data_dir/registry-seed0"
    if [[ ! -e "$mlctl_models/current" ]]; then
      say "mlctl train-all --seed 0 (the default registry)"
      rm -rf "$mlctl_models"
      "$mlctl" train-all --seed 0 --out "$mlctl_models" >&2
    fi
  fi
fi

lgb_model="$data_dir/fastapi_lgb500.txt"
if uses fastapi; then
  if [[ ! -f "$data_dir/leads_raw.csv" ]]; then
    [[ -x "$mlctl" ]] || { echo "no $data_dir/leads_raw.csv and no $mlctl to export it" >&2; exit 1; }
    "$mlctl" datasets export --format raw --out "$data_dir/leads_raw.csv" >&2
  fi
  if [[ ! -f "$lgb_model.meta.json" || "$data_dir/leads_raw.csv" -nt "$lgb_model" || bench/serve_fastapi_app.py -nt "$lgb_model" ]]; then
    say "LightGBM train (500 trees) for FastAPI"
    "$python" bench/serve_fastapi_app.py train "$data_dir/leads_raw.csv" "$lgb_model"
  fi
fi

# --- Servers ------------------------------------------------------------------------------------

server_pid=""
nginx_prefix=""
stop_server() {
  [[ -n "$server_pid" ]] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
cleanup() {
  stop_server
  [[ -z "$nginx_prefix" ]] || rm -rf "$nginx_prefix"
}
trap cleanup EXIT

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server NAME PORT: starts NAME in the background on PORT (log: $data_dir/serve-NAME.log).
start_server() {
  local name=$1 port=$2 log="$data_dir/serve-$1.log"
  case "$name" in
    mlctl)
      "${pin_server[@]}" "$mlctl" serve --models "$mlctl_models" --port "$port" --quiet --threads "$workers" > "$log" 2>&1 &
      ;;
    fastapi)
      MLCTL_BENCH_LGB_MODEL="$lgb_model" "${pin_server[@]}" "$python" -m uvicorn serve_fastapi_app:app --app-dir bench \
        --host 127.0.0.1 --port "$port" --workers "$workers" --loop uvloop --http httptools --no-access-log \
        --log-level warning > "$log" 2>&1 &
      ;;
    nginx)
      nginx_prefix=$(mktemp -d)
      chmod 755 "$nginx_prefix"
      sed "s|@PORT@|$port|g; s|@PREFIX@|$nginx_prefix|g; s|^worker_processes 2;|worker_processes $workers;|" \
        bench/serve_nginx.conf > "$nginx_prefix/nginx.conf"
      "${pin_server[@]}" nginx -p "$nginx_prefix" -c "$nginx_prefix/nginx.conf" -e "$nginx_prefix/error.log" > "$log" 2>&1 &
      ;;
  esac
  server_pid=$!
  for _ in $(seq 600); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "$name exited before it was ready; its log:" >&2; tail -n 30 "$log" >&2; exit 1
    fi
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready")" == 200 ]] && return 0
    sleep 0.1
  done
  echo "$name not ready after 60 s; its log:" >&2; tail -n 30 "$log" >&2; exit 1
}

# check_reply URL: one request; fails unless it is answered 200.
check_reply() {
  local reply code
  reply=$(curl -sS -X POST -H 'Content-Type: application/json' --data-binary "@$body" -w '\n%{http_code}' "$1")
  code=${reply##*$'\n'}
  echo "   $1 -> $code ${reply%$'\n'*}" | cut -c1-400 >&2
  [[ "$code" == 200 ]] || { echo "expected 200" >&2; exit 1; }
}

warm_up() {
  "${pin_wrk[@]}" wrk -t"$wrk_threads" -c16 -d2s -s "$lua" "$1" > /dev/null
}

# measure ROW CONNECTIONS URL: one wrk run; appends "ROW<TAB>CONNECTIONS<TAB>json" to $results.
measure() {
  local row=$1 connections=$2 url=$3 output
  say "$row: ${pin_wrk[*]} wrk -t$wrk_threads -c$connections -d$duration $url"
  output=$("${pin_wrk[@]}" wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency -s "$lua" "$url")
  printf '### %s, %s connections, %s\n%s\n\n' "$row" "$connections" "$url" "$output" >> "$wrk_log"
  grep -E '^Requests/sec|^MLCTL_BENCH' <<< "$output" | sed 's/^/   /' >&2
  printf '%s\t%s\t%s\n' "$row" "$connections" "$(sed -n 's/^MLCTL_BENCH //p' <<< "$output")" >> "$results"
}

for service in nginx fastapi mlctl; do
  uses "$service" || continue
  port=$(free_port)
  say "$service on 127.0.0.1:$port"
  start_server "$service" "$port"
  base="http://127.0.0.1:$port$route"
  if [[ "$service" == mlctl ]]; then
    check_reply "$base?factors=0"
    check_reply "$base?factors=5"
    warm_up "$base?factors=0"
    measure mlctl 64 "$base?factors=0"
    measure mlctl 16 "$base?factors=0"
    warm_up "$base?factors=5"
    measure mlctl-explained 16 "$base?factors=5"
  else
    check_reply "$base"
    warm_up "$base"
    measure "$service" 64 "$base"
    measure "$service" 16 "$base"
  fi
  stop_server
done

# --- Report -------------------------------------------------------------------------------------

versions="nginx $(nginx -v 2>&1 | sed 's|.*nginx/||'), $(wrk -v 2>&1 | head -n1 | awk '{print $1, $2}'), $("$python" -c '
import fastapi, uvicorn, lightgbm
print(f"fastapi {fastapi.__version__}, uvicorn {uvicorn.__version__}, lightgbm {lightgbm.__version__}")')"
revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo +)"
placement="$(nproc) cores shared by the services and wrk (wrk -t2)"
[[ "$workers" == 1 ]] && placement="each service one worker pinned to CPU 0, wrk -t1 pinned to CPU 1"
model_note="mlctl serves the registry of \`train-all --seed 0\` (global model: the ensemble)"
[[ "${MLCTL_BENCH_MODELS:-registry}" == bundle ]] && model_note="mlctl serves one gbdt bundle from \`mlctl train\` (500 trees, 31 leaves; secondary row)"
"$python" - "$results" "$duration" "$placement; $model_note; $(date -u +%F), mlctl $revision, $versions" "$workers" <<'PY' | tee "$data_dir/serve-results.md"
import json, sys

path, duration, setup, workers = sys.argv[1:5]
runs = {}
for line in open(path):
    row, connections, blob = line.rstrip("\n").split("\t")
    runs[row, int(connections)] = json.loads(blob)

labels = {"nginx": "nginx, fixed reply (ceiling)", "fastapi": f"FastAPI + LightGBM, uvicorn {workers} worker(s)",
          "mlctl": "mlctl serve, `?factors=0`", "mlctl-explained": "mlctl serve, `?factors=5` (explained)"}
def cell(row, connections, key):
    run = runs.get((row, connections))
    if run is None:
        return "—"
    return f"{run['rps']:,.0f}" if key == "rps" else f"{run[key] / 1000:.2f}"

print(f"POST /api/v1/lead-scoring-ml/score, wrk -d{duration} --latency on 127.0.0.1; {setup}\n")
print("| Service | req/s c16 | p50 ms c16 | p99 ms c16 | req/s c64 | p50 ms c64 | p99 ms c64 |")
print("|---|---:|---:|---:|---:|---:|---:|")
for row, label in labels.items():
    if any(key[0] == row for key in runs):
        print(f"| {label} | " + " | ".join(cell(row, c, k) for c in (16, 64) for k in ("rps", "p50_us", "p99_us")) + " |")

def ratio(a, b, connections, key):
    x, y = runs.get((a, connections)), runs.get((b, connections))
    return f"{x[key] / y[key]:.3g}×" if x and y and y[key] else "—"
pairs = [("mlctl", "fastapi"), ("mlctl", "nginx"), ("mlctl-explained", "fastapi"), ("mlctl-explained", "nginx")]
pairs = [(a, b) for a, b in pairs if any(k[0] == a for k in runs) and any(k[0] == b for k in runs)]
if pairs:
    print("\n| Ratio | req/s c16 | req/s c64 | p99 c16 | p99 c64 |")
    print("|---|---:|---:|---:|---:|")
    for a, b in pairs:
        name = f"{'mlctl explained' if a == 'mlctl-explained' else 'mlctl'} / {'FastAPI' if b == 'fastapi' else 'nginx'}"
        print(f"| {name} | {ratio(a, b, 16, 'rps')} | {ratio(a, b, 64, 'rps')} | {ratio(a, b, 16, 'p99_us')} | {ratio(a, b, 64, 'p99_us')} |")
    print("\nreq/s ratios above 1 and p99 ratios below 1 favour mlctl.")

bad = [f"{row} c{c}: {run['non2xx']} non-2xx, {run['errors']} socket errors" for (row, c), run in runs.items()
       if run["non2xx"] or run["errors"]]
if bad:
    print("\n**Errors during the runs** (the figures above count them as requests): " + "; ".join(bad))
PY
