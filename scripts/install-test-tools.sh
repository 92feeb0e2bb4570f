#!/usr/bin/env bash
# What the tests need from Debian, installed when missing: chromium (the browser tests drive it
# with Playwright — never `playwright install`: it downloads a browser build, which this network
# refuses) and nginx (the rolling-restart test puts it in front of two workers, as
# docs/deployment.md does).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
{ command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; } || missing+=(nginx)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "Installing from Debian for the tests: ${missing[*]}…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
