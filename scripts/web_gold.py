#!/usr/bin/env python3
"""Real-page gold (../shared/data/web-gold): views for training and a report by page type.

    python3 scripts/web_gold.py text-view [--gold DIR] [--out FILE]
    python3 scripts/web_gold.py report CV.json [CV2.json ...] [--gold DIR]

`text-view` writes the web-gold pages without their `html` field (default
/tmp/pagesift-webgold/text.jsonl), so pagesift reads each as a text page, one block per line: the
way a user labels text already extracted. The pages stay third-party text: the file is written
outside the repository and never committed.

`report` reads the JSON report of `pagesift cv --json` (or `eval --json`; several are scored
together, as the chunks of scripts/written_lodo.sh) and prints per-label
precision/recall/F1 and macro-F1 over all pages and per page type: selling pages (wcxb service,
product, collection, listing) against informing ones (wcxb article, forum, documentation, and the
older datasets' news and blog pages). Page types come from the gold files' `page_type`/`dataset`.
"""
import argparse
import glob
import json
import os

LABELS = ["education", "promotion", "boilerplate"]
SELLING = {"service", "product", "collection", "listing"}


def gold_files(d):
    return sorted(glob.glob(os.path.join(d, "*.gold.jsonl")))


def text_view(args):
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    n = 0
    with open(args.out, "w", encoding="utf-8") as out:
        for path in gold_files(args.gold):
            for line in open(path, encoding="utf-8"):
                page = json.loads(line)
                page.pop("html", None)
                out.write(json.dumps(page, ensure_ascii=False) + "\n")
                n += 1
    print(f"{n} pages written to {args.out}")


def page_group(meta):
    kind = meta.get("page_type") or ""
    if kind in SELLING:
        return "selling (service/product/collection/listing)"
    return "informing (article/forum/documentation/news)"


def scores(c):
    out = {}
    for k, label in enumerate(LABELS):
        tp = c[k][k]
        gold = sum(c[k])
        pred = sum(c[g][k] for g in range(3))
        p = tp / pred if pred else 0.0
        r = tp / gold if gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[label] = (p, r, f, gold)
    out["macro"] = sum(out[l][2] for l in LABELS) / 3
    return out


def add(a, b):
    for g in range(3):
        for p in range(4):
            a[g][p] += b[g][p]


def report(args):
    meta = {}
    for path in gold_files(args.gold):
        for line in open(path, encoding="utf-8"):
            page = json.loads(line)
            meta[page["id"]] = page
    per_page = [p for path in args.report for p in json.load(open(path))["per_page"]]
    groups = {}
    for page in per_page:
        m = meta.get(page["id"], {})
        for name in ("all pages", page_group(m)):
            c, n = groups.setdefault(name, ([[0] * 4 for _ in range(3)], [0]))
            add(c, page["confusion"]["counts"])
            n[0] += 1
    for name in sorted(groups, key=lambda g: (g != "all pages", g)):
        c, n = groups[name]
        s = scores(c)
        print(f"## {name}: {n[0]} pages, macro-F1 {s['macro']:.3f}")
        for label in LABELS:
            p, r, f, gold = s[label]
            print(f"  {label:<12} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  gold bytes {gold}")
    c = groups["all pages"][0]
    print("confusion, all pages (rows gold; columns education, promotion, boilerplate, unlabelled):")
    for k, label in enumerate(LABELS):
        print(f"  {label:<12} " + " ".join(f"{v:>9}" for v in c[k]))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_gold = os.path.join(here, "..", "..", "shared", "data", "web-gold")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("text-view")
    t.add_argument("--gold", default=default_gold)
    t.add_argument("--out", default="/tmp/pagesift-webgold/text.jsonl")
    r = sub.add_parser("report")
    r.add_argument("report", nargs="+")
    r.add_argument("--gold", default=default_gold)
    args = ap.parse_args()
    {"text-view": text_view, "report": report}[args.cmd](args)


if __name__ == "__main__":
    main()
