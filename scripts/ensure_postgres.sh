#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432: start the machine's cluster, or install one with apt.
set -euo pipefail
answering() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if command -v pg_isready >/dev/null && answering; then exit 0; fi
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "PostgreSQL is not installed: installing it with apt" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
ver=$(ls /etc/postgresql | sort -V | tail -n 1)
pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
for _ in $(seq 1 30); do answering && break; sleep 1; done
answering || { echo "PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
# A fresh cluster asks for a password over TCP; give postgres the one the default URL uses.
su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
