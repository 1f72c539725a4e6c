"""pandas: one row per span."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping, Union

if TYPE_CHECKING:  # pragma: no cover
    import pandas

    from ._pagesift import Page

#: The columns of :func:`spans_dataframe`, in order, with their dtypes.
SPAN_COLUMNS = {
    "id": "object",
    "url": "object",
    "span": "int64",
    "start": "int64",
    "end": "int64",
    "text_start": "int64",
    "text_end": "int64",
    "label": "category",
    "score": "float64",
    "text": "object",
}

LABELS = ["education", "promotion", "boilerplate"]


def spans_dataframe(pages: Iterable[Union["Page", Mapping[str, Any]]]) -> "pandas.DataFrame":
    """A pandas DataFrame with one row per span of ``pages``.

    ``pages``: ``Page`` objects (from ``label_html``, ``label_text`` or ``label_many``) or
    their ``to_dict()`` dicts (or JSON lines of ``pagesift label``, parsed). Columns: ``id``,
    ``url`` (str or None), ``span`` (the span's index in its page), ``start``, ``end``,
    ``text_start``, ``text_end`` (int64), ``label`` (categorical: education, promotion,
    boilerplate), ``score`` (float64) and ``text``. A page without spans adds no row.

    Needs pandas: ``pip install './python[pandas]'``.
    """
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "pagesift.spans_dataframe needs pandas: pip install './python[pandas]'"
        ) from e
    columns: dict[str, list] = {name: [] for name in SPAN_COLUMNS}
    for page in pages:
        if isinstance(page, Mapping):
            page_id, url, spans = page.get("id"), page.get("url"), page.get("spans") or []
        else:
            page_id, url, spans = page.id, page.url, page.spans
        for i, span in enumerate(spans):
            get = span.get if isinstance(span, Mapping) else span.__getattribute__
            columns["id"].append(page_id)
            columns["url"].append(url)
            columns["span"].append(i)
            for name in ("start", "end", "text_start", "text_end", "label", "score", "text"):
                columns[name].append(get(name))
    frame = pd.DataFrame(
        {
            "id": pd.Series(columns["id"], dtype="object"),
            "url": pd.Series(columns["url"], dtype="object"),
            **{
                name: pd.Series(columns[name], dtype="int64")
                for name in ("span", "start", "end", "text_start", "text_end")
            },
            "label": pd.Categorical(columns["label"], categories=LABELS),
            "score": pd.Series(columns["score"], dtype="float64"),
            "text": pd.Series(columns["text"], dtype="object"),
        }
    )
    return frame
