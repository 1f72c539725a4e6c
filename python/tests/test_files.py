"""Labeler.label_files: the command line's readers (text, HTML, JSON Lines, WARC, directories)."""

from __future__ import annotations

import gzip

import pytest

import pagesift
from conftest import DATA, FIXTURES, GOLD_FILES, assert_same, run_cli


def warc_record(kind: str, record_id: str, uri: str, block: bytes) -> bytes:
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: {record_id}\r\n"
        f"WARC-Date: 2024-05-01T10:00:00Z\r\nWARC-Target-URI: {uri}\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(block)}\r\n\r\n"
    ).encode()
    return head + block + b"\r\n\r\n"


def http(content_type: str, body: bytes) -> bytes:
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def test_files_of_every_kind_equal_the_cli(labeler, cli, tmp_path):
    page_two = (
        "<html><body><h1>Caf\xe9 au lait</h1><p>Milk adds calcium; the caffeine stays the same."
        "</p><p>Order now and get 20% off your first box!</p></body></html>"
    ).encode("latin-1")
    warc = b"".join(
        [
            warc_record("warcinfo", "<urn:uuid:info>", "", b"software: test\r\n"),
            warc_record(
                "response", "<urn:uuid:one>", "https://coffee.example/facts",
                http("text/html; charset=utf-8",
                     b"<html><body><nav><a href=/>Home</a></nav><h1>What caffeine does</h1>"
                     b"<p>Caffeine blocks adenosine receptors.</p></body></html>"),
            ),
            warc_record("response", "<urn:uuid:two>", "https://cafe.example/",
                        http("text/html; charset=ISO-8859-1", page_two)),
        ]
    )
    crawl = tmp_path / "crawl.warc.gz"
    crawl.write_bytes(gzip.compress(warc))
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n")
    inputs = [str(DATA / name) for name in GOLD_FILES] + [str(FIXTURES), str(crawl), str(blank)]
    expected = run_cli(cli, *inputs)
    results = list(labeler.label_files(inputs, return_exceptions=True))
    errors = [r for r in results if isinstance(r, pagesift.PagesiftError)]
    pages = [r for r in results if not isinstance(r, pagesift.PagesiftError)]
    assert [str(e) for e in errors] == [f"{blank}: empty page (no text)"]
    assert len(pages) == len(expected) == 65 + len(list(FIXTURES.glob("*.html"))) + 2
    for got, want in zip(pages, expected):
        assert_same(got.to_dict(), want)
    warc_pages = [p for p in pages if p.url and "example/" in p.url]
    assert [p.url for p in warc_pages] == ["https://coffee.example/facts", "https://cafe.example/"]
    assert "Café" in warc_pages[1].spans[0].text


def test_label_files_errors(labeler, tmp_path):
    with pytest.raises(pagesift.PagesiftError, match="input_format must be"):
        labeler.label_files([], input_format="pdf")
    missing = tmp_path / "missing.txt"
    it = labeler.label_files(str(missing))
    with pytest.raises(pagesift.PagesiftError, match=f"^{missing}: cannot read: "):
        next(it)
    with pytest.raises(StopIteration):
        next(it)
    # A file read as another format: one page of text, whatever its name.
    page = next(iter(labeler.label_files([DATA / "seeds.gold.jsonl"], input_format="text")))
    assert page.id == str(DATA / "seeds.gold.jsonl")
