#!/usr/bin/env bash
# `npm test`: installs and starts what the tests need (Redis, Postgres), runs the lint (Prettier, tsc)
# and the whole mocha suite, and stops the services even when something fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/node-runtime.sh
source scripts/node-runtime.sh
use_project_node
# Tests build their own configuration: a developer's .env (read by bin/pilotage.js in development) never
# reaches them, nor anything they start.
export NODE_ENV=test

# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
trap stop_test_services EXIT INT TERM

npm run --silent lint
start_test_services
# Without arguments, the whole suite; with arguments, only those files (e.g. npm test -- test/config.test.ts).
if (($#)); then npx mocha "$@"; else npx mocha "test/**/*.test.ts"; fi
