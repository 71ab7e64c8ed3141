# Shared by postgres.sh and redis.sh (sourced): Debian package installs and running as a service user.

log() { echo "$(basename "$0"): $*" >&2; }

# apt_install PACKAGE...: non-interactive, with the packages' service scripts kept from starting
# system-wide servers (the tests start private ones).
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    log "$* is not installed and installing it needs root: apt-get install $*"
    exit 1
  fi
  log "installing $* from Debian's packages..."
  local policy_created=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    policy_created=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "$@" >&2
  if [ "$policy_created" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
}

# as_server_user USER COMMAND...: as USER when running as root, else as the caller.
as_server_user() {
  local user=$1
  shift
  if [ "$(id -u)" -eq 0 ] && [ "$user" != root ]; then "$(command -v runuser || echo /usr/sbin/runuser)" -u "$user" -- "$@"; else "$@"; fi
}

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# service_dir DIR PREFIX MARKER: DIR (created) or a new temp folder, marked as made by these scripts.
service_dir() {
  local dir=$1
  if [ -z "$dir" ]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/$2.XXXXXX"); else mkdir -p "$dir"; fi
  dir=$(cd "$dir" && pwd)
  touch "$dir/$3"
  echo "$dir"
}
