#!/usr/bin/env bash
# `npm run bench -- <name>`: starts throw-away Redis and Postgres (as the tests do), compiles and runs one
# benchmark of scripts/bench/, prints its figures, and stops the services. `--durable` (anywhere in the arguments)
# starts Postgres with fsync and synchronous_commit on, as in production (scripts/test-services.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/node-runtime.sh
source scripts/node-runtime.sh
use_project_node
# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
trap stop_test_services EXIT INT TERM
args=()
for arg in "$@"; do
  if [[ "$arg" == --durable ]]; then export PILOTAGE_TEST_PG_DURABLE=1; else args+=("$arg"); fi
done
start_test_services
# The gateway's V8 as production runs it (docker-compose.yml, docs/operations/deploy.md): its young
# generation capped, so that the figures include the collections production pays.
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--max-semi-space-size=16"
# The gateway's code as production runs it: compiled by tsc (npm run build), not through tsx, whose
# keepNames wraps every function it creates in a call (a few per cent of an embed request).
echo "bench: compiling (tsconfig.bench.json → dist/bench)…" >&2
npx tsc -p tsconfig.bench.json
node dist/bench/scripts/bench/main.js "${args[@]}"
