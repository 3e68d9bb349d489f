#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server, then stops and deletes it, also on
# failure or Ctrl-C. The command sees MLCTL_TEST_DATABASE_URL (a libpq URL over a unix socket
# and TCP on 127.0.0.1) and MLCTL_TEST_PG_BIN / MLCTL_TEST_PG_DATA for tests that stop and
# restart the server.
#   scripts/with-postgres.sh COMMAND [ARGS...]
set -euo pipefail

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$pg_bin/initdb" ]] || { echo "with-postgres: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

workdir=$(mktemp -d /tmp/mlctl-pg.XXXXXX)
run_as=()
if [[ $(id -u) -eq 0 ]]; then
  # initdb refuses to run as root: use the postgres account the Debian package creates.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$workdir"
  run_as=(runuser -u postgres --)
fi

cleanup() {
  "${run_as[@]}" "$pg_bin/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${run_as[@]}" "$pg_bin/initdb" -D "$workdir/data" -U mlctl --auth=trust -E UTF8 --locale=C.UTF-8 >"$workdir/initdb.log" 2>&1 \
  || { cat "$workdir/initdb.log" >&2; exit 1; }

# Tests need no durability; benchmarks of durable writes set MLCTL_PG_DURABLE=1.
durability="-c fsync=off -c full_page_writes=off"
[[ "${MLCTL_PG_DURABLE:-}" == 1 ]] && durability=""

# A free TCP port: try a few from a random start.
port=""
for _ in $(seq 1 20); do
  candidate=$((20000 + RANDOM % 30000))
  if ! (echo >/dev/tcp/127.0.0.1/$candidate) 2>/dev/null; then port=$candidate; break; fi
done
[[ -n "$port" ]] || { echo "with-postgres: no free port found" >&2; exit 1; }

"${run_as[@]}" "$pg_bin/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w -t 60 \
  -o "-p $port -k $workdir -c listen_addresses=127.0.0.1 $durability" start >/dev/null \
  || { cat "$workdir/server.log" >&2; exit 1; }
"${run_as[@]}" "$pg_bin/createdb" -h "$workdir" -p "$port" -U mlctl mlctl_test

export MLCTL_TEST_DATABASE_URL="postgresql://mlctl@127.0.0.1:$port/mlctl_test"
export MLCTL_TEST_PG_BIN="$pg_bin"
export MLCTL_TEST_PG_DATA="$workdir/data"
echo "with-postgres: throwaway server on 127.0.0.1:$port (data in $workdir)" >&2
set +e
"$@"
status=$?
set -e
exit $status
