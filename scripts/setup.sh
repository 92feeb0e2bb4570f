#!/usr/bin/env bash
# Set up Campus on a fresh machine: venv, Python and npm dependencies, front-end assets copied
# into campus/static/vendor, compiled translations. Idempotent.
#
#   scripts/setup.sh               development and tests (requirements-dev.lock, npm dev packages)
#   scripts/setup.sh --production  what the server runs, no test tools (requirements.lock)
#
# Python packages come from the lock files, every one pinned with its hashes (pip refuses a
# file whose hash differs); scripts/lock.sh regenerates them after a change to requirements*.txt.
# npm runs no package's install scripts (--ignore-scripts): one of them phones home, and none is
# needed — Campus only copies files out of node_modules, and the bench suite (bench/js,
# bench/peers) runs socket.io and socket.io-client from it as they are.
set -euo pipefail
cd "$(dirname "$0")/.."

lock=requirements-dev.lock
npm_omit=()
case "${1:-}" in
  --production) lock=requirements.lock; npm_omit=(--omit=dev) ;;
  "") ;;
  *) echo "usage: $0 [--production]" >&2; exit 2 ;;
esac

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha
wanted=$(sha256sum "$lock" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  .venv/bin/python -m pip install --quiet --require-hashes --no-deps -r "$lock"
  echo "$wanted" > "$stamp"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error "${npm_omit[@]}"
fi
vendor=campus/static/vendor
mkdir -p "$vendor/socket.io" "$vendor/swagger-ui"
cp node_modules/socket.io-client/dist/socket.io.min.js node_modules/socket.io-client/dist/socket.io.min.js.map "$vendor/socket.io/"
for f in swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css favicon-32x32.png; do
  cp "node_modules/swagger-ui-dist/$f" "$vendor/swagger-ui/"
done

for catalog in $(find campus -type d -name translations); do
  .venv/bin/pybabel -q compile -d "$catalog"
done
