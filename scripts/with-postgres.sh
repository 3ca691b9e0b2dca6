#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL 15 server on 127.0.0.1 and TURBOCODE_TEST_POSTGRES_URL pointing at it.
# The server's data lives in a temporary directory that is removed afterwards, whatever the command's outcome.
#
#   scripts/with-postgres.sh swift test
set -euo pipefail

pg_bin=""
for dir in /usr/lib/postgresql/*/bin; do [ -x "$dir/initdb" ] && pg_bin="$dir"; done
if [ -z "$pg_bin" ]; then
  echo "with-postgres: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 1
fi

work=$(mktemp -d /tmp/turbocode-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
run_as=()
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root: use the postgres system user.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$work"
  run_as=(runuser -u postgres --)
fi

cleanup() {
  "${run_as[@]}" "$pg_bin/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"${run_as[@]}" "$pg_bin/initdb" -D "$work/data" -U turbo --auth=trust -E UTF8 >"$work/initdb.log" 2>&1 \
  || { cat "$work/initdb.log" >&2; exit 1; }
"${run_as[@]}" "$pg_bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w start \
  -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$work -c max_connections=200 -c fsync=off" \
  >/dev/null || { cat "$work/server.log" >&2; exit 1; }

export TURBOCODE_TEST_POSTGRES_URL="postgres://turbo@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL on 127.0.0.1:$port" >&2
"$@"
