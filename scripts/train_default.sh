#!/usr/bin/env bash
# Retrains the built-in model (models/default) exactly as shipped. Needs ../shared beside the
# repository (the real pages are read from there, never copied here). See models/default/TRAINED_ON.md.
#
#   scripts/train_default.sh [PAGESIFT]      # default: target/release/pagesift
#
# - The 3-label model learns from the 65 written gold pages in data/ (the 49 shared pages and 16 of
#   our own) and the 372 real pages of ../shared/data/web-gold, read twice: from their HTML (DOM
#   features, gold aligned onto the extracted text) and as text, one block per line (the text view
#   that scripts/web_gold.py text-view writes to /tmp), so both kinds of input are trained on.
# - The written pages are given WRITTEN_WEIGHT times (default 6): they are the only health pages
#   with sentence-level gold, and the real pages outnumber them seven to one.
# - The 421 pack pages of data/web-extra's labelling rounds 1-2 (`scripts/web_extra.py build
#   --rounds 1,2`, written to /tmp/pagesift-webextra), their HTML view only: real pages labelled
#   block by block like web-gold, on no held-out or web-gold site. WEB_EXTRA=0 leaves them out.
# - The content model (content.json) is reused as it is (it was trained on the training side of
#   scripts/web_benchmark.py's site split of ../shared/data/web), or retrained from that side with
#   CONTENT_PAGES=/tmp/pagesift-web/train.jsonl.
# - --transition-weight 0: on real pages the learned transitions smoothed away one-sentence
#   pitches inside educational text.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGESIFT=${1:-target/release/pagesift}
WRITTEN_WEIGHT=${WRITTEN_WEIGHT:-6}
python3 scripts/web_gold.py text-view --out /tmp/pagesift-webgold/text.jsonl
extra=()
if [ "${WEB_EXTRA:-1}" = 1 ]; then
  python3 scripts/web_extra.py build --pagesift "$PAGESIFT" --rounds 1,2 --out /tmp/pagesift-webextra
  extra=(/tmp/pagesift-webextra/extra.gold.jsonl)
fi
written=()
for _ in $(seq "$WRITTEN_WEIGHT"); do
  written+=(data/pages_a.gold.jsonl data/pages_b.gold.jsonl data/seeds.gold.jsonl data/pages_c.gold.jsonl)
done
# train replaces models/default whole, so the hand-written TRAINED_ON.md is kept aside and put back
# (update it by hand if the training set changed).
trained_on=$(mktemp)
cp models/default/TRAINED_ON.md "$trained_on"
# CONTENT_PAGES=/tmp/pagesift-web/train.jsonl (from `python3 scripts/web_benchmark.py split`)
# retrains the content model too; by default models/default/content.json is reused.
if [ -n "${CONTENT_PAGES:-}" ]; then
  content=(--content-pages "$CONTENT_PAGES")
else
  content=(--content-model models/default)
fi
"$PAGESIFT" train --transition-weight 0 "${content[@]}" --out models/default \
  "${written[@]}" ../shared/data/web-gold/*.gold.jsonl /tmp/pagesift-webgold/text.jsonl "${extra[@]}"
cp "$trained_on" models/default/TRAINED_ON.md
chmod 644 models/default/TRAINED_ON.md   # mktemp's copy is private
rm -f "$trained_on"
