"""The Python API against the command line, on the repository's pages."""

from __future__ import annotations

import json
import pydoc
import threading
from pathlib import Path

import pytest

import pagesift
from conftest import (
    DATA,
    FIXTURES,
    GOLD_FILES,
    assert_same,
    cli_on_records,
    page_record,
    read_jsonl,
    run_cli,
)


@pytest.mark.parametrize("name", GOLD_FILES)
def test_label_many_equals_the_cli_on_each_gold_file(labeler, cli, name):
    """A gold file as given (text pages, and HTML pages in pages_b) through `label_many` gives
    what `pagesift label FILE` writes."""
    path = DATA / name
    expected = run_cli(cli, path)
    records = [page_record(r) for r in read_jsonl(path)]
    got = [p.to_dict() for p in labeler.label_many(records)]
    assert len(got) == len(expected) == len(records)
    for g, e in zip(got, expected):
        assert_same(g, e)


def test_the_five_seed_pages_exactly_as_in_the_readme(cli):
    # The README's five lines.
    import json, pagesift

    labeler = pagesift.Labeler()
    pages = [json.loads(line) for line in open(DATA / "seeds.gold.jsonl")]
    labelled = [page.to_dict() for page in labeler.label_many(pages)]
    assert [p["id"] for p in labelled] == [f"seed-00{i}" for i in range(5)]
    # Not only close: the same numbers (the f32 the CLI writes, read back as a float).
    assert labelled == run_cli(cli, DATA / "seeds.gold.jsonl")


def test_more_than_one_batch_equals_the_cli(labeler, cli, repo_pages):
    """700 records are two batches for `pagesift label` (512 + 188): label_many cuts the same
    batches, so the batch repetition features, and every span, agree."""
    records = [dict(r, id=f"{i}-{r['id']}") for i, r in enumerate(repo_pages * 11)][:700]
    expected = cli_on_records(cli, records)
    got = [p.to_dict() for p in labeler.label_many(records, jobs=2)]
    assert len(got) == len(expected) == 700
    for g, e in zip(got, expected):
        assert_same(g, e)


def test_single_pages_equal_the_cli_on_a_file_of_that_page(labeler, cli, repo_pages):
    """label_html/label_text label a page as its own batch: like `pagesift label` on a file
    holding that page alone."""
    html_pages = [r for r in repo_pages if "html" in r][:3]
    text_pages = [r for r in repo_pages if "text" in r][:3]
    for r in html_pages:
        [expected] = cli_on_records(cli, [r])
        assert_same(labeler.label_html(r["html"], id=r["id"], url=r["url"]).to_dict(), expected)
    for r in text_pages:
        [expected] = cli_on_records(cli, [{"id": r["id"], "text": r["text"]}])
        assert_same(labeler.label_text(r["text"], id=r["id"]).to_dict(), expected)


def test_text_offsets_are_utf8_bytes_of_the_text(labeler, repo_pages):
    text = next(r["text"] for r in repo_pages if "text" in r and not r["text"].isascii())
    page = labeler.label_text(text, id="t")
    raw = text.encode("utf-8")
    assert page.spans
    for span in page.spans:
        assert (span.start, span.end) == (span.text_start, span.text_end)
        assert raw[span.start : span.end].decode("utf-8") == span.text
        assert span.label in ("education", "promotion", "boilerplate")
        assert 0.0 <= span.score <= 1.0


def test_html_as_str_and_as_utf8_bytes_agree(labeler, repo_pages):
    r = next(r for r in repo_pages if "html" in r)
    # Without a <meta charset> that says otherwise, bytes are read as UTF-8 too.
    assert "charset" not in r["html"].lower() or "utf-8" in r["html"].lower()
    from_str = labeler.label_html(r["html"], id="x", url=r["url"]).to_dict()
    from_bytes = labeler.label_html(r["html"].encode("utf-8"), id="x", url=r["url"]).to_dict()
    assert from_str == from_bytes
    raw = r["html"].encode("utf-8")
    for span in from_bytes["spans"]:
        assert 0 <= span["start"] < span["end"] <= len(raw)


def test_html_bytes_equal_the_cli_on_an_html_file(labeler, cli, tmp_path):
    for fixture in sorted(FIXTURES.glob("*.html")):
        expected = run_cli(cli, fixture)
        got = labeler.label_html(fixture.read_bytes(), id=str(fixture))
        assert len(expected) == 1
        assert_same(got.to_dict(), expected[0])


