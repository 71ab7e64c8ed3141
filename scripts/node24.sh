# Sourced by the project's shell scripts: puts the Node 24 binary of the `node` devDependency
# (node_modules/.bin/node) first on PATH.
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ ! -x "$repo_root/node_modules/.bin/node" ]; then
  echo "Node 24 is missing: run 'npm ci' in $repo_root first." >&2
  return 1 2>/dev/null || exit 1
fi
export PATH="$repo_root/node_modules/.bin:$PATH"
