#!/usr/bin/env bash
# Debian's Chromium for the browser tests (they start it headless themselves).
#
#   chromium.sh missing   prints the Debian package's name if it is not installed
#   chromium.sh install   install the package if missing (apt-get)
set -euo pipefail
source "$(dirname "$0")/common.sh"

installed() { command -v chromium >/dev/null; }

install_package() {
  if installed; then return 0; fi
  apt_install chromium
  installed || { log "chromium installed but not on PATH"; exit 1; }
}

case "${1:-}" in
  missing) installed || echo chromium ;;
  install) install_package ;;
  *) echo "usage: $0 missing | install" >&2; exit 2 ;;
esac
