#!/usr/bin/env bash
# One command to run Campus on its embedded defaults: SQLite, one process, demo data,
# pages and Socket.IO on http://127.0.0.1:5000 (`flask run`, threading mode).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CAMPUS_CONFIG=${CAMPUS_CONFIG:-development}
mkdir -p instance
.venv/bin/flask db upgrade
.venv/bin/flask seed demo
exec .venv/bin/flask run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
