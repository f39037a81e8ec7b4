#!/usr/bin/env bash
# Makes a PostgreSQL server reachable for the test suite and prints its URL:
# uses a running server, starts an installed one, or installs Debian's.
#
# The tests run as their own role, kaval_test, in their own database,
# kaval_test, both created here when missing; the role owns the database
# (so it may create the schemas each test uses, and drop them) and may
# create throwaway databases (the migration test starts from an empty one).
# The password is set on that role only, so the URL works whether the
# server trusts loopback connections or asks for a password. The
# superuser is used to create them and is never changed.
set -euo pipefail
role=kaval_test
db=kaval_test
pw=kaval_test # a local test role; not a secret
url="postgres://$role:$pw@127.0.0.1:5432/$db?sslmode=disable"

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

# As the superuser, over the local socket (peer or trust authentication).
su_psql() { su postgres -s /bin/sh -c "psql -v ON_ERROR_STOP=1 -qtA $*"; }
if [ "$(su_psql "-c \"SELECT 1 FROM pg_roles WHERE rolname = '$role'\"")" != 1 ]; then
  echo "postgres: creating role $role" >&2
  su_psql "-c \"CREATE ROLE $role LOGIN CREATEDB PASSWORD '$pw'\"" >&2
fi
if [ "$(su_psql "-c \"SELECT 1 FROM pg_database WHERE datname = '$db'\"")" != 1 ]; then
  echo "postgres: creating database $db" >&2
  su_psql "-c 'CREATE DATABASE $db OWNER $role'" >&2
fi
echo "$url"
