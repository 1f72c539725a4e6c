#!/usr/bin/env python3
"""Show where held-out predictions (pagesift cv --predictions) disagree with gold, by byte mass.

usage: scripts/cv_errors.py PREDICTIONS.jsonl GOLD.jsonl... [--top N]
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
        g = json.loads(line); t = g["text"].encode()
        lab = [None] * len(t)
        for s in pred[g["id"]]["spans"]:
            for i in range(s["start"], s["end"]): lab[i] = s["label"]
        for s, e, l in g["spans"]:
            c = Counter(lab[i] for i in range(s, e) if not chr(t[i]).isspace())
            wrong = sum(v for k, v in c.items() if k != l)
            if wrong:
                errors.append((wrong, g["id"], l, dict(c), t[s:e].decode()[:110].replace("\n", " / ")))
errors.sort(key=lambda e: -e[0])
for w, pid, l, c, txt in errors[:top]:
    print(f"{w:6d} {pid:8s} gold={l:11s} pred={c}  {txt}")
