#!/bin/bash
# Leaving one written page out (issue 17's secondary figure) with the shipped configuration,
# whole or in chunks.
#
#   BIN=target/release/pagesift OUT=/tmp/lodo/run scripts/written_lodo.sh [CHUNK CHUNKS]
#   python3 scripts/web_gold.py report /tmp/lodo/run.*.json     # all chunks scored together
#
# Each of the 49 shared written pages (data/seeds, pages_a, pages_b) is labelled by a model
# trained on the other 48 (six times, WRITTEN_WEIGHT, as scripts/train_default.sh weighs them),
# all of web-gold (HTML and text view) and the extra labelled pack pages (data/web-extra rounds
# 1-2, HTML view; WEB_EXTRA=0 leaves them out): the built-in model's training set less the
# held-out page and our own written pages (data/pages_c.gold.jsonl, written after reading the
# web-gold cross-validation's errors, so never in this figure). The content model is the
# shipped one.
#
# CHUNK of CHUNKS (0-based) holds out only the pages whose position (in the order seeds, pages_a,
# pages_b) modulo CHUNKS is CHUNK; each is still trained without only itself (the chunk's other
# pages train too), so the chunks together are exactly leave-one-out and can run at different
# times: 49 trainings of the full set take about two hours on 2 cores. Without CHUNK, all 49.
# Writes $OUT.CHUNK.json (cv --json; $OUT.all.json without CHUNK), .pred.jsonl, .report and
# .err (timing).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/pagesift}
OUT=${OUT:?set OUT to an output path prefix, e.g. /tmp/lodo/run}
CHUNK=${1:-all}
CHUNKS=${2:-1}
W=${WRITTEN_WEIGHT:-6}
mkdir -p "$(dirname "$OUT")"
[ -f /tmp/pagesift-webgold/text.jsonl ] || python3 scripts/web_gold.py text-view
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
python3 - "$TMP" "$CHUNK" "$CHUNKS" <<'EOF'
import sys
tmp, chunk, chunks = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = [l for f in ("data/seeds.gold.jsonl", "data/pages_a.gold.jsonl", "data/pages_b.gold.jsonl")
         for l in open(f, encoding="utf-8") if l.strip()]
with open(f"{tmp}/held.jsonl", "w") as held, open(f"{tmp}/rest.jsonl", "w") as rest:
    for i, l in enumerate(lines):
        (held if chunk == "all" or i % chunks == int(chunk) else rest).write(l)
EOF
TA=""
if [ -s "$TMP/rest.jsonl" ]; then
  for _ in $(seq "$W"); do TA="$TA --train-also $TMP/rest.jsonl"; done
fi
XA=""
if [ "${WEB_EXTRA:-1}" = 1 ]; then
  XD=${WEB_EXTRA_DIR:-/tmp/pagesift-webextra}
  python3 scripts/web_extra.py build --pagesift "$BIN" --rounds 1,2 --out "$XD" >&2
  XA="--train-also $XD/extra.gold.jsonl"
fi
TC=""
for f in ../shared/data/web-gold/*.gold.jsonl /tmp/pagesift-webgold/text.jsonl; do
  TC="$TC --train-also $f"
done
( time "$BIN" cv --json --transition-weight 0 --repeat-gold "$W" --content-model models/default \
    $TA $TC $XA --predictions "$OUT.$CHUNK.pred.jsonl" "$TMP/held.jsonl" > "$OUT.$CHUNK.json" ) \
  2> "$OUT.$CHUNK.err"
python3 scripts/web_gold.py report "$OUT.$CHUNK.json" > "$OUT.$CHUNK.report"
head -4 "$OUT.$CHUNK.report"
