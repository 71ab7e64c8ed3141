#!/usr/bin/env bash
# A private PostgreSQL 15 (Debian's package) for tests and benchmarks: loopback only, a free port,
# its own data directory under a temp folder, run as a non-root user (PostgreSQL refuses root).
#
#   postgres.sh missing       prints the Debian package's name if it is not installed
#   postgres.sh install       install the package if missing (apt-get; no cluster is created or started)
#   postgres.sh start [DIR]   install if missing, then init and start a server in DIR (default: a new
#                             temp folder); prints KEY=VALUE lines: PGHOST PGPORT PGUSER PGPASSWORD
#                             PGDATABASE SERVICE_DIR
#   postgres.sh stop DIR      stop that server and delete DIR
#
# POSTGRES_SETTINGS adds server settings, space-separated name=value (e.g. synchronous_commit=off).
set -euo pipefail
source "$(dirname "$0")/common.sh"

version=15
bin=/usr/lib/postgresql/$version/bin
superuser=leadscoring
marker=.lead-scoring-postgres

installed() { [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ]; }

install_package() {
  if installed; then return 0; fi
  # Debian's package would create and start a 'main' cluster on port 5432: these tests start their own.
  mkdir -p /etc/postgresql-common/createcluster.d
  echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/lead-scoring-tests.conf
  apt_install "postgresql-$version"
  [ -x "$bin/initdb" ] || { log "postgresql-$version installed but $bin/initdb is missing"; exit 1; }
}

# The user the server runs as: the caller when not root, else Debian's 'postgres' system user
# (created by the package), else a system user made for this purpose.
server_user() {
  if [ "$(id -u)" -ne 0 ]; then id -un; return; fi
  if id -u postgres >/dev/null 2>&1; then echo postgres; return; fi
  if ! id -u leadscoring-pg >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin leadscoring-pg
  fi
  echo leadscoring-pg
}

start_server() {
  install_package
  local dir
  dir=$(service_dir "${1:-}" lead-scoring-pg "$marker")
  local user
  user=$(server_user)
  local password
  password=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)
  printf '%s\n' "$password" > "$dir/pwfile"
  chmod 600 "$dir/pwfile"
  if [ "$(id -u)" -eq 0 ]; then chown -R "$user" "$dir"; fi
  # Password (SCRAM) authentication over TCP, so wrong credentials are refused as in production.
  as_server_user "$user" "$bin/initdb" -D "$dir/data" -U "$superuser" --pwfile="$dir/pwfile" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  local settings="-c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=200"
  local setting
  for setting in ${POSTGRES_SETTINGS:-}; do settings="$settings -c $setting"; done
  local port attempt
  for attempt in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    port_is_free "$port" || continue
    if as_server_user "$user" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -s \
      -o "-p $port $settings" start >&2; then
      printf 'PGHOST=127.0.0.1\nPGPORT=%s\nPGUSER=%s\nPGPASSWORD=%s\nPGDATABASE=postgres\nSERVICE_DIR=%s\n' \
        "$port" "$superuser" "$password" "$dir"
      return 0
    fi
    log "start on port $port failed (attempt $attempt); $(tail -n 3 "$dir/server.log" 2>/dev/null | tr '\n' ' ')"
  done
  log "could not start PostgreSQL; log: $dir/server.log"
  exit 1
}

stop_server() {
  local dir=${1:?usage: postgres.sh stop DIR}
  [ -f "$dir/$marker" ] || { log "$dir is not a server folder made by postgres.sh start"; exit 1; }
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_server_user "$(stat -c %U "$dir/data")" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop >&2 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  missing) installed || echo "postgresql-$version" ;;
  install) install_package ;;
  start) start_server "${2:-}" ;;
  stop) stop_server "${2:-}" ;;
  *) echo "usage: $0 missing | install | start [DIR] | stop DIR" >&2; exit 2 ;;
esac
