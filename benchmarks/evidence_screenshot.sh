#!/usr/bin/env bash
# Render the HTML evidence report of an evidence store in headless Chromium and save a screenshot.
#   benchmarks/evidence_screenshot.sh [EVIDENCE_LOCATION] [SINCE] [OUT_DIR]
# Prints the report and screenshot paths and the screenshot's size; exit 1 if Chromium renders nothing.
set -euo pipefail
location="${1:-./evidence}"
since="${2:-2000-01-01}"
out="${3:-.}"
here="$(cd "$(dirname "$0")/.." && pwd)"
soc2ctl="${SOC2CTL:-$here/.venv/bin/soc2ctl}"
chromium="$(command -v chromium || command -v chromium-browser || echo /usr/bin/chromium)"
mkdir -p "$out"
# `report` exits 1 when the store fails verification; the HTML still says so, and is still rendered.
"$soc2ctl" evidence report "$location" --since "$since" --format html -o "$out/report.html" || true
"$chromium" --headless --no-sandbox --disable-gpu --screenshot="$out/report.png" --window-size=1400,900 \
  "file://$(cd "$out" && pwd)/report.html" 2>/dev/null
size=$(stat -c %s "$out/report.png")
echo "report: $out/report.html  screenshot: $out/report.png ($size bytes)"
[ "$size" -gt 10000 ]
