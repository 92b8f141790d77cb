#!/usr/bin/env bash
# `npm test`: installs and starts what the tests need (Redis, Postgres), runs the lint (Prettier, tsc)
# and the whole mocha suite, and stops the services even when something fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
trap stop_test_services EXIT INT TERM

npm run --silent lint
start_test_services
npx mocha "$@"
