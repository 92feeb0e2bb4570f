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
scripts/install-test-tools.sh

echo "== 0: house rules (ruff, import layers)"
.venv/bin/ruff check --no-cache .
.venv/bin/ruff format --no-cache --check .
.venv/bin/lint-imports

echo "== 0: the chat page's JS modules (node --test)"
node --test tests/js/

PYTEST=(.venv/bin/python -m pytest -p no:cacheprovider)
# In-process tests run on every core (pytest-xdist; each worker has its own databases); the
# real-server and browser tests one at a time, since they measure and wait on real time.
PARALLEL=(-n "${CAMPUS_TEST_WORKERS:-auto}")
status=0
run() {
  local code=0
  "$@" || code=$?
  # 5: nothing selected (e.g. arguments that pick only server tests) is not a failure.
  if [ "$code" -ne 0 ] && [ "$code" -ne 5 ]; then status=$code; fi
}

echo "== 1/2: the whole suite on SQLite: in-process tests"
run "${PYTEST[@]}" "${PARALLEL[@]}" -m "not server and not browser" "$@"
echo "== 1/2: the whole suite on SQLite: real servers and the browser"
run "${PYTEST[@]}" -m "server or browser" "$@"

echo "== 2/2: database tests on PostgreSQL"
CAMPUS_TEST_DATABASE_URL=${CAMPUS_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres} \
  run "${PYTEST[@]}" "${PARALLEL[@]}" -m "not server and not browser" "$@"
exit $status
