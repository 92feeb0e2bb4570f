#!/usr/bin/env bash
# One command to set up and run the whole test suite:
#   0. the house rules: ruff's lint and format, the import layers (pyproject.toml);
#      then the chat page's JS unit tests (tests/js/, Node's built-in test runner);
#   1. every test on SQLite (unit, real-server under eventlet/gevent, browser);
#   2. the database-dependent tests again on PostgreSQL.
# PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) tests skip with a reason when those are
# not running — except with CI=true, where their absence fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/install-browser.sh

echo "== 0: house rules (ruff, import layers)"
.venv/bin/ruff check --no-cache .
.venv/bin/ruff format --no-cache --check .
.venv/bin/lint-imports

echo "== 0: the chat page's JS modules (node --test)"
node --test tests/js/

PYTEST=(.venv/bin/python -m pytest -p no:cacheprovider)
status=0
echo "== 1/2: the whole suite on SQLite"
"${PYTEST[@]}" "$@" || status=$?

echo "== 2/2: database tests on PostgreSQL"
CAMPUS_TEST_DATABASE_URL=${CAMPUS_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres} \
  "${PYTEST[@]}" -m "not server and not browser" "$@" || status=$?
exit $status