def test_a_windows_1252_page_with_a_meta_charset(labeler, cli, tmp_path):
    html = (
        '<html><head><meta charset="windows-1252"><title>Caf\xe9</title></head><body>'
        "<h1>Ketamine \x96 what it does</h1>"
        "<p>Ketamine blocks NMDA receptors; doctors call its effect on mood \x93rapid\x94. "
        "It is given in a clinic, under supervision, at low doses.</p>"
        "<p>Book your free consultation today! Call (385) 685-1410 \x97 limited spots.</p>"
        "<footer>\xa9 2024 Example Clinic. All Rights Reserved.</footer></body></html>"
    ).encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        html.decode("utf-8")
    page = labeler.label_html(html, id="cp1252")
    text = "\n".join(s.text for s in page.spans)
    assert "\u201crapid\u201d" in text and "\u2013" in text and "\u00a9 2024" in text
    for span in page.spans:
        assert 0 <= span.start < span.end <= len(html)
    # Offsets point into the windows-1252 bytes: the span's bytes decode to its text's words.
    first = page.spans[0]
    assert html[first.start : first.end].decode("cp1252").split()[0] in first.text
    path = tmp_path / "cp1252.html"
    path.write_bytes(html)
    [expected] = run_cli(cli, path)
    got = page.to_dict()
    got["id"] = expected["id"]
    assert_same(got, expected)


