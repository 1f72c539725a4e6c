#!/usr/bin/env python3
"""What the template-markup rule (src/decode.rs) would match in gold pages and in the pack's main text.

usage: template_markup.py [GOLD.jsonl ...] [--pack DIR]

For every gold block (a span of a gold file), the share of its non-whitespace bytes that are
template tags, by the same pattern as `decode::TEMPLATE_MARKUP`; prints the bytes of blocks at
or over the rule's share (0.5), and of blocks with some markup between 0.2 and 0.5, by gold
label and page. With --pack, also the lines of the web pack's ground-truth main text at or over
the share (main content the rule would call boilerplate). Defaults: the written gold files and
../shared/data/web-gold; the pack at ../shared/data/web. Reads third-party pages by path only.
"""
import argparse
import collections
import glob
import json
import os
import re

# decode::TEMPLATE_MARKUP, group 1 being a whole tag.
PATTERN = re.compile(
    r"(\[/[a-z][a-z0-9_-]*\]"
    r"|\[[a-z][a-z0-9]+[_-][a-z0-9_-]*\]"
    r"|\[[a-z][a-z0-9_-]*\s+[a-z][a-z0-9_-]*=[^\[\]]*\])"
    r"|[a-z][a-z0-9_-]*=[\"”″'][^\"”″'\[\]]*[\"”″']"
)
RULE_SHARE = 0.5


def visible_bytes(text):
    return len(re.sub(r"\s", "", text).encode())


def share(block):
    """decode::template_markup_share."""
    if "[" not in block:
        return 0.0
    matches = list(PATTERN.finditer(block))
    if not any(m.group(1) for m in matches) or visible_bytes(block) == 0:
        return 0.0
    return sum(visible_bytes(m.group(0)) for m in matches) / visible_bytes(block)


HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "data")


def arguments(doc, extra=()):
    """The gold files and the pack of a rule's measuring script: the files given, else the
    written gold files, ../shared/data/web-gold's and those of `extra` that exist."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("gold", nargs="*")
    ap.add_argument("--pack", default=os.path.join(SHARED, "web"))
    args = ap.parse_args()
    args.gold = args.gold or (
        sorted(glob.glob(os.path.join(HERE, "..", "data", "*.gold.jsonl")))
        + sorted(glob.glob(os.path.join(SHARED, "web-gold", "*.gold.jsonl")))
        + [path for path in extra if os.path.exists(path)]
    )
    return args


def main():
    args = arguments(__doc__)
    gold = args.gold
    over, near = collections.Counter(), collections.Counter()
    pages = collections.defaultdict(collections.Counter)
    for path in gold:
        for line in open(path, encoding="utf-8"):
            page = json.loads(line)
            text = page["text"].encode()
            for start, end, label in page["spans"]:
                block = text[start:end].decode()
                s = share(block)
                if s >= RULE_SHARE:
                    over[label] += visible_bytes(block)
                    pages[page["id"]][label] += visible_bytes(block)
                elif s >= 0.2:
                    near[label] += visible_bytes(block)
    print(f"gold blocks at least {RULE_SHARE} markup, bytes by label: {dict(over)}")
    for page_id, counts in sorted(pages.items()):
        print(f"  {page_id}: {dict(counts)}")
    print(f"gold blocks 0.2 to {RULE_SHARE} markup, bytes by label: {dict(near)}")
    index = os.path.join(args.pack, "index.jsonl")
    if os.path.exists(index):
        lines, size = 0, 0
        for line in open(index, encoding="utf-8"):
            record = json.loads(line)
            for text in record["main_text"].split("\n"):
                if share(text) >= RULE_SHARE:
                    lines += 1
                    size += visible_bytes(text)
                    print(f"  main text of {record['id']}: {text[:80]!r}")
        print(f"pack main-text lines at least {RULE_SHARE} markup: {lines} ({size} bytes)")


if __name__ == "__main__":
    main()
