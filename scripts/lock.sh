#!/usr/bin/env bash
# Regenerate the lock files from requirements.txt and requirements-dev.txt: every transitive
# package pinned with its hashes, at the versions the shared .venv already has (its `pip freeze`
# is the constraint, so locking never upgrades what is tested). pip-tools runs from a throwaway
# virtualenv: it is a tool for maintainers, not a dependency of Campus.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install --quiet pip-tools
constraints=()
if [ -x .venv/bin/python ]; then
  .venv/bin/python -m pip freeze | grep -v -e '^-e ' -e ' @ ' > "$tools/installed.txt"
  constraints=(-c "$tools/installed.txt")
fi
for name in requirements requirements-dev; do
  CUSTOM_COMPILE_COMMAND="scripts/lock.sh" "$tools/venv/bin/pip-compile" --quiet --generate-hashes \
    --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links "${constraints[@]}" \
    -o "$name.lock" "$name.txt"
  # The constraint is a temporary file: keep its path out of the "via" comments.
  sed -i "\#-c $tools/installed.txt#d" "$name.lock"
done
