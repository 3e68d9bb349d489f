#!/usr/bin/env bash
# Creates the Python virtual environment the benchmarks compare against, outside the
# repository, and prints its path. MLCTL_BENCH_VENV overrides the location. The pins are
# (re)installed whenever bench/requirements.txt differs from the copy kept in the venv.
set -euo pipefail
venv="${MLCTL_BENCH_VENV:-$HOME/.cache/mlctl-bench-venv}"
requirements="$(dirname "$0")/requirements.txt"
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" >&2
if ! cmp -s "$requirements" "$venv/mlctl-requirements.txt"; then
  "$venv/bin/pip" install -q -r "$requirements" >&2
  cp "$requirements" "$venv/mlctl-requirements.txt"
fi
echo "$venv"
