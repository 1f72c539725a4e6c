"""pagesift: label every stretch of a health web page as education, promotion or boilerplate.

Each span of a page carries byte offsets, a score and its text, exactly as the command line
``pagesift label`` writes them in JSON Lines::

    import pagesift
    labeler = pagesift.Labeler()                      # the built-in model
    page = labeler.label_html("<html>...</html>", id="p1", url="https://example.org/")
    for span in page.spans:
        print(span.label, span.start, span.end, span.score, span.text)

- ``Labeler(model_dir=None)``: the built-in model, or a directory from ``pagesift train``.
- ``Labeler.label_html(html, id=None, url=None)``, ``Labeler.label_text(text, id=None)``: one
  page (which is then its own batch) -> ``Page``.
- ``Labeler.label_many(pages, jobs=None)``: dicts ``{"id", "html" | "text", "url"}`` ->
  iterator of ``Page`` in input order, labelled in parallel in the command line's batches.
- ``Labeler.label_files(paths)``: text, HTML, JSON Lines and WARC files or directories, read
  by the command line's own readers -> iterator of ``Page``, as ``pagesift label PATH...``.
- ``spans_dataframe(pages)``: a pandas DataFrame, one row per span (``pip install
  './python[pandas]'``).
- ``pagesift.spark.label_dataframe(df, ...)``: label a Spark DataFrame of pages;
  ``pagesift.spark.label_files(spark, paths)``: label files (WARC...) on the executors.
- ``PagesiftError`` (a ``ValueError``): a page or model that cannot be used.
"""

from ._pagesift import (
    Labeler,
    Page,
    PageIterator,
    PagesiftError,
    Span,
    __version__,
)
from ._frames import SPAN_COLUMNS, spans_dataframe

__all__ = [
    "Labeler",
    "Page",
    "PageIterator",
    "PagesiftError",
    "Span",
    "SPAN_COLUMNS",
    "spans_dataframe",
    "__version__",
]
