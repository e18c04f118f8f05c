"""Article extraction for kliping: story text and metadata from news pages (no Scrapy).

The names below load on first use: the settings model reads :mod:`extract.options` in every
process (the crawl's own included, whose extraction runs in worker processes), and that must not
pull in Trafilatura and lxml's extraction stack.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from extract.core import extract_article, join_pages
    from extract.dates import parse_indonesian_datetime
    from extract.hints import OutletHints
    from extract.options import ExtractOptions

_WHERE = {
    "ExtractOptions": "extract.options",
    "OutletHints": "extract.hints",
    "extract_article": "extract.core",
    "join_pages": "extract.core",
    "parse_indonesian_datetime": "extract.dates",
}

__all__ = ["ExtractOptions", "OutletHints", "extract_article", "join_pages", "parse_indonesian_datetime"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'extract' has no attribute {name!r}")
