#!/usr/bin/env bash
# Runs every test: installs what is missing, starts a throwaway PostgreSQL server, builds and
# runs the test suite against it, and removes the server afterwards.
#   scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
echo "== build (debug, with tests)" >&2
swift build --build-tests
echo "== tests" >&2
scripts/with-postgres.sh swift test --skip-build
