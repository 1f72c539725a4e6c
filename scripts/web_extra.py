#!/usr/bin/env python3
"""More real pages for training: pack pages labelled block by block by annotation sessions.

    python3 scripts/web_extra.py build [--pagesift BIN] [--out DIR] [--rounds 1,2]
    python3 scripts/web_extra.py agreement [--pagesift BIN] [LABELS]    # calibration pages

`data/web-extra/labels.jsonl` holds, for pages of `../shared/data/web` on the training side of
`scripts/web_benchmark.py`'s site split and on no site of `../shared/data/web-gold`, one label per
block of pagesift's own extraction of the page (`label --emit-text`, one block per line), with a
short hash of each block's text, never the text itself: the pages are third-party text, read from
the pack by path. Each line: `{"id", "url", "dataset", "page_type", "round", "blocks": [hash, ...],
"labels": "1-12:B 13-40:E 41:P ..."}` (E education, P promotion, B boilerplate; blocks numbered
from 1; `round` the labelling round, 1–3, which `build --rounds 1,2` selects).

`build` decodes each page's HTML the way web-gold's pages were decoded (BOM, the charset declared
in the first 4 kB, UTF-8, else Windows-1252), extracts its blocks with BIN, lines the blocks up
with the stored hashes (a block whose text has changed since it was labelled stays unlabelled, and
a page with under 95 % of its blocks matched is left out and reported), and writes two files in the
gold format of `../shared/data/web-gold` (which `pagesift train`/`cv` read): `extra.gold.jsonl`
(HTML, gold spans on the extracted text) and `extra.text.jsonl` (the same pages as text, one block
per line). Both stay outside the repository.

The labels were made by annotation sessions following `../shared/ANNOTATION.md` and the
conventions in web-gold's README, each reading a numbered list of a page's blocks with its URL.
`agreement` scores the same sessions' labels of web-gold pages, made blind beside the others
(`data/web-extra/calibration.jsonl`, same format), against web-gold's own annotators, byte level
over non-whitespace characters.
"""
import argparse
import difflib
import glob
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from web_benchmark import held_out, site_of  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = os.path.join(ROOT, "data", "web-extra", "labels.jsonl")
PACK = os.path.join(ROOT, "..", "shared", "data", "web")
WEB_GOLD = os.path.join(ROOT, "..", "shared", "data", "web-gold")
NAMES = {"E": "education", "P": "promotion", "B": "boilerplate"}
LABEL_ORDER = ["education", "promotion", "boilerplate"]


def decode(raw):
    """Web-gold's decoding: BOM, else the charset declared in the first 4 kB, else UTF-8, else
    Windows-1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace")
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        return raw.decode("utf-16", "replace")
    m = re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", raw[:4096])
    if m:
        try:
            return raw.decode(m.group(1).decode("ascii"), "strict")
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def block_hash(text):
    return hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:6]


def blocks_of(text):
    """The blocks of an extracted text (its non-blank lines) with their byte spans."""
    out, pos = [], 0
    for line in text.split("\n"):
        start = pos
        pos += len(line.encode("utf-8")) + 1
        body = line.strip()
        if not body:
            continue
        s = start + len(line[: len(line) - len(line.lstrip())].encode("utf-8"))
        out.append((s, s + len(body.encode("utf-8")), body))
    return out


def parse_ranges(ranges):
    """`1-12:B 13:E` → {1: 'boilerplate', ..., 13: 'education'}."""
    labels = {}
    for item in ranges.split():
        span, code = item.split(":")
        lo, _, hi = span.partition("-")
        for i in range(int(lo), int(hi or lo) + 1):
            labels[i] = NAMES[code]
    return labels


def gold_sites():
    sites = set()
    for path in glob.glob(os.path.join(WEB_GOLD, "*.gold.jsonl")):
        for line in open(path, encoding="utf-8"):
            sites.add(site_of(json.loads(line)))
    return sites


def extract(pagesift, pages):
    """pagesift's extracted text of each page ({id, url, html}), by id."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "pages.jsonl"), os.path.join(tmp, "text.jsonl")
        with open(src, "w", encoding="utf-8") as f:
            for p in pages:
                f.write(json.dumps(p, ensure_ascii=False) + "\n")
        subprocess.run([pagesift, "--quiet", "label", "--emit-text", out, src],
                       check=True, stdout=subprocess.DEVNULL)
        with open(out, encoding="utf-8") as f:
            return {p["id"]: p["text"] for p in map(json.loads, f)}


