#!/usr/bin/env bash
# Prepares what bench/serve_vs_fastapi.sh needs besides mlctl, and prints the venv's path on
# stdout (everything else goes to stderr):
# - the Debian packages wrk (load generator) and nginx (the ceiling), installed if missing
#   (apt-get, through sudo when not root), as scripts/install-deps.sh does;
# - a light Python venv for the FastAPI + LightGBM service, outside the repository, at
#   ${MLCTL_SERVE_BENCH_VENV:-~/.cache/mlctl-serve-bench-venv}, from bench/serve-requirements.txt.
#   The pins are (re)installed whenever the requirements' SHA-256 differs from the stamp
#   kept in the venv.
set -euo pipefail
venv="${MLCTL_SERVE_BENCH_VENV:-$HOME/.cache/mlctl-serve-bench-venv}"
requirements="$(cd "$(dirname "$0")" && pwd)/serve-requirements.txt"

missing=()
for package in wrk nginx; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "Installing missing packages: ${missing[*]}" >&2
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" >&2
stamp="$venv/mlctl-serve-requirements.sha256"
want=$(sha256sum < "$requirements" | cut -d' ' -f1)
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  echo "Installing $requirements into $venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" >&2
  echo "$want" > "$stamp"
fi
echo "$venv"
