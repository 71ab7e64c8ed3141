#!/usr/bin/env bash
# A private Redis (Debian's package) for tests: loopback only, a free port, its own folder under a
# temp folder, no persistence.
#
#   redis.sh missing       prints the Debian package's name if it is not installed
#   redis.sh install       install the package if missing (apt-get; the system service is not started)
#   redis.sh start [DIR]   install if missing, then start a server in DIR (default: a new temp folder);
#                          prints KEY=VALUE lines: REDIS_HOST REDIS_PORT SERVICE_DIR
#   redis.sh stop DIR      stop that server and delete DIR
set -euo pipefail
source "$(dirname "$0")/common.sh"

marker=.lead-scoring-redis

installed() { command -v redis-server >/dev/null && command -v redis-cli >/dev/null; }

install_package() {
  if installed; then return 0; fi
  apt_install redis-server
  command -v redis-server >/dev/null || { log "redis-server installed but not on PATH"; exit 1; }
}

# Redis runs as root too, but a service user keeps it like production: Debian's 'redis' user if present.
server_user() {
  if [ "$(id -u)" -eq 0 ] && id -u redis >/dev/null 2>&1; then echo redis; else id -un; fi
}

start_server() {
  install_package
  local dir
  dir=$(service_dir "${1:-}" lead-scoring-redis "$marker")
  local user
  user=$(server_user)
  if [ "$(id -u)" -eq 0 ]; then chown -R "$user" "$dir"; fi
  local port attempt i
  for attempt in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    port_is_free "$port" || continue
    rm -f "$dir/redis.pid"
    as_server_user "$user" redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save '' --appendonly no >&2 || continue
    for i in $(seq 1 100); do
      if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
        echo "$port" > "$dir/port"
        printf 'REDIS_HOST=127.0.0.1\nREDIS_PORT=%s\nSERVICE_DIR=%s\n' "$port" "$dir"
        return 0
      fi
      sleep 0.1
    done
    log "start on port $port failed (attempt $attempt); $(tail -n 3 "$dir/redis.log" 2>/dev/null | tr '\n' ' ')"
    if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
  done
  log "could not start Redis; log: $dir/redis.log"
  exit 1
}

stop_server() {
  local dir=${1:?usage: redis.sh stop DIR}
  [ -f "$dir/$marker" ] || { log "$dir is not a server folder made by redis.sh start"; exit 1; }
  if [ -f "$dir/port" ]; then
    redis-cli -h 127.0.0.1 -p "$(cat "$dir/port")" shutdown nosave >/dev/null 2>&1 || true
  fi
  if [ -f "$dir/redis.pid" ]; then
    local pid i
    pid=$(cat "$dir/redis.pid")
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  missing) installed || echo redis-server ;;
  install) install_package ;;
  start) start_server "${2:-}" ;;
  stop) stop_server "${2:-}" ;;
  *) echo "usage: $0 missing | install | start [DIR] | stop DIR" >&2; exit 2 ;;
esac
