#!/usr/bin/env bash
# Runs every test: installs what is missing, starts a throwaway PostgreSQL server, builds and
# runs the test suite against it, and removes the server afterwards. Ends with one summary
# line, "tests: N passed, N failed".
#   scripts/test.sh [extra swift test arguments, e.g. --filter CSV]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
echo "== build (debug, with tests)" >&2
swift build --build-tests
echo "== tests" >&2
log=$(mktemp /tmp/mlctl-test-log.XXXXXX)
trap 'rm -f "$log"' EXIT
set +e
scripts/with-postgres.sh swift test --skip-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# Swift Testing's closing line: "Test run with N tests in M suites passed|failed after …".
total=$(grep -Eo 'Test run with [0-9]+ tests?' "$log" | tail -n 1 | grep -Eo '[0-9]+' || echo 0)
failed=$(grep -Ec '^✘ Test [^r].* failed after' "$log" || true)
if [[ "$total" -eq 0 && "$status" -eq 0 ]]; then
  echo "scripts/test.sh: no test ran" >&2
  status=1
fi
echo "tests: $((total - failed)) passed, $failed failed"
exit "$status"
