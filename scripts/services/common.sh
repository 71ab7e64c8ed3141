# Shared by postgres.sh, redis.sh and chromium.sh (sourced): Debian package installs and running as a service user.

log() { echo "$(basename "$0"): $*" >&2; }

# apt_install PACKAGE...: non-interactive, with the packages' service scripts kept from starting
# system-wide servers (the tests start private ones). apt-get update runs only when needed: when
# the package lists do not know a package (a fresh machine), or when an install from older lists
# fails (their files have left the mirror). --no-upgrade: a package that is already installed is
# left as it is (never upgraded under servers that other runs may be using).
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
  local status=0
  apt_get_install "$@" || status=$?
  if [ "$policy_created" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ "$status" -ne 0 ]; then
    log "apt-get could not install $* (its output is above)"
    exit "$status"
  fi
}

# Runs in an `||` context, where set -e is off: every step returns its own failure.
apt_get_install() {
  local updated=0 package candidate
  for package in "$@"; do
    candidate=$(apt-cache policy "$package" 2>/dev/null | awk '/Candidate:/ { print $2 }')
    if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
      apt-get update -qq >&2 || return
      updated=1
      break
    fi
  done
  apt-get install -y -qq --no-install-recommends --no-upgrade "$@" >&2 && return 0
  [ "$updated" = 0 ] || return 1
  log "installing from the current package lists failed; updating them and trying again..."
  apt-get update -qq >&2 || return
  apt-get install -y -qq --no-install-recommends --no-upgrade "$@" >&2
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
