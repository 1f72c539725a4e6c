#!/usr/bin/env python3
"""Builds gold JSON Lines (../shared/ANNOTATION.md format) from a tagged page source.

usage: scripts/build_written.py data/written/pages_c.txt > data/pages_c.gold.jsonl

Source format (see the head of data/written/pages_c.txt): "=== ID | topic | site type" starts a
page; each text line starts with its label letter (E, P, B) and a space; "|E| ", "|P| ", "|B| "
inside a line switch the label there. Spans are the labelled pieces without their surrounding
whitespace, with offsets in UTF-8 bytes of the page text. Deterministic: same source, same bytes.
"""
import json
import re
import sys

LABELS = {"E": "education", "P": "promotion", "B": "boilerplate"}
SWITCH = re.compile(r"\|([EPB])\| ")


def fail(path, number, message):
    sys.exit(f"{path}:{number}: {message}")


def pages(path):
    page = None
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if line.startswith("=== "):
            if page:
                yield page
            parts = [p.strip() for p in line[4:].split("|")]
            if len(parts) != 3:
                fail(path, number, "a page header is '=== ID | topic | site type'")
            page = {"id": parts[0], "topic": parts[1], "site_type": parts[2], "lines": []}
        elif page is None:
            if line and not line.startswith("#"):
                fail(path, number, "text before the first page header")
        elif line == "":
            page["lines"].append((number, None))
        elif line[:2] in ("E ", "P ", "B "):
            page["lines"].append((number, line))
        else:
            fail(path, number, "a line starts with E, P or B and a space")
    if page:
        yield page


def build(path, page):
    # Drop blank lines at the end of a page (they separate pages in the source).
    lines = page["lines"]
    while lines and lines[-1][1] is None:
        lines.pop()
    text = b""
    spans = []
    for i, (number, line) in enumerate(lines):
        if i:
            text += b"\n"
        if line is None:
            continue
        label, rest = line[0], line[2:]
        pieces = []
        at = 0
        for m in SWITCH.finditer(rest):
            pieces.append((label, rest[at:m.start()]))
            label, at = m.group(1), m.end()
        pieces.append((label, rest[at:]))
        for label, piece in pieces:
            encoded = piece.encode("utf-8")
            stripped = encoded.strip()
            if not stripped:
                fail(path, number, "an empty labelled piece")
            start = len(text) + (len(encoded) - len(encoded.lstrip()))
            spans.append([start, start + len(stripped), LABELS[label]])
            # The marker goes; the space before it stays with the piece before.
            text += encoded
    return {
        "id": page["id"], "source": "written (pagesift developers)", "url": None,
        "topic": page["topic"], "site_type": page["site_type"],
        "text": text.decode("utf-8"), "spans": spans,
    }


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    seen = set()
    for page in pages(sys.argv[1]):
        record = build(sys.argv[1], page)
        if record["id"] in seen:
            sys.exit(f"{sys.argv[1]}: duplicate page id {record['id']}")
        seen.add(record["id"])
        print(json.dumps(record, ensure_ascii=False))


if __name__ == "__main__":
    main()
