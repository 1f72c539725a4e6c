#!/bin/bash
# Web-gold cross-validation (issue 17), reproducible.
#
#   BIN=target/release/pagesift OUT=/tmp/wgcv/base scripts/web_gold_cv.sh A [more cv options]
#
# A: web-gold 5-fold site-grouped CV, HTML input; the written pages (data/*.gold.jsonl,
#    weighted x6, WRITTEN_WEIGHT), web-gold's text view of other folds' pages and the extra
#    labelled pack pages of data/web-extra (rounds WEB_EXTRA_ROUNDS, default 1,2, rebuilt in
#    /tmp/pagesift-webextra by `scripts/web_extra.py build` on every run; their HTML view only,
#    WEB_EXTRA_VIEWS=both adds their text view; WEB_EXTRA_DIR, default /tmp/pagesift-webextra,
#    lets runs of different rounds go side by side) train in every fold: the shipped configuration
#    (scripts/train_default.sh) since session 21. WEB_EXTRA=0 leaves the extra pages out (the
#    configuration of the figures before session 21).
# B: the same folds scored on web-gold's text view (web-gold HTML trains in every fold).
# C: 7-fold page-grouped CV over the written seeds/pages_a/pages_b with all web-gold training
#    (and the extra pages, as in A);
#    the written pages of each training side six times (WRITTEN_WEIGHT, as train_default.sh).
#
# Writes $OUT.json (cv --json), $OUT.pred.jsonl, $OUT.err (timing) and $OUT.report
# (scripts/web_gold.py report: per-label P/R/F1, per page type, confusion matrix).
# Needs /tmp/pagesift-web (python3 scripts/web_benchmark.py split) and
# /tmp/pagesift-webgold (python3 scripts/web_gold.py text-view), made here if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/pagesift}
OUT=${OUT:?set OUT to an output path prefix, e.g. /tmp/wgcv/base}
MODE=${1:-A}
shift || true
EXTRA=("$@")   # more cv options, e.g. --stacking-rounds 2
mkdir -p "$(dirname "$OUT")"
[ -f /tmp/pagesift-web/train.jsonl ] || python3 scripts/web_benchmark.py split
[ -f /tmp/pagesift-webgold/text.jsonl ] || python3 scripts/web_gold.py text-view
XA=""
XD=${WEB_EXTRA_DIR:-/tmp/pagesift-webextra}
if [ "${WEB_EXTRA:-1}" = 1 ]; then
  python3 scripts/web_extra.py build --pagesift "$BIN" --rounds "${WEB_EXTRA_ROUNDS:-1,2}" \
    --out "$XD" >&2
  XA="--train-also $XD/extra.gold.jsonl"
  [ "${WEB_EXTRA_VIEWS:-html}" = html ] || XA="$XA --train-also $XD/extra.text.jsonl"
fi
W="data/seeds.gold.jsonl data/pages_a.gold.jsonl data/pages_b.gold.jsonl data/pages_c.gold.jsonl"
WG=$(ls ../shared/data/web-gold/*.gold.jsonl)
TA=""; for i in $(seq 1 "${WRITTEN_WEIGHT:-6}"); do for f in $W; do TA="$TA --train-also $f"; done; done
case $MODE in
A) ( time "$BIN" cv --json --transition-weight 0 --folds 5 --group-by site \
       --content-pages /tmp/pagesift-web/train.jsonl $TA $XA \
       --train-also /tmp/pagesift-webgold/text.jsonl \
       --predictions "$OUT.pred.jsonl" "${EXTRA[@]}" $WG > "$OUT.json" ) 2> "$OUT.err" ;;
B) TB=""; for f in $WG; do TB="$TB --train-also $f"; done
   ( time "$BIN" cv --json --transition-weight 0 --folds 5 --group-by site \
       --content-pages /tmp/pagesift-web/train.jsonl $TA $TB $XA \
       --predictions "$OUT.pred.jsonl" "${EXTRA[@]}" /tmp/pagesift-webgold/text.jsonl > "$OUT.json" ) 2> "$OUT.err" ;;
C) TC=""; for f in $WG /tmp/pagesift-webgold/text.jsonl; do TC="$TC --train-also $f"; done
   ( time "$BIN" cv --json --transition-weight 0 --folds 7 --group-by page \
       --repeat-gold "${WRITTEN_WEIGHT:-6}" --content-model models/default $TC $XA --predictions "$OUT.pred.jsonl" "${EXTRA[@]}" \
       data/seeds.gold.jsonl data/pages_a.gold.jsonl data/pages_b.gold.jsonl > "$OUT.json" ) 2> "$OUT.err" ;;
*) echo "usage: BIN=... OUT=... $0 [A|B|C]" >&2; exit 2 ;;
esac
python3 scripts/web_gold.py report "$OUT.json" > "$OUT.report" 2>&1
head -1 "$OUT.report"
