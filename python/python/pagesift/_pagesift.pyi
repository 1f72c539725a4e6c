"""Type stubs of the Rust extension (``pagesift`` re-exports everything here)."""

from os import PathLike
from typing import Any, Iterable, Iterator, Literal, Mapping, Optional, Union, overload

__version__: str

Label = Literal["education", "promotion", "boilerplate"]

class PagesiftError(ValueError):
    """A page or a model pagesift cannot use; the message is the command line's."""

class Span:
    """One labelled stretch of a page, as in the command line's JSON Lines."""

    @property
    def start(self) -> int:
        """Offset of the span's first byte in the page as given (UTF-8 of a str, or the bytes)."""
    @property
    def end(self) -> int:
        """Offset just past the span's last byte in the page as given."""
    @property
    def text_start(self) -> int:
        """Offset of the span in the page's (extracted) text, UTF-8 bytes."""
    @property
    def text_end(self) -> int:
        """End of the span in the page's (extracted) text, UTF-8 bytes."""
    @property
    def label(self) -> Label: ...
    @property
    def score(self) -> float:
        """The label's mean probability over the span."""
    @property
    def text(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> "Span": ...

class Page:
    """A labelled page."""

    @property
    def id(self) -> Optional[str]: ...
    @property
    def url(self) -> Optional[str]: ...
    @property
    def promotion_share(self) -> float:
        """Promotion bytes over labelled bytes (non-whitespace only), 0 to 1."""
    @property
    def spans(self) -> list[Span]: ...
    def to_dict(self) -> dict[str, Any]:
        """The page shaped like the command line's JSON line."""
    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> "Page":
        """A page from ``to_dict()``'s dict or a parsed line of ``pagesift label``."""

class PageIterator(Iterator[Page]):
    """What ``Labeler.label_many`` returns."""

    @property
    def threads_used(self) -> int:
        """How many Rust threads have labelled pages of this iterator so far."""
    def __iter__(self) -> "PageIterator": ...
    def __next__(self) -> Page: ...

class Labeler:
    """Labels health web pages with the built-in model or a trained model directory."""

    def __init__(self, model_dir: Optional[Union[str, PathLike[str]]] = None) -> None: ...
    @property
    def model_dir(self) -> Optional[str]: ...
    def label_html(
        self,
        html: Union[str, bytes],
        id: Optional[Union[str, int]] = None,
        url: Optional[str] = None,
    ) -> Page: ...
    def label_text(self, text: str, id: Optional[Union[str, int]] = None) -> Page: ...
    @overload
    def label_many(
        self,
        pages: Iterable[Mapping[str, Any]],
        jobs: Optional[int] = None,
        return_exceptions: Literal[False] = False,
    ) -> PageIterator: ...
    @overload
    def label_many(
        self,
        pages: Iterable[Mapping[str, Any]],
        jobs: Optional[int] = None,
        return_exceptions: bool = ...,
    ) -> Iterator[Union[Page, PagesiftError]]: ...
    @overload
    def label_files(
        self,
        paths: Union[str, PathLike[str], Iterable[Union[str, PathLike[str]]]],
        jobs: Optional[int] = None,
        input_format: Optional[Literal["text", "jsonl", "html", "warc"]] = None,
        return_exceptions: Literal[False] = False,
    ) -> PageIterator: ...
    @overload
    def label_files(
        self,
        paths: Union[str, PathLike[str], Iterable[Union[str, PathLike[str]]]],
        jobs: Optional[int] = None,
        input_format: Optional[Literal["text", "jsonl", "html", "warc"]] = None,
        return_exceptions: bool = ...,
    ) -> Iterator[Union[Page, PagesiftError]]: ...
