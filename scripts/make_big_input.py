#!/usr/bin/env python3
"""Writes a large JSON Lines input for memory and throughput measurements: the repository's gold
pages (text and HTML) repeated with fresh ids until the file reaches the size asked for.

    python3 scripts/make_big_input.py OUT.jsonl SIZE_MB [--text-only]

With --text-only, only the 27 plain-text gold pages (seeds and pages_a).
"""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
records = []
for name in ("seeds.gold.jsonl", "pages_a.gold.jsonl", "pages_b.gold.jsonl"):
    for line in open(os.path.join(here, "..", "data", name), encoding="utf-8"):
        page = json.loads(line)
        record = {"id": page["id"], "url": page.get("url")}
        if "html" in page:
            if "--text-only" in sys.argv:
                continue
            record["html"] = page["html"]
        else:
            record["text"] = page["text"]
        records.append(record)

target = int(sys.argv[2]) * 1_000_000
written = 0
copy = 0
with open(sys.argv[1], "w", encoding="utf-8") as out:
    while written < target:
        for record in records:
            line = json.dumps(dict(record, id=f"{record['id']}#{copy}")) + "\n"
            out.write(line)
            written += len(line.encode("utf-8"))
        copy += 1
print(f"{sys.argv[1]}: {written / 1e6:.0f} MB, {copy * len(records)} pages")
