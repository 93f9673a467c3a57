#!/usr/bin/env bash
# Quick start: install, migrate, load the real regions and demo data, serve the portal (SQLite by default).
# Development mode is explicit here (the settings default to production: DEBUG off, SECRET_KEY required):
# DEBUG=true and a random key of this checkout's own, kept in .venv/dev-secret-key across restarts.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export DEBUG=${DEBUG:-true}
if [ -z "${SECRET_KEY:-}" ]; then
  [ -s .venv/dev-secret-key ] || .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' > .venv/dev-secret-key
  SECRET_KEY=$(cat .venv/dev-secret-key)
  export SECRET_KEY
fi
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo
PORT=${PORT:-8000}
echo
echo "医保异地就医协同平台 is at http://127.0.0.1:${PORT}/  (admin: http://127.0.0.1:${PORT}/admin/, API docs: /api/docs/)"
exec .venv/bin/python manage.py runserver "127.0.0.1:${PORT}"
