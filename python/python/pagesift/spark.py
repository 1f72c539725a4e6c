"""Apache Spark: label a DataFrame of pages on a cluster, with the command line's results.

::

    from pagesift.spark import label_dataframe
    labelled = label_dataframe(spark.read.json("pages/*.jsonl"), html_col="html", text_col="text",
                               url_col="url")
    labelled.write.parquet("labelled/")

    # WARC (or any files pagesift reads) on storage every executor sees:
    from pagesift.spark import label_files
    labelled = label_files(spark, sorted(glob.glob("/shared/crawl/*.warc.gz")), partitions=64)

The work runs in ``mapInArrow``: each Python worker of an executor keeps one ``Labeler`` per
model directory (a module-level cache), made the first time a task there needs it, never one
per row. Needs ``pyspark`` (3.4 or later) and ``pyarrow`` where the tasks run.

How the results relate to ``pagesift label``: a page's "batch repetition" features count how
many pages of its batch share each block of text, and ``pagesift label`` cuts its input into
batches of 512 records (or 32 MiB). Each Spark partition is labelled as ``pagesift label``
labels a JSON Lines file holding that partition's rows in order, batches counted from the
partition's first row. Partitions of 512 rows or fewer are each one batch.
"""

from __future__ import annotations

import functools
import os
from collections import deque
from typing import TYPE_CHECKING, Any, Deque, Dict, Iterable, Iterator, Optional, Union

from ._pagesift import Labeler, Page, PagesiftError

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow
    from pyspark.sql import DataFrame, SparkSession

#: The Spark type of the ``spans`` column.
SPANS_TYPE = (
    "array<struct<start:bigint,end:bigint,text_start:bigint,text_end:bigint,"
    "label:string,score:double,text:string>>"
)

#: The schema of :func:`label_dataframe`'s result.
OUTPUT_SCHEMA = f"id string, promotion_share double, spans {SPANS_TYPE}, error string"

#: The schema of :func:`label_files`'s result.
FILES_SCHEMA = (
    f"id string, url string, promotion_share double, spans {SPANS_TYPE}, error string"
)

#: One Labeler per model directory in this (executor's Python worker) process.
_LABELERS: Dict[Optional[str], Labeler] = {}

#: Output rows per Arrow batch.
_ROWS_PER_BATCH = 512


def labeler(model_dir: Optional[str] = None) -> Labeler:
    """This process's ``Labeler`` for ``model_dir`` (the built-in model for ``None``), made once."""
    found = _LABELERS.get(model_dir)
    if found is None:
        found = _LABELERS[model_dir] = Labeler(model_dir)
    return found


def label_dataframe(
    df: "DataFrame",
    html_col: Optional[str] = "html",
    id_col: Optional[str] = "id",
    url_col: Optional[str] = None,
    text_col: Optional[str] = None,
    model_dir: Optional[str] = None,
    jobs: Optional[int] = None,
) -> "DataFrame":
    """Labels every row of ``df`` as a page; returns one row per input row.

    Columns read: ``html_col`` (a string column is read as Unicode, like a JSON Lines
    ``"html"`` field; a binary column like an HTML file, its ``<meta charset>`` deciding the
    encoding), ``text_col`` (plain text, used where the HTML is null), ``id_col`` and
    ``url_col`` (cast to string; ``None`` leaves them out). Set ``html_col=None`` for a
    DataFrame of text alone.

    The result has the columns ``id`` (string), ``promotion_share`` (double), ``spans``
    (array of struct ``start``, ``end``, ``text_start``, ``text_end`` (bigint), ``label``
    (string), ``score`` (double), ``text`` (string), as in ``pagesift label``'s JSON Lines)
    and ``error`` (string): a page that cannot be labelled (no visible text, blank) does
    not stop the job: its row has null ``promotion_share`` and ``spans`` and the command
    line's message in ``error``, which is null elsewhere.

    ``model_dir``: a model directory from ``pagesift train``, at the same path on every
    executor (default: the built-in model). ``jobs``: Rust threads per task (default: the
    task's ``spark.task.cpus``, normally 1, as Spark runs one task per core).
    """
    if html_col is None and text_col is None:
        raise PagesiftError("label_dataframe needs html_col or text_col")
    from pyspark.sql import functions as F

    missing = [c for c in (html_col, text_col, id_col, url_col) if c and c not in df.columns]
    if missing:
        raise PagesiftError(
            f"no column {', '.join(map(repr, missing))} in the DataFrame "
            f"(its columns: {', '.join(df.columns)})"
        )
    id_value = F.col(id_col).cast("string") if id_col else F.lit(None).cast("string")
    columns = [id_value.alias("id")]
    if html_col:
        kind = dict(df.dtypes)[html_col]
        html = F.col(html_col) if kind == "binary" else F.col(html_col).cast("string")
        columns.append(html.alias("html"))
    if text_col:
        columns.append(F.col(text_col).cast("string").alias("text"))
    if url_col:
        columns.append(F.col(url_col).cast("string").alias("url"))
    label = functools.partial(_label_batches, model_dir=model_dir, jobs=jobs)
    return df.select(*columns).mapInArrow(label, OUTPUT_SCHEMA)


