#!/usr/bin/env bash
# The whole test suite, on PostgreSQL. Extra arguments go to pytest (e.g. -k registration).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/yidi}
case "$DATABASE_URL" in postgres*) scripts/ensure_postgres.sh ;; esac
# The tests run in development mode (the settings default to production: DEBUG off, SECRET_KEY required);
# pytest alone gets the same from config.settings_test (pyproject.toml). Tests of production values set
# their own environment (tests/core/test_deploy_settings.py, test_settings_*.py).
export DEBUG=true
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null || {
  echo "Models and migrations disagree: run manage.py makemigrations" >&2; exit 1; }
exec .venv/bin/python -m pytest --create-db "$@"
