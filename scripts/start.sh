#!/usr/bin/env bash
# Quick start: install, migrate, load the real regions and demo data, serve the portal (SQLite by default).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo
PORT=${PORT:-8000}
echo
echo "医保异地就医协同平台 is at http://127.0.0.1:${PORT}/  (admin: http://127.0.0.1:${PORT}/admin/, API docs: /api/docs/)"
exec .venv/bin/python manage.py runserver "127.0.0.1:${PORT}"
