#!/usr/bin/env python3
"""What the form-mechanics rule (src/decode.rs) would match in gold pages and in the pack's main text.

usage: form_mechanics.py [GOLD.jsonl ...] [--pack DIR]

For every gold block (a span of a gold file), the share of its non-whitespace bytes that are form
mechanics (a honeypot's "This field is for validation purposes…", "Required fields are marked *",
…), by the same pattern as `decode::FORM_MECHANICS`; prints the blocks at or over the rule's share
(0.5) and those with some form mechanics under it, by gold label. With --pack, also the lines of
the web pack's ground-truth main text at or over the share (main content the rule would call
boilerplate). Defaults: the written gold files, ../shared/data/web-gold and, when
`scripts/web_extra.py build` has written it, /tmp/pagesift-webextra/extra.gold.jsonl; the pack at
../shared/data/web. Reads third-party pages by path only.
"""
import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from template_markup import HERE, arguments, visible_bytes  # noqa: E402

# decode::FORM_MECHANICS, read from the Rust source so the two never drift apart.
SOURCE = open(os.path.join(HERE, "..", "src", "decode.rs"), encoding="utf-8").read()
PATTERN = re.compile(
    re.search(r'static FORM_MECHANICS\b.*?Regex::new\(\s*r"(.*?)",\s*\)', SOURCE, re.S).group(1)
)
RULE_SHARE = 0.5


def share(block):
    """decode::form_mechanics_share."""
    if len(block.encode()) > 400:
        return 0.0
    form = sum(visible_bytes(m.group(0)) for m in PATTERN.finditer(block))
    return form / visible_bytes(block) if form else 0.0


def main():
    args = arguments(__doc__, extra=["/tmp/pagesift-webextra/extra.gold.jsonl"])
    gold = args.gold
    over, near = collections.Counter(), collections.Counter()
    for path in gold:
        for line in open(path, encoding="utf-8"):
            page = json.loads(line)
            text = page["text"].encode()
            for span in page["spans"]:
                start, end, label = (
                    (span["start"], span["end"], span["label"]) if isinstance(span, dict) else span
                )
                block = text[start:end].decode("utf-8", "replace")
                s = share(block)
                if s >= RULE_SHARE:
                    over[label] += 1
                    print(f"  rule, gold {label}, {page['id']}: {block[:80]!r}")
                elif s > 0:
                    near[label] += 1
                    print(f"  under the share, gold {label}, {page['id']}: {block[:80]!r}")
    print(f"gold blocks at least {RULE_SHARE} form mechanics, by label: {dict(over)}")
    print(f"gold blocks with some under {RULE_SHARE}, by label: {dict(near)}")
    index = os.path.join(args.pack, "index.jsonl")
    if os.path.exists(index):
        lines = 0
        for line in open(index, encoding="utf-8"):
            record = json.loads(line)
            for text in record["main_text"].split("\n"):
                if share(text) >= RULE_SHARE:
                    lines += 1
                    print(f"  main text of {record['id']}: {text[:80]!r}")
        print(f"pack main-text lines at least {RULE_SHARE} form mechanics: {lines}")


if __name__ == "__main__":
    main()
