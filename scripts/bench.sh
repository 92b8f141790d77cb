#!/usr/bin/env bash
# `npm run bench -- <name>`: starts throw-away Redis and Postgres (as the tests do), runs one benchmark
# of scripts/bench/, prints its figures, and stops the services.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/node-runtime.sh
source scripts/node-runtime.sh
use_project_node
# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
trap stop_test_services EXIT INT TERM
start_test_services
npx tsx scripts/bench/main.ts "$@"
