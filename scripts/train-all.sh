#!/usr/bin/env bash
# The main job: installs what is missing, builds mlctl in release mode and runs
# `mlctl train-all` on the bundled lead dataset (no database needed). Extra arguments go to
# train-all, e.g. scripts/train-all.sh --seed 7 --out models/
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build -c release --product mlctl
exec .build/release/mlctl train-all "$@"
