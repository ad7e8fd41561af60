#!/usr/bin/env bash
# The report's browser test renders in headless Chromium: install Debian's package if missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
else
  echo "chromium is needed for tests/test_report/test_browser.py: sudo apt-get install -y chromium" >&2
  exit 1
fi
