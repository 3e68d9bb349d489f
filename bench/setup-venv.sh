#!/usr/bin/env bash
# Creates (once) the Python virtual environment the benchmarks compare against, outside the
# repository, and prints its path. MLCTL_BENCH_VENV overrides the location.
set -euo pipefail
venv="${MLCTL_BENCH_VENV:-$HOME/.cache/mlctl-bench-venv}"
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q -r "$(dirname "$0")/requirements.txt" >&2
fi
echo "$venv"
