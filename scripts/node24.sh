# Sourced by the project's shell scripts: puts the Node 24 binary that the `node`
# devDependency installs first on PATH, and points native builds at its headers.
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
node24_pkg=$(find "$repo_root/node_modules/node" -maxdepth 3 -type d -name 'node-linux-*' 2>/dev/null | head -n 1)
if [ -z "$node24_pkg" ] || [ ! -x "$node24_pkg/bin/node" ]; then
  echo "Node 24 is missing: run 'npm ci' (or 'npm install') in $repo_root first." >&2
  return 1 2>/dev/null || exit 1
fi
export PATH="$node24_pkg/bin:$repo_root/node_modules/.bin:$PATH"
export npm_config_nodedir="$node24_pkg"
