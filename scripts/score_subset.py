#!/usr/bin/env python3
"""Byte-level scores of labelled spans (pagesift JSONL) against gold pages, for any subset.

usage: score_subset.py PREDICTIONS.jsonl GOLD.jsonl [GOLD.jsonl ...] [--prefix b-]

Spans are matched to the gold through the sequence of non-whitespace characters (so predictions
on HTML pages, whose text is extracted from the HTML, are compared with the gold text they share
every visible character with). Counts non-whitespace UTF-8 bytes, as ANNOTATION.md scores.
"""
import json
import sys

LABELS = ["education", "promotion", "boilerplate"]


def visible(text, label):
    return [(c, label) for c in text if not c.isspace()]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--prefix")]
    prefix = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--prefix=")), "")
    predictions = {}
    for line in open(args[0], encoding="utf-8"):
        page = json.loads(line)
        predictions[page["id"]] = page
    confusion = [[0] * 4 for _ in LABELS]
    pages = 0
    for path in args[1:]:
        for line in open(path, encoding="utf-8"):
            gold = json.loads(line)
            if not gold["id"].startswith(prefix) or gold["id"] not in predictions:
                continue
            pages += 1
            text = gold["text"].encode("utf-8")
            want = []
            for start, end, label in gold["spans"]:
                want += visible(text[start:end].decode("utf-8"), label)
            got = []
            for span in predictions[gold["id"]]["spans"]:
                got += visible(span["text"], span["label"])
            if [c for c, _ in want] != [c for c, _ in got]:
                print(f"{gold['id']}: predicted text differs from gold text; skipped", file=sys.stderr)
                continue
            for (c, g), (_, p) in zip(want, got):
                confusion[LABELS.index(g)][LABELS.index(p)] += len(c.encode("utf-8"))
    f1s = []
    print(f"pages: {pages}")
    for k, label in enumerate(LABELS):
        tp = confusion[k][k]
        predicted = sum(confusion[g][k] for g in range(3))
        gold = sum(confusion[k])
        p = tp / predicted if predicted else 0.0
        r = tp / gold if gold else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        f1s.append(f1)
        print(f"{label:12} P {p:.3f}  R {r:.3f}  F1 {f1:.3f}  gold bytes {gold}")
    print(f"macro-F1 {sum(f1s) / 3:.3f}")


if __name__ == "__main__":
    main()