def test_bad_input_raises_the_documented_exception(labeler):
    assert issubclass(pagesift.PagesiftError, ValueError)
    with pytest.raises(pagesift.PagesiftError, match=r"^blank: empty page \(no text\)$"):
        labeler.label_text(" \n\t ", id="blank")
    with pytest.raises(pagesift.PagesiftError, match="no visible text"):
        labeler.label_html("<script>alert(1)</script>", id="js")
    with pytest.raises(pagesift.PagesiftError, match="no visible text"):
        labeler.label_html(b"", id="nothing")
    with pytest.raises(TypeError):
        labeler.label_html(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        labeler.label_text(b"bytes are not text")  # type: ignore[arg-type]
    with pytest.raises(pagesift.PagesiftError, match="jobs must be at least 1"):
        labeler.label_many([], jobs=0)
    # Invalid UTF-16 in a str never reaches Rust as text: an exception, not a crash.
    with pytest.raises(ValueError):
        labeler.label_text("lone surrogate \ud800 here")


def test_a_bad_model_directory_gives_the_clis_message(cli, tmp_path):
    import subprocess

    missing = tmp_path / "no-model"
    with pytest.raises(pagesift.PagesiftError) as raised:
        pagesift.Labeler(missing)
    page = tmp_path / "p.txt"
    page.write_text("Some text.")
    done = subprocess.run(
        [str(cli), "--quiet", "label", "--model", str(missing), str(page)],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert done.stderr.strip() == f"pagesift: error: {raised.value}"


def test_label_many_raises_at_a_bad_page_and_goes_on(labeler):
    records = [
        {"id": "a", "text": "Ketamine is an anaesthetic."},
        {"id": "b"},
        {"id": "c", "html": "<p>Call us today for a free consultation!</p>"},
        "not a dict",
        {"id": "e", "text": "   "},
        {"id": 7, "text": "Numbers are ids too."},
    ]
    it = labeler.label_many(records)
    assert next(it).id == "a"
    with pytest.raises(pagesift.PagesiftError, match=r'^b: no string field "text" or "html"$'):
        next(it)
    assert next(it).id == "c"
    with pytest.raises(pagesift.PagesiftError, match=r"^page 3: expected a dict"):
        next(it)
    with pytest.raises(pagesift.PagesiftError, match=r"^e: empty page"):
        next(it)
    assert next(it).id == "7"
    with pytest.raises(StopIteration):
        next(it)
    # Any mapping will do, not only a dict.
    from types import MappingProxyType

    [mapped] = labeler.label_many([MappingProxyType({"id": "m", "text": "A mapping."})])
    assert mapped.id == "m"
    results = list(labeler.label_many(records, return_exceptions=True))
    assert [type(r).__name__ for r in results] == [
        "Page", "PagesiftError", "Page", "PagesiftError", "PagesiftError", "Page",
    ]


def test_an_exception_in_the_input_comes_after_the_pages_before_it(labeler):
    def pages():
        yield {"id": "1", "text": "First page."}
        yield {"id": "2", "text": "Second page."}
        raise KeyError("the source broke")

    it = labeler.label_many(pages())
    assert [next(it).id, next(it).id] == ["1", "2"]
    with pytest.raises(KeyError, match="the source broke"):
        next(it)


def test_label_many_keeps_input_order_and_jobs_do_not_change_results(labeler, repo_pages):
    # Biggest pages are labelled first; the output is still in input order.
    records = [dict(r, id=f"p{i:03d}") for i, r in enumerate(sorted(repo_pages * 3, key=lambda r: len(r.get("html") or r["text"])))]
    records.reverse()
    one = labeler.label_many(records, jobs=1)
    serial = [p.to_dict() for p in one]
    assert [p["id"] for p in serial] == [r["id"] for r in records]
    assert one.threads_used == 1
    two = labeler.label_many(records, jobs=2)
    parallel = [p.to_dict() for p in two]
    assert parallel == serial
    # Several Rust threads labelled the pages (195 pages, biggest first: the second thread
    # takes pages while the first labels the biggest).
    assert two.threads_used == 2


def test_label_many_releases_the_gil(labeler, repo_pages):
    """While a batch is labelled, other Python threads run."""
    records = [dict(r, id=str(i)) for i, r in enumerate(repo_pages * 4)]
    ticks = 0
    stop = threading.Event()

    def tick():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            stop.wait(0.001)

    it = labeler.label_many(records, jobs=1)
    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        before = ticks
        first = next(it)  # labels the whole batch of 260 pages
        during = ticks - before
    finally:
        stop.set()
        ticker.join()
    assert first.id == "0"
    assert during > 0


def test_label_many_streams_a_generator(labeler):
    """A long input is read a batch at a time, not all at once."""
    read = 0

    def pages():
        nonlocal read
        for i in range(2000):
            read += 1
            yield {"id": str(i), "text": f"Page {i}. Ketamine clinics offer infusions."}

    it = labeler.label_many(pages(), jobs=1)
    assert next(it).id == "0"
    assert read <= 513
    assert sum(1 for _ in it) == 1999


def test_spans_dataframe_columns_and_dtypes(labeler, repo_pages):
    pd = pytest.importorskip("pandas")
    pages = list(labeler.label_many(repo_pages[:10]))
    frame = pagesift.spans_dataframe(pages)
    assert list(frame.columns) == list(pagesift.SPAN_COLUMNS)
    assert {c: str(t) for c, t in frame.dtypes.items()} == pagesift.SPAN_COLUMNS
    assert len(frame) == sum(len(p.spans) for p in pages)
    assert list(frame["label"].cat.categories) == ["education", "promotion", "boilerplate"]
    first = pages[0].spans[0]
    row = frame.iloc[0]
    assert (row["id"], row["span"], row["start"], row["end"], row["text"]) == (
        pages[0].id, 0, first.start, first.end, first.text,
    )
    # Dicts (to_dict, or the CLI's parsed JSON lines) make the same frame.
    pd.testing.assert_frame_equal(pagesift.spans_dataframe(p.to_dict() for p in pages), frame)
    empty = pagesift.spans_dataframe([])
    assert list(empty.columns) == list(pagesift.SPAN_COLUMNS) and len(empty) == 0


def test_to_dict_is_json_and_help_reads_well(labeler):
    page = labeler.label_html("<h1>Title</h1><p>Body text here.</p>", id="h", url="https://e.org/")
    d = page.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert set(d) == {"id", "url", "promotion_share", "spans"}
    assert set(d["spans"][0]) == {"start", "end", "text_start", "text_end", "label", "score", "text"}
    assert "url" not in labeler.label_text("No URL here.").to_dict()
    text = pydoc.render_doc(pagesift.Labeler, renderer=pydoc.plaintext)
    for needed in ("label_html(self, /, html, id=None, url=None)", "label_text(self, /, text, id=None)",
                   "label_many(self, /, pages, jobs=None, return_exceptions=False)",
                   "built-in model", "PagesiftError"):
        assert needed in text, needed
    package = Path(pagesift.__file__).parent
    assert (package / "py.typed").is_file() and (package / "_pagesift.pyi").is_file()
    assert repr(page).startswith("Page(id='h', url='https://e.org/'")


def _label_in_child(queue):
    labeler = pagesift.Labeler()
    page = labeler.label_text("Ketamine is an anaesthetic. Call now!", id="child")
    queue.put((page.id, len(list(labeler.label_many([{"text": "A page."}] * 20, jobs=2)))))


def _label_with_inherited(labeler, queue):
    page = labeler.label_text("Ketamine is an anaesthetic. Call now!", id="inherited")
    queue.put((page.id, len(list(labeler.label_many([{"text": "A page."}] * 20, jobs=2)))))


def test_a_forked_process_labels_with_threads_of_its_own(labeler):
    """multiprocessing's fork copies no threads: a child must not wait on the parent's pools."""
    import multiprocessing

    fork = multiprocessing.get_context("fork")
    # The parent's pools exist (jobs=1 and 2) before the fork.
    labeler.label_text("Parent page.")
    list(labeler.label_many([{"text": "Parent page."}] * 4, jobs=2))
    for target, args in ((_label_with_inherited, (labeler,)), (_label_in_child, ())):
        queue = fork.Queue()
        child = fork.Process(target=target, args=(*args, queue))
        child.start()
        child.join(120)
        alive = child.is_alive()
        if alive:
            child.kill()
        assert not alive, "the forked child hung"
        assert child.exitcode == 0
        assert queue.get(timeout=5)[1] == 20


def test_pages_pickle_and_come_back_from_the_clis_json(labeler, cli):
    import pickle

    pages = list(labeler.label_many(read_jsonl(DATA / "seeds.gold.jsonl")))
    for page in pages:
        back = pickle.loads(pickle.dumps(page))
        assert isinstance(back, pagesift.Page) and back.to_dict() == page.to_dict()
        span = pickle.loads(pickle.dumps(page.spans[0]))
        assert span.to_dict() == page.spans[0].to_dict()
    for line in run_cli(cli, DATA / "seeds.gold.jsonl"):
        assert pagesift.Page.from_dict(line).to_dict() == line
    with pytest.raises(pagesift.PagesiftError, match="unknown label"):
        pagesift.Span.from_dict(dict(pages[0].spans[0].to_dict(), label="advert"))
    with pytest.raises(pagesift.PagesiftError, match="needs"):
        pagesift.Page.from_dict({"id": "x"})


def test_batches_end_at_the_clis_byte_budget_too(labeler, cli, repo_pages):
    """34 text pages of 1 MiB: `pagesift label` ends its first batch at 32 MiB (32 pages), not
    at 512 pages. The pages share most of their blocks, so a batch cut elsewhere would change
    their repetition counts and scores; label_many (pipelined, jobs=2) cuts where the CLI does."""
    texts = [r["text"] for r in repo_pages if "text" in r]
    records = []
    for i in range(34):
        parts, size = [f"Record {i}: a page of its own."], 0
        k = i
        while size < (1 << 20):
            t = texts[k % len(texts)]
            parts.append(t)
            size += len(t.encode("utf-8")) + 1
            k += 1
        records.append({"id": f"big-{i}", "text": "\n".join(parts)})
    expected = cli_on_records(cli, records)
    got = [p.to_dict() for p in labeler.label_many(records, jobs=2)]
    assert len(got) == len(expected) == 34
    for g, e in zip(got, expected):
        assert_same(g, e)


def test_pipelined_batches_with_bad_pages_equal_the_cli(labeler, cli, repo_pages):
    """1,200 records (three CLI batches) with a blank page now and then: the same pages and
    errors, in order, with one thread and with two."""
    records = [dict(r, id=f"{i}-{r['id']}") for i, r in enumerate(repo_pages * 19)][:1200]
    for i in (0, 511, 512, 700, 1199):
        records[i] = {"id": f"blank-{i}", "text": " "}
    expected = cli_on_records(cli, records)
    for jobs in (1, 2):
        results = list(labeler.label_many(records, jobs=jobs, return_exceptions=True))
        assert len(results) == 1200
        errors = [i for i, r in enumerate(results) if isinstance(r, pagesift.PagesiftError)]
        assert errors == [0, 511, 512, 700, 1199]
        pages = [r.to_dict() for r in results if not isinstance(r, pagesift.PagesiftError)]
        assert len(pages) == len(expected) == 1195
        for g, e in zip(pages, expected):
            assert_same(g, e)
