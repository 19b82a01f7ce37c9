#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through playwright-core (never a downloaded browser).
# Installs it when missing and we are root with apt; otherwise says what to do.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "asgrad: installing Debian's chromium for the browser tests (one time, ~1 minute)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "asgrad: the browser tests need /usr/bin/chromium: run 'sudo apt-get install chromium' (Debian/Ubuntu)" >&2
exit 1
