#!/usr/bin/env bash
# Screenshot a report page in headless Chromium: scripts/screenshot_report.sh <html> <png> [WxH]
# Installs Debian's chromium when it is missing (needs root, as on the dev machines and CI).
# Nothing is fetched by the page: the report is self-contained; networking is switched off anyway.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 <report.html> <screenshot.png> [WIDTHxHEIGHT, default 1400x2400]" >&2
  exit 2
fi
html="$(realpath "$1")"
png="$(realpath -m "$2")"
size="${3:-1400x2400}"
[[ -f "$html" ]] || { echo "no such file: $html" >&2; exit 2; }

browser="$(command -v chromium || command -v chromium-browser || true)"
if [[ -z "$browser" ]]; then
  echo "chromium not found: installing Debian's package" >&2
  apt-get update && apt-get install -y chromium
  browser="$(command -v chromium)"
fi

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
mkdir -p "$(dirname "$png")"
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$profile" --window-size="${size/x/,}" \
  --screenshot="$png" "file://$html" >/dev/null 2>&1
[[ -s "$png" ]] || { echo "chromium wrote no screenshot to $png" >&2; exit 1; }
echo "$png"
