#!/usr/bin/env bash
# Hyperparameter samplers: mlctl's TPE (independent and multivariate), GP and random sampler
# against Optuna's on the same test functions, in one run (issue #5's benchmark). The suite —
# branin, hartmann6, rosenbrock5, ackley10, mixed (floats, log floats, an int, a categorical);
# 100 trials per study, the best value after 50 and after 100 trials; seeds 0..29 — is written
# down in bench/tuning_optuna.py's docstring, and TuningBench.swift defines the same functions.
# Optuna's side (about 25 min on one core, mostly GPSampler) is kept in $MLCTL_BENCH_DATA as
# tuning_optuna_VERSION_sSEEDS.json and reused (an unfinished one is resumed); --fresh reruns it.
#   bench/tuning_vs_optuna.sh [--seeds A-B] [--jobs N] [--fresh]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=0-29
jobs=1
fresh=0
while (($#)); do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --fresh) fresh=1; shift ;;
    *) echo "usage: $0 [--seeds A-B] [--jobs N] [--fresh]" >&2; exit 2 ;;
  esac
done
venv=$(bench/setup-venv.sh)
data_dir="${MLCTL_BENCH_DATA:-/tmp/mlctl-bench}"
mkdir -p "$data_dir"
optuna_version=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("optuna"))')
theirs="$data_dir/tuning_optuna_${optuna_version}_s${seeds}.json"
ours="$data_dir/tuning_mlctl_s${seeds}.json"
swift build -c release --product mlctl-bench >&2
echo "$(nproc) cores, $(date -u +%F), seeds $seeds, optuna $optuna_version"

echo "== mlctl" >&2
.build/release/mlctl-bench tune "$ours" --seeds "$seeds" --samplers tpe,tpe_multivariate,gp,random >&2

echo "== Optuna" >&2
((fresh)) && rm -f "$theirs"
"$venv/bin/python" bench/tuning_optuna.py "$theirs" --seeds "$seeds" --jobs "$jobs" --resume >&2

"$venv/bin/python" bench/tuning_compare.py "$ours" "$theirs"
