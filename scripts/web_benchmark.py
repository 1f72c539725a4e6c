#!/usr/bin/env python3
"""Main-content extraction on real pages: pagesift against trafilatura, dom_smoothie and
rs-trafilatura, by bag-of-words F1.

Reads the web-page pack (../shared/data/web by default; never copied into the repository),
splits it by site (a site is the URL's host without "www."; pages without a URL are their own
site), and on the held-out sites compares the non-boilerplate text of `pagesift extract
--with-promotion`, trafilatura's default `extract` and two Rust extractors (dom_smoothie 0.19, a
port of Readability.js, and rs-trafilatura 0.2.2; see benches/extractors) with the pack's
ground-truth main text.

    python3 scripts/web_benchmark.py split  [--pack DIR] [--out DIR]   # train/test index files
    python3 scripts/web_benchmark.py run    [--pack DIR] [--out DIR] [--model DIR] [--limit N]
                                            [--baselines-bin PATH | --no-baselines]
    python3 scripts/web_benchmark.py health --predictions CV.jsonl [--gold data/pages_b.gold.jsonl]

`health` scores the health pages we have HTML and full gold for (pages_b: the pack flags no page
`health`): ground truth = the text of the gold's education and promotion spans, pagesift = the
same spans of a held-out labelling (`pagesift cv … --predictions CV.jsonl`), trafilatura = its
extract of the page's HTML.

`split` writes OUT/train.jsonl and OUT/test.jsonl (index lines with absolute HTML paths); train a
model on the first with `pagesift train --content-pages OUT/train.jsonl …`. `run` times `pagesift
label` (all spans, three labels) and `pagesift extract` against trafilatura's `extract` on the
same pages in the same run (interleaved rounds, `--repeat`, median of each), then scores the extractors on OUT/test.jsonl and prints
precision/recall/F1 (mean over pages, and pooled over all tokens), overall, per dataset and for
the pages flagged `health`.

The Rust baselines come from a benchmark-only binary that is no dependency of pagesift:

    cargo build --release --manifest-path benches/extractors/Cargo.toml

`run` runs it (benches/extractors/target/release/extract-baselines, or `--baselines-bin PATH`) in
the same rounds, once per extractor, on an index of the same decompressed pages
(OUT/test_baselines.jsonl); its time is the binary's own: decoding and extraction on one thread,
pages already in memory, as trafilatura is timed. Without the binary they are skipped with a
message (and `--no-baselines` skips them on purpose).
"""
import argparse
import collections
import gzip
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from urllib.parse import urlparse

TOKEN = re.compile(r"\w+", re.UNICODE)
HELD_OUT_BUCKETS = 5  # one site in five is held out
# (name shown, --extractor of extract-baselines)
BASELINES = (("dom_smoothie", "dom_smoothie"), ("rs-trafilatura", "rs_trafilatura"))


def site_of(page):
    host = urlparse(page["url"]).netloc.lower() if page.get("url") else ""
    host = host.split(":")[0]
    if host.startswith("www."):
        host = host[4:]
    return host or page["id"]


def held_out(page):
    digest = hashlib.sha1(site_of(page).encode("utf-8")).digest()
    return digest[0] % HELD_OUT_BUCKETS == 0


def split(args):
    os.makedirs(args.out, exist_ok=True)
    counts = collections.Counter()
    with open(os.path.join(args.out, "train.jsonl"), "w") as train, open(
        os.path.join(args.out, "test.jsonl"), "w"
    ) as test:
        for line in open(os.path.join(args.pack, "index.jsonl"), encoding="utf-8"):
            page = json.loads(line)
            page["html"] = os.path.abspath(os.path.join(args.pack, page["html"]))
            side = "test" if held_out(page) else "train"
            counts[side] += 1
            (test if side == "test" else train).write(json.dumps(page) + "\n")
    sites = collections.defaultdict(set)
    for side in ("train", "test"):
        for line in open(os.path.join(args.out, f"{side}.jsonl")):
            sites[side].add(site_of(json.loads(line)))
    assert not (sites["train"] & sites["test"]), "a site on both sides"
    print(f"train: {counts['train']} pages, {len(sites['train'])} sites; "
          f"test: {counts['test']} pages, {len(sites['test'])} sites; no site in both")


def tokens(text):
    return collections.Counter(t.lower() for t in TOKEN.findall(text or ""))


def score(predicted, gold):
    p, g = tokens(predicted), tokens(gold)
    overlap = sum((p & g).values())
    return overlap, sum(p.values()), sum(g.values())


