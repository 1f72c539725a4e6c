"""Shared fixtures: the repository's pages and the command line binary to compare with.

The command line is `target/release/pagesift` at the repository's root (`cargo build --release`),
or the binary named by `PAGESIFT_BIN`.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

import pagesift

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
GOLD_FILES = ["seeds.gold.jsonl", "pages_a.gold.jsonl", "pages_b.gold.jsonl", "pages_c.gold.jsonl"]
FIXTURES = ROOT / "tests" / "fixtures" / "html"


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def page_record(record: dict) -> dict:
    """A gold record reduced to what labelling reads: id, html or text, url."""
    out = {"id": record["id"], "url": record.get("url")}
    if isinstance(record.get("html"), str):
        out["html"] = record["html"]
    else:
        out["text"] = record["text"]
    return out


@pytest.fixture(scope="session")
def cli() -> Path:
    path = Path(os.environ.get("PAGESIFT_BIN", ROOT / "target" / "release" / "pagesift"))
    if not path.is_file():
        pytest.fail(f"no pagesift binary at {path}: run `cargo build --release` first")
    return path


@pytest.fixture(scope="session")
def labeler() -> pagesift.Labeler:
    return pagesift.Labeler()


@pytest.fixture(scope="session")
def repo_pages() -> list[dict]:
    """The repository's 65 gold pages (22 of them HTML), as label_many records."""
    return [page_record(r) for name in GOLD_FILES for r in read_jsonl(DATA / name)]


def run_cli(cli: Path, *inputs: Path, extra: tuple[str, ...] = ()) -> list[dict]:
    """`pagesift label` on files: its JSON lines, parsed."""
    done = subprocess.run(
        [str(cli), "--quiet", "label", *extra, *map(str, inputs)],
        capture_output=True,
        check=False,
    )
    # 3: some pages were skipped (and reported); the others were labelled.
    assert done.returncode in (0, 3), done.stderr.decode()
    return [json.loads(line) for line in done.stdout.decode().splitlines()]


def cli_on_records(cli: Path, records: list[dict], extra: tuple[str, ...] = ()) -> list[dict]:
    """`pagesift label` on a JSON Lines file of `records`, in order."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "pages.jsonl"
        with open(path, "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
        return run_cli(cli, path, extra=extra)


def assert_same(python: dict, expected: dict) -> None:
    """A page from Python equals the command line's line: offsets, labels and text exactly,
    scores within 1e-6."""
    assert python["id"] == expected["id"]
    assert python.get("url") == expected.get("url")
    assert abs(python["promotion_share"] - expected["promotion_share"]) <= 1e-6
    assert len(python["spans"]) == len(expected["spans"]), python["id"]
    for got, want in zip(python["spans"], expected["spans"]):
        for key in ("start", "end", "text_start", "text_end", "label", "text"):
            assert got[key] == want[key], (python["id"], key, got[key], want[key])
        assert abs(got["score"] - want["score"]) <= 1e-6
