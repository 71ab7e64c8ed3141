#!/usr/bin/env bash
# Installs the pinned n8n 2.x once into a cache folder outside the repository and prints its path.
# n8n 2.41.1 is the newest version whose dependencies the npm registry serves in full (see README).
set -euo pipefail
source "$(dirname "$0")/node24.sh"
version=${N8N_VERSION:-2.41.1}
cache=${LEAD_SCORING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-lead-scoring}
dir="$cache/n8n-$version"
if [ -f "$dir/.installed" ]; then echo "$dir"; exit 0; fi
mkdir -p "$dir"
cd "$dir"
echo "Installing n8n $version into $dir (a few minutes, once)..." >&2
[ -f package.json ] || printf '{"name":"n8n-runtime","private":true}\n' > package.json
# Install scripts stay off: one dependency downloads from outside the registry; only sqlite3 needs building.
npm install --no-audit --no-fund --ignore-scripts --loglevel=error "n8n@$version" >&2
npm rebuild sqlite3 --loglevel=error >&2
node -e "require('$dir/node_modules/sqlite3')" >&2
touch .installed
echo "$dir"
