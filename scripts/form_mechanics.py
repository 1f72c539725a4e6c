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
import argparse
import collections
import glob
import json
import os
import re

# decode::FORM_MECHANICS
PATTERN = re.compile(
    r"""(?ix)
    this\s+field\s+is\s+for\s+validation\s+purposes(\s+and\s+should\s+be\s+left\s+unchanged)?\.?
    | (please\s+)?leave\s+this\s+field\s+(blank|empty)\.?
    | (all\s+)?required\s+fields\s+are\s+marked(\s+with\s+an?\s+asterisk)?(\s*\(?\*\)?)?\.?
    | (note:\s+)?fields\s+marked\s+with\s+an?\s+(asterisk|\*)(\s+\(\*\))?\s+are\s+required[.!]?
    | \*\s*(indicates|denotes)\s+(a\s+)?required(\s+fields?)?\.?
    | your\s+email\s+address\s+will\s+not\s+be\s+published\.?
    | please\s+enable\s+javascript\s+in\s+your\s+browser\s+to\s+complete\s+this\s+form\.?
    | this\s+site\s+is\s+protected\s+by\s+recaptcha\s+and\s+the\s+google\s+privacy\s+policy
      \s+and\s+terms\s+of\s+service\s+apply\.?"""
)
RULE_SHARE = 0.5


def visible_bytes(text):
    return len(re.sub(r"\s", "", text).encode())


def share(block):
    """decode::form_mechanics_share."""
    all_bytes = visible_bytes(block)
    if all_bytes == 0 or len(block.encode()) > 400:
        return 0.0
    return sum(visible_bytes(m.group(0)) for m in PATTERN.finditer(block)) / all_bytes


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.path.join(here, "..", "..", "shared", "data")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("gold", nargs="*")
    ap.add_argument("--pack", default=os.path.join(shared, "web"))
    args = ap.parse_args()
    extra = "/tmp/pagesift-webextra/extra.gold.jsonl"
    gold = args.gold or (
        sorted(glob.glob(os.path.join(here, "..", "data", "*.gold.jsonl")))
        + sorted(glob.glob(os.path.join(shared, "web-gold", "*.gold.jsonl")))
        + ([extra] if os.path.exists(extra) else [])
    )
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
