#!/usr/bin/env bash
# Set up a development/test environment on a fresh machine: venv, Python and npm dependencies,
# front-end assets copied into campus/static/vendor, compiled translations. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha
wanted=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements-dev.txt
  echo "$wanted" > "$stamp"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
vendor=campus/static/vendor
mkdir -p "$vendor/socket.io" "$vendor/swagger-ui"
cp node_modules/socket.io-client/dist/socket.io.min.js node_modules/socket.io-client/dist/socket.io.min.js.map "$vendor/socket.io/"
for f in swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css favicon-32x32.png; do
  cp "node_modules/swagger-ui-dist/$f" "$vendor/swagger-ui/"
done

for catalog in $(find campus -type d -name translations); do
  .venv/bin/pybabel compile -q -d "$catalog" 2>/dev/null || .venv/bin/pybabel compile -d "$catalog" >/dev/null
done
