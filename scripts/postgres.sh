#!/usr/bin/env bash
# Makes a PostgreSQL server reachable for the test suite and prints its URL:
# uses a running server, starts an installed one, or installs Debian's.
# The test database is "test"; the role "postgres" gets a password so the
# URL works whether the server trusts loopback or asks for one.
set -euo pipefail
url="postgres://postgres:kaval@127.0.0.1:5432/test?sslmode=disable"

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "postgres: installing from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql postgresql-contrib >&2
fi
if ! ready; then
  ver=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "postgres: starting cluster $ver/main" >&2
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 || pg_ctlcluster "$ver" main start >&2
  for _ in $(seq 1 30); do ready && break; sleep 1; done
fi
ready || { echo "postgres: not reachable on 127.0.0.1:5432" >&2; exit 1; }
psql_su() { su postgres -s /bin/sh -c "psql -v ON_ERROR_STOP=1 -q $*" >&2; }
psql_su "-c \"ALTER ROLE postgres PASSWORD 'kaval'\""
if ! su postgres -s /bin/sh -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'test'\"" | grep -q 1; then
  psql_su "-c 'CREATE DATABASE test'"
fi
psql_su "-d test -c 'CREATE EXTENSION IF NOT EXISTS pg_trgm'"
echo "$url"
