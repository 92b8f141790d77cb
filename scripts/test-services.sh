#!/usr/bin/env bash
# Installs (when missing), starts and stops the throw-away services the tests run against:
# Debian's redis-server and postgresql, on free loopback ports, with temporary data folders; Debian's
# chromium, which the browser journeys (test/browser/) drive headless through playwright-core; poppler-utils,
# which reads back the PDF a journey prints; and for `npm run stack` and its test (test/stack/), Debian's
# caddy, curl (a compose healthcheck), openssl (the operator docs' commands) and certutil (libnss3-tools:
# Chromium then trusts Caddy's local CA).
# Sourced by scripts/test.sh; usable alone: `source scripts/test-services.sh && start_test_services`.
#
# Postgres runs without durability (fsync, synchronous_commit and full_page_writes off): tests need
# speed, not crash safety. PILOTAGE_TEST_PG_DURABLE=1 (`npm run bench -- <name> --durable`) starts it as
# production runs it, with every commit flushed to disk, which is what the audit row's cost depends on.

set -euo pipefail

pilotage_die() {
  echo "test-services: $*" >&2
  exit 1
}

pg_bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n "$dir" && -x "$dir/postgres" ]] && echo "$dir"
}

apt_install() {
  local packages=("$@")
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      local SUDO=sudo
    else
      pilotage_die "${packages[*]} missing and this user cannot install packages. Run the tests as root, or install them: apt-get install -y ${packages[*]}"
    fi
  fi
  echo "test-services: installing ${packages[*]} with apt-get…" >&2
  if ! ${SUDO:-} env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null; then
    pilotage_die "apt-get update failed: is the Debian mirror reachable? Install ${packages[*]} by hand and rerun."
  fi
  if ! ${SUDO:-} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null; then
    pilotage_die "apt-get install ${packages[*]} failed. Install them by hand and rerun."
  fi
}

# What `npm run stack` needs: Debian's Caddy (bookworm ships 2.6.2, the version docker-compose.yml pins),
# Redis and Postgres. Debian's caddy package enables a systemd unit; without systemd (containers, CI) it
# starts nothing, and the stack runs its own Caddy on private ports either way.
stack_missing_packages() {
  command -v redis-server >/dev/null 2>&1 || echo redis-server
  [[ -n "$(pg_bin_dir)" ]] || echo postgresql
  command -v psql >/dev/null 2>&1 || echo postgresql-client
  command -v caddy >/dev/null 2>&1 || echo caddy
  # Metabase's compose healthcheck, run as written (the base image of a fresh machine has no curl).
  command -v curl >/dev/null 2>&1 || echo curl
}

ensure_stack_packages() {
  local missing
  mapfile -t missing < <(stack_missing_packages)
  if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
}