def prf(overlap, predicted, gold):
    precision = overlap / predicted if predicted else 0.0
    recall = overlap / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def run(args):
    pages = [json.loads(l) for l in open(os.path.join(args.out, "test.jsonl"))]
    if args.limit:
        pages = pages[: args.limit]
    html_dir = os.path.join(args.out, "test_html")
    os.makedirs(html_dir, exist_ok=True)
    raw = {}
    baselines_index = os.path.join(args.out, "test_baselines.jsonl")
    with open(baselines_index, "w") as index:
        for page in pages:
            data = gzip.open(page["html"]).read()
            raw[page["id"]] = data
            path = os.path.abspath(os.path.join(html_dir, page["id"] + ".html"))
            with open(path, "wb") as f:
                f.write(data)
            index.write(json.dumps({"id": page["id"], "html": path}) + "\n")
    total_mb = sum(len(b) for b in raw.values()) / 1e6

    # pagesift: one run over the directory (its own encoding detection on the raw bytes), first
    # labelling every span (the pipeline's job, timed against trafilatura), then extracting the
    # main text (scored below).
    binary = args.pagesift
    model = ["--model", args.model] if args.model else []
    label_command = [binary, "--quiet", "--jobs", str(args.jobs), "label", html_dir] + model
    command = [binary, "--quiet", "--jobs", str(args.jobs), "extract", html_dir] + model
    command += [] if args.education_only else ["--with-promotion"]

    def timed(argv, stdout):
        start = time.perf_counter()
        done = subprocess.run(argv, stdout=stdout, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - start
        if done.returncode not in (0, 3):
            sys.exit(f"{' '.join(argv)} failed (exit {done.returncode}): {done.stderr}")
        return seconds, done

    import trafilatura  # pip install trafilatura

    def run_trafilatura():
        start = time.perf_counter()
        extracted = {page["id"]: trafilatura.extract(raw[page["id"]]) or "" for page in pages}
        return time.perf_counter() - start, extracted

    # The Rust baselines (benches/extractors): skipped, with a message, if the binary is not built.
    baselines = []
    if args.no_baselines:
        print("dom_smoothie, rs-trafilatura: skipped (--no-baselines)")
    elif not os.access(args.baselines_bin, os.X_OK):
        print(f"dom_smoothie, rs-trafilatura: skipped, no binary at {args.baselines_bin} (build it with "
              f"`cargo build --release --manifest-path benches/extractors/Cargo.toml` or pass --baselines-bin PATH)")
    else:
        baselines = list(BASELINES)

    def run_baseline(extractor):
        argv = [args.baselines_bin, "--extractor", extractor, baselines_index]
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        errors = [line for line in done.stderr.split("\n") if line.strip()]
        if done.returncode != 0 or not errors:
            sys.exit(f"{' '.join(argv)} failed: {done.stderr}")
        summary = json.loads(errors[-1])  # last line: {"pages", "errors", "seconds", ...}
        extracted = {}
        for line in done.stdout.split("\n"):  # not splitlines(): texts hold U+2028, U+0085...
            if line:
                record = json.loads(line)
                extracted[record["id"]] = record["text"]
        return summary["seconds"], extracted, errors[:-1]

    # Rounds of label, extract, trafilatura and the baselines, the median of each: a VM's timings
    # move by 10-40% from minute to minute, and interleaving puts every tool through the same
    # stretches.
    label_times, extract_times, trafilatura_times = [], [], []
    baseline_times = {name: [] for name, _ in baselines}
    baseline_texts, baseline_errors = {}, {}
    for _ in range(args.repeat):
        with open(os.path.join(args.out, "test_labels.jsonl"), "w") as labels:
            label_times.append(timed(label_command, labels)[0])
        seconds, done = timed(command, subprocess.PIPE)
        extract_times.append(seconds)
        seconds, theirs = run_trafilatura()
        trafilatura_times.append(seconds)
        for name, extractor in baselines:
            seconds, baseline_texts[name], baseline_errors[name] = run_baseline(extractor)
            baseline_times[name].append(seconds)
    label_seconds = statistics.median(label_times)
    pagesift_seconds = statistics.median(extract_times)
    trafilatura_seconds = statistics.median(trafilatura_times)
    ours = {}
    for line in done.stdout.splitlines():
        record = json.loads(line)
        ours[os.path.basename(record["id"])[: -len(".html")]] = record["text"]

    groups = collections.defaultdict(list)
    for page in pages:
        for group in ("all", f"dataset={page['dataset']}") + (("health",) if page["health"] else ()):
            groups[group].append(page)
    print(f"{len(pages)} held-out pages, {total_mb:.1f} MB of HTML")
    for name, seconds in (("pagesift label", label_seconds), ("pagesift extract", pagesift_seconds)):
        print(f"{name:17}: {seconds:6.2f} s  {total_mb / seconds:5.2f} MB/s  "
              f"{len(pages) / seconds:6.1f} pages/s  {trafilatura_seconds / seconds:5.2f}x trafilatura "
              f"(one process, --jobs {args.jobs}, {os.cpu_count()} cores on the machine, start-up included, "
              f"median of {args.repeat})")
    print(f"{'trafilatura':17}: {trafilatura_seconds:6.2f} s  {total_mb / trafilatura_seconds:5.2f} MB/s  "
          f"{len(pages) / trafilatura_seconds:6.1f} pages/s (one process, one thread, median of {args.repeat})")
    for name, _ in baselines:
        seconds = statistics.median(baseline_times[name])
        failed = len(baseline_errors[name])
        print(f"{name:17}: {seconds:6.2f} s  {total_mb / seconds:5.2f} MB/s  "
              f"{len(pages) / seconds:6.1f} pages/s  {trafilatura_seconds / seconds:5.2f}x trafilatura "
              f"(extract-baselines, one thread, decoding and extraction of pages in memory, "
              f"median of {args.repeat}; {failed} pages failed, scored as empty)")
        for message in baseline_errors[name][:5]:
            print(f"  {name} error: {message}")
    print(f"rounds (label s, extract s, trafilatura s, label ratio"
          + "".join(f", {name} s" for name, _ in baselines) + "): "
          + "; ".join(f"{l:.2f}, {e:.2f}, {t:.2f}, {t / l:.2f}x"
                      + "".join(f", {baseline_times[name][i]:.2f}" for name, _ in baselines)
                      for i, (l, e, t) in enumerate(zip(label_times, extract_times, trafilatura_times))))
    print(f"{'group':28} {'pages':>5}  {'extractor':14} {'P':>6} {'R':>6} {'F1':>6}   pooled P/R/F1")
    for group in ["all", "health"] + sorted(g for g in groups if g.startswith("dataset=")):
        members = groups.get(group, [])
        if not members:
            print(f"{group:28} {0:5}  (no pages)")
            continue
        extractors = [("pagesift", ours), ("trafilatura", theirs)]
        extractors += [(name, baseline_texts[name]) for name, _ in baselines]
        for name, output in extractors:
            per_page = [score(output.get(p["id"], ""), p["main_text"]) for p in members]
            mean = [sum(x) / len(per_page) for x in zip(*(prf(*s) for s in per_page))]
            pooled = prf(*[sum(x) for x in zip(*per_page)])
            print(f"{group:28} {len(members):5}  {name:14} {mean[0]:6.3f} {mean[1]:6.3f} {mean[2]:6.3f}"
                  f"   {pooled[0]:.3f}/{pooled[1]:.3f}/{pooled[2]:.3f}")


def health(args):
    import trafilatura

    predictions = {json.loads(l)["id"]: json.loads(l) for l in open(args.predictions)}
    rows = {"pagesift": [], "trafilatura": []}
    for line in open(args.gold, encoding="utf-8"):
        gold = json.loads(line)
        text = gold["text"].encode("utf-8")
        truth = "\n".join(text[s:e].decode("utf-8") for s, e, label in gold["spans"] if label != "boilerplate")
        ours = "\n".join(s["text"] for s in predictions[gold["id"]]["spans"] if s["label"] != "boilerplate")
        rows["pagesift"].append(score(ours, truth))
        rows["trafilatura"].append(score(trafilatura.extract(gold["html"]) or "", truth))
    print(f"{len(rows['pagesift'])} health pages with HTML and 3-label gold ({args.gold})")
    for name, per_page in rows.items():
        mean = [sum(x) / len(per_page) for x in zip(*(prf(*s) for s in per_page))]
        pooled = prf(*[sum(x) for x in zip(*per_page)])
        print(f"{name:11} P {mean[0]:.3f} R {mean[1]:.3f} F1 {mean[2]:.3f}   pooled {pooled[0]:.3f}/{pooled[1]:.3f}/{pooled[2]:.3f}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["split", "run", "health"])
    parser.add_argument("--predictions")
    parser.add_argument("--gold", default=os.path.join(here, "..", "data", "pages_b.gold.jsonl"))
    parser.add_argument("--pack", default=os.path.join(here, "..", "..", "shared", "data", "web"))
    parser.add_argument("--out", default="/tmp/pagesift-web")
    parser.add_argument("--model")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds of label, extract, trafilatura and the Rust baselines (median of each)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="pagesift threads")
    parser.add_argument("--education-only", action="store_true",
                        help="score `extract` (education spans) instead of all non-boilerplate spans")
    parser.add_argument("--pagesift", default=os.path.join(here, "..", "target", "release", "pagesift"))
    parser.add_argument("--baselines-bin",
                        default=os.path.join(here, "..", "benches", "extractors", "target", "release", "extract-baselines"),
                        help="the extract-baselines binary (dom_smoothie, rs-trafilatura); "
                             "build: cargo build --release --manifest-path benches/extractors/Cargo.toml")
    parser.add_argument("--no-baselines", action="store_true",
                        help="skip dom_smoothie and rs-trafilatura (only pagesift and trafilatura)")
    args = parser.parse_args()
    {"split": split, "run": run, "health": health}[args.command](args)


if __name__ == "__main__":
    main()
