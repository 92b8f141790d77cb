#!/bin/sh
# Everything the gateways need before they start, in order; stops at the first failure (compose then never
# starts the replicas). Run by the compose stack's one-shot `init` service and by `npm run stack`
# (scripts/stack/), with the same variables. The only process that ever holds METABASE_API_KEY.
set -eu

step() { printf '\ninit: %s\n' "$*" >&2; }

step "migrations of the gateway database"
pilotage migrate

if [ "${PILOTAGE_SEED_DEMO_DATA:-0}" = 1 ]; then
  # A demonstration, never real data: the synthetic warehouse and the demo staff grant (PRODUCT.md §6).
  step "synthetic warehouse (PILOTAGE_SEED_DEMO_DATA=1)"
  pilotage seed --if-needed --demo-grants --scale "${PILOTAGE_SEED_SCALE:-1}"
fi

# Metabase's first administrator, the warehouse (with Metabase's read-only role), static embedding and
# its secret, the sync's API key: created on the first run, checked on the next ones. The secrets it
# creates go to METABASE_SECRETS_FILE (mode 0600); its output names them, never their values.
step "Metabase bootstrap"
pilotage metabase bootstrap --secrets-file "$METABASE_SECRETS_FILE"
set -a
# shellcheck disable=SC1090
. "$METABASE_SECRETS_FILE"
set +a

step "catalogue (sql/, metabase-config/) applied to Metabase"
pilotage apply

step "done"
