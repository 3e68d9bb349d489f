#!/usr/bin/env bash
# Installs the Debian packages mlctl needs, only those missing.
#   scripts/install-deps.sh            build and run: OpenBLAS, LAPACKE, libpq
#   scripts/install-deps.sh --test     also the PostgreSQL server for the tests
set -euo pipefail

packages=(libopenblas-dev liblapacke-dev libpq-dev pkg-config)
if [[ "${1:-}" == "--test" ]]; then packages+=(postgresql); fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "Installing missing packages: ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
