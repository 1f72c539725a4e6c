"""Spark in local mode: label_dataframe on 1,000 pages in 4 partitions equals the command line.

Needs pyspark, pyarrow and a Java runtime (scripts/test.sh installs them). Without pyspark the
test is skipped, unless PAGESIFT_REQUIRE_SPARK=1 (as scripts/test.sh sets), when it fails.
"""

from __future__ import annotations

import os
import sys

import pytest

from conftest import assert_same, cli_on_records

if os.environ.get("PAGESIFT_REQUIRE_SPARK") == "1":
    import pyspark  # noqa: F401  (fails loudly where Spark is required)
else:
    pytest.importorskip("pyspark")
    pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # The workers run this interpreter (the one pagesift is installed in), not `python3`.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    # Everything stays on the loopback interface.
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    session = (
        SparkSession.builder.master("local[2]")
        .appName("pagesift-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    yield session
    session.stop()


def thousand_pages(repo_pages):
    """1,000 pages made of the repository's 65 (22 HTML), each with its own id; one in 40
    has no URL, one is blank (its row must carry the error)."""
    rows = []
    for i in range(1000):
        r = repo_pages[i % len(repo_pages)]
        rows.append(
            {
                "id": f"{i:04d}-{r['id']}",
                "html": r.get("html"),
                "text": r.get("text"),
                "url": None if i % 40 == 0 else r.get("url"),
            }
        )
    rows[500] = {"id": "0500-blank", "html": None, "text": "   ", "url": None}
    return rows


def test_label_dataframe_equals_the_cli_per_partition(spark, cli, repo_pages):
    from pagesift.spark import label_dataframe

    rows = thousand_pages(repo_pages)
    schema = "id string, html string, text string, url string"
    df = spark.createDataFrame(spark.sparkContext.parallelize(rows, 4), schema)
    assert df.rdd.getNumPartitions() == 4
    # Which rows each partition holds, in order: each is labelled as the CLI labels a file of
    # them (its batch repetition counts are the partition's).
    parts = df.rdd.mapPartitionsWithIndex(lambda i, it: [(i, [r["id"] for r in it])]).collect()
    assert sorted(len(ids) for _, ids in parts) == [250, 250, 250, 250]

    out = label_dataframe(df, html_col="html", id_col="id", url_col="url", text_col="text")
    assert out.columns == ["id", "promotion_share", "spans", "error"]
    types = dict(out.dtypes)
    assert types["spans"] == (
        "array<struct<start:bigint,end:bigint,text_start:bigint,text_end:bigint,"
        "label:string,score:double,text:string>>"
    )
    assert types["promotion_share"] == "double"
    labelled = {row["id"]: row.asDict(recursive=True) for row in out.collect()}
    assert len(labelled) == 1000

    by_id = {r["id"]: r for r in rows}
    compared = 0
    for _, ids in parts:
        records = []
        for page_id in ids:
            r = by_id[page_id]
            record = {"id": page_id, "url": r["url"]}
            if r["html"] is not None:
                record["html"] = r["html"]
            else:
                record["text"] = r["text"]
            records.append(record)
        expected = {e["id"]: e for e in cli_on_records(cli, records)}
        for page_id in ids:
            got = labelled[page_id]
            if page_id == "0500-blank":
                assert page_id not in expected
                assert got["spans"] is None and got["promotion_share"] is None
                assert got["error"] == "0500-blank: empty page (no text)"
                continue
            assert got["error"] is None
            got["url"] = by_id[page_id]["url"]
            if got["url"] is None:
                del got["url"]
            assert_same(got, expected[page_id])
            compared += 1
    assert compared == 999


def test_bad_columns_are_reported_on_the_driver(spark):
    import pagesift
    from pagesift.spark import label_dataframe

    df = spark.createDataFrame([("1", "x")], "id string, body string")
    with pytest.raises(pagesift.PagesiftError, match="no column 'html'"):
        label_dataframe(df)
    # Text alone, binary HTML: both work.
    out = label_dataframe(df, html_col=None, text_col="body").collect()
    assert out[0]["id"] == "1" and out[0]["error"] is None
    html = spark.createDataFrame([("2", bytearray(b"<p>Caf\xe9 au lait, a health drink?</p>"))], "id string, html binary")
    [row] = label_dataframe(html).collect()
    assert row["error"] is None and "Café" in row["spans"][0]["text"]


def test_label_files_equals_the_cli_per_partition(spark, cli, tmp_path):
    from conftest import DATA, FIXTURES, GOLD_FILES, run_cli
    from pagesift.spark import label_files

    blank = tmp_path / "blank.txt"
    blank.write_text(" ")
    paths = [str(DATA / n) for n in GOLD_FILES] + [str(FIXTURES), str(blank)]
    out = label_files(spark, paths, partitions=3)
    assert out.columns == ["id", "url", "promotion_share", "spans", "error"]
    rows = [r.asDict(recursive=True) for r in out.collect()]
    # parallelize deals the 6 paths out in order, two per partition.
    expected = []
    for part in (paths[0:2], paths[2:4], paths[4:6]):
        expected.extend(run_cli(cli, *part))
    errors = [r for r in rows if r["error"] is not None]
    assert [r["error"] for r in errors] == [f"{blank}: empty page (no text)"]
    pages = [r for r in rows if r["error"] is None]
    assert len(pages) == len(expected)
    for got, want in zip(pages, expected):
        del got["error"]
        if got["url"] is None:
            del got["url"]
        assert_same(got, want)
