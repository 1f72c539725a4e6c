#!/bin/bash
# Speed measured over a stretch of time, for a VM whose speed drifts from minute to minute.
#
#     scripts/speed_campaign.sh SECONDS LOG          # e.g. 3000 /tmp/campaign.log
#     python3 scripts/speed_campaign_summary.py LOG
#
# Each cycle logs the machine probe (scripts/machine_probe.c), one web_benchmark run against
# trafilatura (3 rounds, one thread) and thread_speedup on the 732 held-out HTML pages and on the
# 40 MB text file (3 rounds each). Needs /tmp/pagesift-web (web_benchmark.py split + run),
# /tmp/text40b.jsonl (make_big_input.py /tmp/text40b.jsonl 40 --text-only) and a release build.
# Run nothing else meanwhile: the cycles measure the machine as much as the program.
set -u
cd "$(dirname "$0")/.."
seconds=${1:?seconds}; log=${2:?log file}
gcc -O2 -o /tmp/machine_probe scripts/machine_probe.c || exit 1
end=$(( $(date +%s) + seconds ))
c=0
while [ "$(date +%s)" -lt "$end" ]; do
  c=$((c+1))
  echo "=== cycle $c $(date +%H:%M:%S) probe: $(/tmp/machine_probe)" >> "$log"
  python3 scripts/web_benchmark.py run --jobs 1 2>&1 | grep -E "^pagesift label|^trafilatura|^rounds" >> "$log"
  python3 scripts/thread_speedup.py /tmp/pagesift-web/test_html --rounds 3 2>&1 | sed 's/^/html /' >> "$log"
  python3 scripts/thread_speedup.py /tmp/text40b.jsonl --rounds 3 2>&1 | sed 's/^/text /' >> "$log"
done
echo "=== done $(date +%H:%M:%S)" >> "$log"