def label_files(
    spark: "SparkSession",
    paths: Iterable[Union[str, "os.PathLike[str]"]],
    partitions: Optional[int] = None,
    input_format: Optional[str] = None,
    model_dir: Optional[str] = None,
    jobs: Optional[int] = None,
) -> "DataFrame":
    """Labels files with the command line's own readers, on the executors.

    ``paths``: text, HTML, JSON Lines or WARC (``.warc``, ``.warc.gz``) files, or directories,
    at paths every executor can read (a shared file system: pagesift opens them itself). They
    are dealt out in order over ``partitions`` (default: Spark's default parallelism, at most
    one per path); each task labels its paths as ``pagesift label PATH...`` would
    (``Labeler.label_files``), so a WARC file's pages are its HTML ``response`` records, with
    their URLs and the HTTP charset. ``input_format`` reads every file as "text", "jsonl",
    "json", "html" or "warc".

    Returns ``id``, ``url``, ``promotion_share``, ``spans`` (as :func:`label_dataframe`) and
    ``error``: a record that cannot be read is a row with the command line's message there
    (and, as it does not say which page it was, a null ``id``).
    """
    files = [os.fspath(p) for p in paths]
    n = partitions or max(1, min(len(files), spark.sparkContext.defaultParallelism))
    run = functools.partial(
        _label_file_partition, input_format=input_format, model_dir=model_dir, jobs=jobs
    )
    rows = spark.sparkContext.parallelize(files, n).mapPartitions(run)
    return spark.createDataFrame(rows, FILES_SCHEMA)


def _label_file_partition(
    paths: Iterator[str],
    input_format: Optional[str] = None,
    model_dir: Optional[str] = None,
    jobs: Optional[int] = None,
) -> Iterator[tuple]:
    files = list(paths)
    if not files:
        return
    jobs = jobs if jobs is not None else _task_cpus()
    pages = labeler(model_dir).label_files(
        files, jobs=jobs, input_format=input_format, return_exceptions=True
    )
    for page in pages:
        if isinstance(page, PagesiftError):
            yield (None, None, None, None, str(page))
        else:
            yield (page.id, page.url, page.promotion_share, _spans(page), None)


def _spans(page: Page) -> list:
    return [
        {
            "start": s.start,
            "end": s.end,
            "text_start": s.text_start,
            "text_end": s.text_end,
            "label": s.label,
            "score": s.score,
            "text": s.text,
        }
        for s in page.spans
    ]


def _task_cpus() -> int:
    try:
        from pyspark import TaskContext

        context = TaskContext.get()
        return max(1, int(context.cpus())) if context is not None else 1
    except Exception:  # an older pyspark, or not in a task
        return 1


def _label_batches(
    batches: Iterator["pyarrow.RecordBatch"],
    model_dir: Optional[str] = None,
    jobs: Optional[int] = None,
) -> Iterator["pyarrow.RecordBatch"]:
    """One partition: its rows in order through ``Labeler.label_many``, out as Arrow batches."""
    import pyarrow as pa

    schema = pa.schema(
        [
            ("id", pa.string()),
            ("promotion_share", pa.float64()),
            (
                "spans",
                pa.list_(
                    pa.struct(
                        [
                            ("start", pa.int64()),
                            ("end", pa.int64()),
                            ("text_start", pa.int64()),
                            ("text_end", pa.int64()),
                            ("label", pa.string()),
                            ("score", pa.float64()),
                            ("text", pa.string()),
                        ]
                    )
                ),
            ),
            ("error", pa.string()),
        ]
    )
    ids: Deque[Optional[str]] = deque()

    def records() -> Iterator[Dict[str, Any]]:
        for batch in batches:
            columns = batch.to_pydict()
            id_values = columns["id"]
            html = columns.get("html")
            text = columns.get("text")
            url = columns.get("url")
            for i in range(batch.num_rows):
                ids.append(id_values[i])
                yield {
                    "id": id_values[i],
                    "html": html[i] if html is not None else None,
                    "text": text[i] if text is not None else None,
                    "url": url[i] if url is not None else None,
                }

    out: Dict[str, list] = {"id": [], "promotion_share": [], "spans": [], "error": []}

    def flush() -> "pyarrow.RecordBatch":
        batch = pa.RecordBatch.from_pydict(out, schema=schema)
        for column in out.values():
            column.clear()
        return batch

    jobs = jobs if jobs is not None else _task_cpus()
    for result in labeler(model_dir).label_many(records(), jobs=jobs, return_exceptions=True):
        out["id"].append(ids.popleft())
        if isinstance(result, PagesiftError):
            out["promotion_share"].append(None)
            out["spans"].append(None)
            out["error"].append(str(result))
        else:
            out["promotion_share"].append(result.promotion_share)
            out["spans"].append(_spans(result))
            out["error"].append(None)
        if len(out["id"]) >= _ROWS_PER_BATCH:
            yield flush()
    if out["id"]:
        yield flush()
