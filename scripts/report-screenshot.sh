#!/usr/bin/env bash
# Renders an HTML report in a real browser (headless Chromium) and writes a PNG screenshot, to
# look at what users will see: the evaluate/train-all reports are single self-contained pages
# with inline SVG, and a test can only check their structure.
#   scripts/report-screenshot.sh REPORT.html OUT.png [WIDTHxHEIGHT]
# Installs Debian's chromium-headless-shell when missing (apt, sudo when not root).
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 REPORT.html OUT.png [WIDTHxHEIGHT]" >&2; exit 2; }
report=$(realpath "$1"); out=$(realpath -m "$2"); size=${3:-1280x4000}
if ! command -v chromium-headless-shell >/dev/null; then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium-headless-shell fonts-dejavu-core >/dev/null
fi
chromium-headless-shell --no-sandbox --headless --disable-gpu --hide-scrollbars \
  --window-size="${size/x/,}" --screenshot="$out" "file://$report" 2>/dev/null
echo "wrote $out"
