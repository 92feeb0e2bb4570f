#!/usr/bin/env bash
# The browser tests drive Debian's chromium with Playwright; install it when it is missing.
# (Never `playwright install`: it downloads a browser build, which this network refuses.)
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "Installing Debian's chromium for the browser tests…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
