#!/usr/bin/env python3
"""Spark on real pages: `pagesift.spark.label_dataframe` on 1,000 real HTML pages from
../shared/data/web (never copied into the repository), compared with the command line.

    target/pyenv/bin/python scripts/spark_web.py [--pages 1000] [--partitions 4] [--master local[2]]

The pages (the pack's first N in index order) are decompressed into a temporary directory; a
DataFrame holds each page's path as `id` and its bytes as a binary `html` column (read as
`pagesift label` reads an HTML file: a `<meta charset>` decides). The script reports

- the wall time of the Spark job: label_dataframe into Spark's noop sink (all the labelling,
  no output), then again with collect() (the rows brought to the driver for the comparison),
  and of the session start;
- the peak memory: the largest sum of the resident sets of this process and all its
  descendants (the JVM, Spark's Python workers), sampled every 0.1 s, and the largest single
  process;
- whether every page equals `pagesift label` on that page's partition (each partition is
  labelled as the CLI labels a list of the partition's files, in order).

Needs pyspark, pyarrow and Java (scripts/test.sh installs them into target/pyenv).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT.parent / "shared" / "data" / "web"
CLI = ROOT / "target" / "release" / "pagesift"
PAGE = os.sysconf("SC_PAGE_SIZE")


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


class PeakMemory:
    """Samples the resident memory of this process tree until stopped."""

    def __init__(self) -> None:
        self.total = 0
        self.single = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            sizes = [rss(p) for p in descendants(os.getpid())]
            self.total = max(self.total, sum(sizes))
            self.single = max(self.single, max(sizes, default=0))
            self._stop.wait(0.1)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--pack", default=str(PACK))
    ap.add_argument("--cli", default=str(CLI))
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pagesift-spark-"))
    try:
        index = [json.loads(l) for l in open(Path(args.pack) / "index.jsonl", encoding="utf-8")]
        rows, total = [], 0
        for r in index[: args.pages]:
            src = Path(args.pack) / r["html"]
            raw = gzip.open(src).read() if src.name.endswith(".gz") else src.read_bytes()
            path = work / f"{r['id']}.html"
            path.write_bytes(raw)
            rows.append((str(path), bytearray(raw)))
            total += len(raw)
        print(f"{len(rows)} pages, {total / 1e6:.1f} MB of HTML, {args.partitions} partitions, "
              f"master {args.master}", flush=True)

        os.environ["PYSPARK_PYTHON"] = sys.executable
        os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
        # Everything stays on the loopback interface.
        os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
        from pyspark.sql import SparkSession

        from pagesift.spark import label_dataframe

        with PeakMemory() as peak:
            t0 = time.perf_counter()
            spark = (
                SparkSession.builder.master(args.master)
                .appName("pagesift-web")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.memory", "2g")
                .getOrCreate()
            )
            spark.sparkContext.setLogLevel("ERROR")
            t1 = time.perf_counter()
            df = spark.createDataFrame(
                spark.sparkContext.parallelize(rows, args.partitions), "id string, html binary"
            )
            parts = df.rdd.mapPartitionsWithIndex(lambda i, it: [(i, [r["id"] for r in it])]).collect()
            t2 = time.perf_counter()
            # The labelling alone: every row labelled, written nowhere (Spark's noop sink).
            label_dataframe(df).write.format("noop").mode("overwrite").save()
            t3 = time.perf_counter()
            out = label_dataframe(df).collect()
            t4 = time.perf_counter()
            spark.stop()
        print(f"session start {t1 - t0:.1f} s; label_dataframe to a noop sink {t3 - t2:.1f} s "
              f"({len(rows) / (t3 - t2):.0f} pages/s, {total / 1e6 / (t3 - t2):.1f} MB/s); "
              f"again with collect() to the driver {t4 - t3:.1f} s")
        print(f"peak resident memory: {peak.total / 2**20:.0f} MiB for the whole process tree "
              f"(driver, JVM, Python workers), {peak.single / 2**20:.0f} MiB for the largest process")

        t = time.perf_counter()
        subprocess.run([args.cli, "--jobs", "2", "--quiet", "label", "--output", str(work / "all.jsonl"),
                        *[r[0] for r in rows]], capture_output=True)
        print(f"for scale: pagesift --jobs 2 label on the same files {time.perf_counter() - t:.1f} s")

        labelled = {row["id"]: row.asDict(recursive=True) for row in out}
        same = differ = errors = 0
        for _, ids in sorted(parts):
            done = subprocess.run([args.cli, "--quiet", "label", *ids], capture_output=True, text=True)
            expected = {e["id"]: e for e in map(json.loads, done.stdout.splitlines())}
            for page_id in ids:
                got = labelled[page_id]
                want = expected.get(page_id)
                if want is None:
                    errors += 1
                    same += got["error"] is not None
                    differ += got["error"] is None
                    continue
                ok = got["error"] is None and abs(got["promotion_share"] - want["promotion_share"]) <= 1e-6
                ok = ok and len(got["spans"]) == len(want["spans"]) and all(
                    all(g[k] == w[k] for k in ("start", "end", "text_start", "text_end", "label", "text"))
                    and abs(g["score"] - w["score"]) <= 1e-6
                    for g, w in zip(got["spans"], want["spans"])
                )
                same += ok
                differ += not ok
        print(f"equal to pagesift label per partition: {same} of {len(rows)} pages "
              f"({errors} skipped by both as unreadable), {differ} differ")
        sys.exit(0 if differ == 0 else 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
