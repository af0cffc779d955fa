#!/usr/bin/env bash
# Installs Debian's Chromium for the web app's browser tests (test/web-app*.test.ts drive it
# through playwright-core at /usr/bin/chromium); no browser is downloaded from anywhere else.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Chromium is missing: run as root, or: sudo apt-get install -y chromium" >&2
  exit 1
fi
echo "installing Chromium (Debian package)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