def records(entries, html_of, pagesift):
    """Gold records of labelled entries, on pagesift's extraction of each page's HTML, and the ids
    left out (pagesift refused them, or their extraction changed). `html_of(entry)` gives a
    page's decoded HTML."""
    pages = [{"id": e["id"], "url": e["url"], "html": html_of(e)} for e in entries]
    texts = extract(pagesift, pages)
    out, left_out = [], []
    for e, page in zip(entries, pages):
        text = texts.get(e["id"])
        if text is None:  # pagesift refused the page (it said why on stderr)
            left_out.append(e["id"])
            continue
        blocks = blocks_of(text)
        then = parse_ranges(e["labels"])
        # Line the stored block hashes up with today's extraction.
        matcher = difflib.SequenceMatcher(None, e["blocks"], [block_hash(b) for _, _, b in blocks],
                                          autojunk=False)
        label_of = {}
        for a, b, size in matcher.get_matching_blocks():
            for k in range(size):
                label_of[b + k] = then[a + k + 1]
        if len(label_of) < 0.95 * len(e["blocks"]):
            left_out.append(e["id"])
            continue
        spans = [[s, t, label_of[i]] for i, (s, t, _) in enumerate(blocks) if i in label_of]
        out.append({"id": e["id"], "source": "web pack, labelled by annotation sessions",
                    "url": e["url"], "dataset": e["dataset"], "page_type": e["page_type"],
                    "html": page["html"], "text": text, "spans": spans})
    return out, left_out


def pack_html(pack):
    def html_of(entry):
        with gzip.open(os.path.join(pack, "pages", f"{entry['id']}.html.gz")) as f:
            return decode(f.read())
    return html_of


def build(args):
    entries = [json.loads(l) for l in open(args.labels, encoding="utf-8")]
    if args.rounds:
        rounds = {int(r) for r in args.rounds.split(",")}
        entries = [e for e in entries if e["round"] in rounds]
    taken = gold_sites()
    for e in entries:
        if held_out(e) or site_of(e) in taken:
            sys.exit(f"{e['id']}: on a held-out or web-gold site; refusing to train on it")
    pages, left_out = records(entries, pack_html(args.pack), args.pagesift)
    os.makedirs(args.out, exist_ok=True)
    # Written beside and renamed into place: a cross-validation reading the files (two runs of
    # web_gold_cv.sh started together both rebuild them) never sees half of one.
    paths = [os.path.join(args.out, name) for name in ("extra.gold.jsonl", "extra.text.jsonl")]
    partial = [f"{path}.{os.getpid()}.part" for path in paths]
    with open(partial[0], "w", encoding="utf-8") as gold, \
            open(partial[1], "w", encoding="utf-8") as text_view:
        for record in pages:
            gold.write(json.dumps(record, ensure_ascii=False) + "\n")
            record.pop("html")
            text_view.write(json.dumps(record, ensure_ascii=False) + "\n")
    for done, path in zip(partial, paths):
        os.replace(done, path)
    blocks = sum(len(e["blocks"]) for e in entries)
    print(f"{len(pages)} pages ({blocks} labelled blocks) written to {args.out}: "
          "extra.gold.jsonl, extra.text.jsonl")
    if left_out:
        print(f"left out (unreadable, or their extraction changed): {' '.join(left_out)}",
              file=sys.stderr)


def visible(text, spans):
    raw = text.encode("utf-8")
    return [(c, label) for s, e, label in spans for c in raw[s:e].decode("utf-8")
            if not c.isspace()]


def agreement(args):
    web = {}
    for path in glob.glob(os.path.join(WEB_GOLD, "*.gold.jsonl")):
        for line in open(path, encoding="utf-8"):
            g = json.loads(line)
            web[g["id"]] = g
    entries = [json.loads(l) for l in open(args.labels, encoding="utf-8")]
    pages, _ = records(entries, lambda e: web[e["id"]]["html"], args.pagesift)
    confusion = {}
    for page in pages:
        want = visible(web[page["id"]]["text"], web[page["id"]]["spans"])
        got = visible(page["text"], page["spans"])
        m = difflib.SequenceMatcher(None, [c for c, _ in want], [c for c, _ in got],
                                    autojunk=False)
        for a, b, size in m.get_matching_blocks():
            for k in range(size):
                key = (want[a + k][1], got[b + k][1])
                confusion[key] = confusion.get(key, 0) + len(want[a + k][0].encode("utf-8"))
    f1s = []
    for label in LABEL_ORDER:
        tp = confusion.get((label, label), 0)
        p = sum(v for (g, q), v in confusion.items() if q == label)
        r = sum(v for (g, q), v in confusion.items() if g == label)
        prec, rec = (tp / p if p else 0.0), (tp / r if r else 0.0)
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
        print(f"  {label:12s} P {prec:.3f}  R {rec:.3f}  F1 {f1s[-1]:.3f}")
    print(f"{len(pages)} web-gold pages: macro-F1 {sum(f1s) / 3:.3f} against web-gold's annotators")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--pagesift", default=os.path.join(ROOT, "target", "release", "pagesift"))
    b.add_argument("--labels", default=LABELS)
    b.add_argument("--pack", default=PACK)
    b.add_argument("--out", default="/tmp/pagesift-webextra")
    b.add_argument("--rounds", help="only the pages of these labelling rounds, e.g. 1,2")
    a = sub.add_parser("agreement")
    a.add_argument("--pagesift", default=os.path.join(ROOT, "target", "release", "pagesift"))
    a.add_argument("labels", nargs="?", default=os.path.join(ROOT, "data", "web-extra",
                                                             "calibration.jsonl"))
    args = ap.parse_args()
    {"build": build, "agreement": agreement}[args.cmd](args)


if __name__ == "__main__":
    main()