ensure_test_packages() {
  local missing
  mapfile -t missing < <(stack_missing_packages)
  # Debian's build, never a browser downloaded by a test tool (`npx playwright install` cannot work here).
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  command -v certutil >/dev/null 2>&1 || missing+=(libnss3-tools)
  # The operator documentation's commands the stack test runs (docs/operations/secrets.md).
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  # poppler-utils: the browser journey that prints a note to PDF reads its pages back (pdfinfo, pdftotext).
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
  # Debian's postinst may start a cluster and a redis service of its own; ours run on private ports.
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

wait_until() {
  local what=$1 tries=$2
  shift 2
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  pilotage_die "$what did not start in time"
}

start_test_services() {
  ensure_test_packages
  PILOTAGE_TEST_DIR=$(mktemp -d /tmp/pilotage-test.XXXXXX)
  chmod 755 "$PILOTAGE_TEST_DIR"
  export PILOTAGE_TEST_DIR

  local redis_port pg_port pg_bin as_pg=()
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$PILOTAGE_TEST_DIR" --daemonize no --loglevel warning >"$PILOTAGE_TEST_DIR/redis.log" 2>&1 &
  echo $! >"$PILOTAGE_TEST_DIR/redis.pid"
  wait_until "redis-server" 50 redis-cli -p "$redis_port" ping

  pg_bin=$(pg_bin_dir)
  pg_port=$(free_port)
  mkdir -p "$PILOTAGE_TEST_DIR/pg" "$PILOTAGE_TEST_DIR/pg-socket"
  # Postgres refuses to run as root: run it as the postgres user when we are root.
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$PILOTAGE_TEST_DIR/pg" "$PILOTAGE_TEST_DIR/pg-socket"
    as_pg=(runuser -u postgres --)
  fi
  "${as_pg[@]}" "$pg_bin/initdb" -D "$PILOTAGE_TEST_DIR/pg" -U pilotage --auth=trust -E UTF8 --locale=C.UTF-8 >"$PILOTAGE_TEST_DIR/initdb.log" 2>&1 ||
    pilotage_die "initdb failed, see $PILOTAGE_TEST_DIR/initdb.log"
  local durability=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off) durable_note=""
  if [[ "${PILOTAGE_TEST_PG_DURABLE:-}" == 1 ]]; then
    durability=(-c fsync=on -c synchronous_commit=on -c full_page_writes=on)
    durable_note=" (durable: fsync and synchronous_commit on)"
  fi
  "${as_pg[@]}" "$pg_bin/postgres" -D "$PILOTAGE_TEST_DIR/pg" -p "$pg_port" -c listen_addresses=127.0.0.1 \
    -k "$PILOTAGE_TEST_DIR/pg-socket" "${durability[@]}" \
    -c max_connections=200 >"$PILOTAGE_TEST_DIR/postgres.log" 2>&1 &
  echo $! >"$PILOTAGE_TEST_DIR/postgres.pid"
  wait_until "postgres" 100 psql -h 127.0.0.1 -p "$pg_port" -U pilotage -d postgres -c "select 1"
  for db in pilotage_gateway pilotage_warehouse; do
    psql -q -h 127.0.0.1 -p "$pg_port" -U pilotage -d postgres -c "CREATE DATABASE $db" >/dev/null
  done

  export TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
  export TEST_PG_URL="postgres://pilotage@127.0.0.1:$pg_port"
  export TEST_DATABASE_URL="$TEST_PG_URL/pilotage_gateway"
  export TEST_WAREHOUSE_URL="$TEST_PG_URL/pilotage_warehouse"
  export TEST_REDIS_SERVER_BIN
  TEST_REDIS_SERVER_BIN=$(command -v redis-server)
  export TEST_CHROMIUM_BIN=/usr/bin/chromium
  # The fault suite (test/faults/) starts Postgres servers of its own, which it freezes and restarts.
  export TEST_PG_BIN_DIR="$pg_bin"
  echo "test-services: redis on $redis_port, postgres on $pg_port$durable_note ($PILOTAGE_TEST_DIR)" >&2
}

stop_test_services() {
  [[ -n "${PILOTAGE_TEST_DIR:-}" && -d "$PILOTAGE_TEST_DIR" ]] || return 0
  local pid
  for name in postgres redis; do
    if [[ -f "$PILOTAGE_TEST_DIR/$name.pid" ]]; then
      pid=$(cat "$PILOTAGE_TEST_DIR/$name.pid")
      kill "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  # Servers started by the tests themselves (restart scenarios) write their pid here; for a Postgres,
  # its postmaster's, whose backends go with it (thawed first: the fault suite freezes them).
  for f in "$PILOTAGE_TEST_DIR"/extra-*.pid; do
    [[ -f "$f" ]] || continue
    pid=$(cat "$f")
    for p in $(pgrep -P "$pid" 2>/dev/null) "$pid"; do
      kill -CONT "$p" 2>/dev/null || true
      kill -9 "$p" 2>/dev/null || true
    done
  done
  # The stack (scripts/stack/) writes the negative id of each process group it started and removes it
  # when the group is gone: what is left here is what a failed test left running.
  for f in "$PILOTAGE_TEST_DIR"/stack-*.pid; do
    [[ -f "$f" ]] && kill -9 -- "$(cat "$f")" 2>/dev/null || true
  done
  rm -rf "$PILOTAGE_TEST_DIR"
}
