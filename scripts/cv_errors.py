#!/usr/bin/env python3
"""Show where held-out predictions (pagesift cv --predictions) disagree with gold, by byte mass.

usage: scripts/cv_errors.py PREDICTIONS.jsonl GOLD.jsonl... [--top N]

Predictions are aligned with the gold through the sequence of non-whitespace characters, as
score_subset.py does, so HTML pages (whose text pagesift extracts itself) are compared too.
"""
import json, sys
from collections import Counter

args = sys.argv[1:]
top = 40
if "--top" in args:
    i = args.index("--top"); top = int(args[i + 1]); del args[i:i + 2]
pred = {}
for line in open(args[0]):
    p = json.loads(line); pred[p["id"]] = p
errors = []
for path in args[1:]:
    for line in open(path):
        g = json.loads(line)
        if g["id"] not in pred:
            continue
        # One predicted label per non-whitespace character, in page order.
        got = [(c, s["label"]) for s in pred[g["id"]]["spans"] for c in s["text"] if not c.isspace()]
        t = g["text"].encode()
        k = 0
        spans = sorted(g["spans"])
        for s, e, l in spans:
            chars = [c for c in t[s:e].decode() if not c.isspace()]
            c = Counter()
            for ch in chars:
                # Skip predicted characters the gold text does not have (extraction differences).
                while k < len(got) and got[k][0] != ch:
                    k += 1
                c[got[k][1] if k < len(got) else None] += len(ch.encode())
                k += 1
            wrong = sum(v for kk, v in c.items() if kk != l)
            if wrong:
                errors.append((wrong, g["id"], l, dict(c), t[s:e].decode()[:110].replace("\n", " / ")))
errors.sort(key=lambda e: -e[0])
by_page = Counter()
for w, pid, *_ in errors:
    by_page[pid] += w
for w, pid, l, c, txt in errors[:top]:
    print(f"{w:6d} {pid:8s} gold={l:11s} pred={c}  {txt}")
print("wrong bytes by page:", ", ".join(f"{p} {w}" for p, w in by_page.most_common(15)))
