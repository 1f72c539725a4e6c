#!/usr/bin/env bash
# Writes every output a change must keep byte-identical, for one binary, into one directory:
#   scripts/same_output.sh BIN OUTDIR [HELD_OUT_HTML_DIR]
# then compare two such directories with `diff -r A B` (or `cmp`).
# Inputs: the repository's own gold pages (data/*.gold.jsonl, as JSON Lines and as gold text),
# ../shared's written gold pages when they are beside the clone, and a directory of HTML pages
# (default /tmp/pagesift-web/test_html, the 732 held-out pack pages `scripts/web_benchmark.py split`
# writes). Each command runs with one thread so that outputs do not depend on scheduling.
set -euo pipefail
bin=$(realpath "$1"); out=$2; held=${3:-/tmp/pagesift-web/test_html}
mkdir -p "$out"
inputs=(data/*.gold.jsonl)
for f in ../shared/data/seeds.gold.jsonl ../shared/data/pages_a.gold.jsonl ../shared/data/pages_b.gold.jsonl; do
    [ -f "$f" ] && inputs+=("$f")
done
sets=()
for f in "${inputs[@]}"; do n=${f//..\//}; n=${n//\//-}; sets+=("${n%.gold.jsonl}=$f"); done
[ -d "$held" ] && sets+=("held=$held")
for s in "${sets[@]}"; do
    name=${s%%=*}; input=${s#*=}
    "$bin" -q --jobs 1 label "$input" -o "$out/$name.jsonl" --summary "$out/$name.summary.csv" \
        --emit-text "$out/$name.text.jsonl" 2>"$out/$name.label.err" || echo "label $name: exit $?" >>"$out/exits"
    "$bin" -q --jobs 1 label "$input" --format csv -o "$out/$name.csv" 2>/dev/null || true
    "$bin" -q --jobs 1 label "$input" --explain 3 -o "$out/$name.explain.jsonl" 2>/dev/null || true
    "$bin" -q --jobs 1 extract "$input" -o "$out/$name.extract.jsonl" 2>/dev/null || echo "extract $name: exit $?" >>"$out/exits"
    "$bin" -q --jobs 1 extract --with-promotion "$input" -o "$out/$name.extract-wp.jsonl" 2>/dev/null || true
    "$bin" -q --jobs 1 report "$input" -o "$out/$name.report.html" 2>/dev/null || echo "report $name: exit $?" >>"$out/exits"
done
# Scores against gold (eval) on the gold files.
for f in "${inputs[@]}"; do
    "$bin" -q --jobs 1 eval "$f" >"$out/eval-$(n=${f//..\//}; n=${n//\//-}; echo "${n%.gold.jsonl}").txt" 2>&1 || true
done
# Training and cross-validation on the repository's written pages (with a content model trained on
# the held-out pages' extraction, when given as CONTENT_PAGES).
content=()
[ -n "${CONTENT_PAGES:-}" ] && content=(--content-pages "$CONTENT_PAGES" --content-max-pages 300)
"$bin" -q --jobs 1 train data/*.gold.jsonl "${content[@]}" -o "$out/model" >"$out/train.txt" 2>&1 || echo "train: exit $?" >>"$out/exits"
"$bin" -q --jobs 1 cv data/*.gold.jsonl --folds 3 --group-by page --predictions "$out/cv.predictions.jsonl" >"$out/cv.txt" 2>&1 || echo "cv: exit $?" >>"$out/exits"
# The output directory's own name is the one thing that differs between two runs.
sed -i "s|$out/|OUT/|g" "$out/train.txt"
ls "$out" | wc -l
