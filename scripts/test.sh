#!/usr/bin/env bash
# Runs every test: installs what is missing, starts a throwaway PostgreSQL server, builds and
# runs the test suite against it, removes the server afterwards; then runs the heavy tests —
# the differential tests against LightGBM (training 500-tree models) and train-all on the
# bundled leads — in a release build, where they take seconds instead of minutes. Ends with one summary line, "tests: N passed, N failed".
#   scripts/test.sh [extra swift test arguments for the first run, e.g. --filter CSV]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
log=$(mktemp /tmp/mlctl-test-log.XXXXXX)
trap 'rm -f "$log"' EXIT
heavy="LightGBMParity|BundledTrainAll"

echo "== build (debug, with tests)" >&2
swift build --build-tests
echo "== tests (debug)" >&2
set +e
scripts/with-postgres.sh swift test --skip-build --skip "$heavy" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

if [[ $# -eq 0 ]]; then
  echo "== build (release, with tests)" >&2
  swift build -c release --build-tests -Xswiftc -enable-testing
  echo "== heavy tests: LightGBM parity, train-all on the bundled leads (release)" >&2
  set +e
  swift test -c release -Xswiftc -enable-testing --skip-build --filter "$heavy" 2>&1 | tee -a "$log"
  [[ ${PIPESTATUS[0]} -ne 0 ]] && status=1
  set -e
fi

# Swift Testing's closing lines: "Test run with N tests in M suites passed|failed after …".
total=$(grep -Eo 'Test run with [0-9]+ tests?' "$log" | grep -Eo '[0-9]+' | awk '{ s += $1 } END { print s + 0 }')
failed=$(grep -Ec '^✘ Test [^r].* failed after' "$log" || true)
if [[ "$total" -eq 0 && "$status" -eq 0 ]]; then
  echo "scripts/test.sh: no test ran" >&2
  status=1
fi
echo "tests: $((total - failed)) passed, $failed failed"
exit "$status"
