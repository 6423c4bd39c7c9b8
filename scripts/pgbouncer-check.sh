#!/usr/bin/env bash
# On demand, not in CI (about 15 minutes): runs Latchkey through PgBouncer in transaction mode with
# DATABASE_POOL_MODE=transaction (decision 0046). Starts its own PgBouncer on 127.0.0.1:${PGB_PORT:-6433}
# in front of $POSTGRES_URL, runs the sign-in, metrics, second-factor and unnamed-statement tests and
# the whole faults project through it, then the bench suite (--quick) directly and through it.
#
#   apt-get install -y pgbouncer     # Debian's package; PgBouncer 1.18 in Debian 12
#   bash scripts/pgbouncer-check.sh  # SKIP_BENCH=1 for the tests alone
set -euo pipefail
cd "$(dirname "$0")/.."

POSTGRES_URL="${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PGB_PORT="${PGB_PORT:-6433}"
pg_host=$(node -e 'const u=new URL(process.argv[1]);console.log(u.hostname)' "$POSTGRES_URL")
pg_port=$(node -e 'const u=new URL(process.argv[1]);console.log(u.port||5432)' "$POSTGRES_URL")
pg_user=$(node -e 'const u=new URL(process.argv[1]);console.log(u.username||"postgres")' "$POSTGRES_URL")
bouncer_url=$(node -e 'const u=new URL(process.argv[1]);u.hostname="127.0.0.1";u.port=process.argv[2];console.log(u.toString())' "$POSTGRES_URL" "$PGB_PORT")

command -v pgbouncer >/dev/null || PATH="$PATH:/usr/sbin"
command -v pgbouncer >/dev/null || { echo "pgbouncer is not installed: apt-get install -y pgbouncer" >&2; exit 1; }

dir=$(mktemp -d /tmp/latchkey-pgbouncer.XXXXXX)
cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=$pg_host port=$pg_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir = $dir
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = 20
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits,options
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
echo "\"$pg_user\" \"\"" >"$dir/userlist.txt"
# PgBouncer refuses to run as root: as root, it runs as the postgres user.
run_as=()
if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; run_as=(-u postgres); fi
pgbouncer -d "${run_as[@]}" "$dir/pgbouncer.ini"
trap 'kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$dir/pgbouncer.pid" ] && break; sleep 0.1; done
echo "PgBouncer $(pgbouncer --version | head -1 | awk '{print $2}') on $bouncer_url, pool_mode=transaction (log: $dir/pgbouncer.log)"

export DATABASE_POOL_MODE=transaction
TEST_DATABASE_URL="$bouncer_url" npx vitest run --project postgres --maxWorkers=1 \
  tests/integration/login.test.ts tests/integration/metrics.test.ts \
  tests/integration/second-factor.test.ts tests/integration/second-factor-demand.test.ts \
  tests/integration/second-factor-policy.test.ts tests/integration/second-factor-reset.test.ts \
  tests/integration/passkey-second-step.test.ts tests/integration/unnamed-statements.test.ts
# The whole faults project (about 3 minutes). The rolling upgrade's previous release must itself
# start through transaction pooling (DATABASE_POOL_MODE and pg-boss's start attempts): set
# LATCHKEY_PREVIOUS_RELEASE to such a commit, or expect that one test to fail (decision 0046).
TEST_DATABASE_URL="$bouncer_url" npx vitest run --project faults --maxWorkers=1 || faults_failed=1

if [ -z "${SKIP_BENCH:-}" ]; then
  bench_direct=$(node -e 'const u=new URL(process.argv[1]);u.pathname="/latchkey_pgbouncer_bench";console.log(u.toString())' "$POSTGRES_URL")
  bench_bouncer=$(node -e 'const u=new URL(process.argv[1]);u.pathname="/latchkey_pgbouncer_bench";console.log(u.toString())' "$bouncer_url")
  DATABASE_URL="$bench_direct" node bench/generate-users.ts
  DATABASE_URL="$bench_direct" node bench/generate-companies.ts
  echo "== bench suite, directly ($bench_direct), DATABASE_POOL_MODE=session"
  DATABASE_POOL_MODE=session DATABASE_URL="$bench_direct" node bench/suite.ts --quick --no-startup
  cp bench/results/results.md "$dir/bench-direct.md"
  echo "== bench suite, through PgBouncer ($bench_bouncer), DATABASE_POOL_MODE=transaction"
  DATABASE_URL="$bench_bouncer" node bench/suite.ts --quick --no-startup
  cp bench/results/results.md "$dir/bench-pgbouncer.md"
  echo "results: $dir/bench-direct.md $dir/bench-pgbouncer.md"
fi
[ -z "${faults_failed:-}" ] || { echo "some fault tests failed through PgBouncer (see above)" >&2; exit 1; }
