#!/usr/bin/env bash
# Makes sure a PostgreSQL server with trust auth for user "postgres" answers on 127.0.0.1:$1
# (default 5432). Uses the one already running; otherwise installs PostgreSQL from apt if needed
# and starts a throw-away cluster in a temporary folder (initdb + pg_ctl), which needs no
# configuration of the machine's own cluster.
set -euo pipefail
port="${1:-5432}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! command -v psql >/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql-client >/dev/null
fi

answers() { psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; }

if answers; then
  echo "PostgreSQL answers on 127.0.0.1:$port"
  exit 0
fi

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing postgresql from apt"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
bin="/usr/lib/postgresql/$version/bin"

dir=$(mktemp -d /tmp/latchkey-pg.XXXXXX)
as_owner() {
  # initdb refuses to run as root: run as the postgres user the package created.
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$dir"; runuser -u postgres -- "$@"; else "$@"; fi
}
as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
for _ in $(seq 1 30); do answers && break; sleep 1; done
answers || { echo "PostgreSQL did not come up; log:"; cat "$dir/log"; exit 1; }
echo "started a throw-away PostgreSQL $version on 127.0.0.1:$port in $dir"
