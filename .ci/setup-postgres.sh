#!/usr/bin/env bash
# Install and start a local PostgreSQL for the registry's PostgreSQL tests; prints the URL.
# Usage: export DETENTE_TEST_PG_URL=$(bash .ci/setup-postgres.sh)
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | grep -q "^$ver main"; then
  pg_createcluster "$ver" main >&2
fi
pg_ctlcluster "$ver" main start >&2 || true
for _ in $(seq 1 30); do
  if su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1; then break; fi
  sleep 1
done
su postgres -c "psql -qAtc \"DO \\\$\\\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='detente') THEN CREATE ROLE detente LOGIN SUPERUSER PASSWORD 'detente'; END IF; END\\\$\\\$;\"" >&2
su postgres -c "psql -qAtc \"SELECT 1 FROM pg_database WHERE datname='detente'\" | grep -q 1 || createdb -O detente detente" >&2
echo "postgresql+psycopg://detente:detente@127.0.0.1:5432/detente"
