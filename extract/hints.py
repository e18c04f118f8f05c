"""Per-outlet hints, read by the crawler from the outlet config file. Every field is optional."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OutletHints"]


@dataclass(frozen=True)
class OutletHints:
    """What an outlet config can tell the extractor.

    ``timezone`` is used for dates the page prints without a zone (``Asia/Jakarta`` = WIB,
    ``Asia/Makassar`` = WITA, ``Asia/Jayapura`` = WIT). ``body_selector`` (CSS) narrows text
    extraction to the story container; ``drop_selectors`` (CSS) are removed before extraction.
    """

    name: str | None = None
    timezone: str = "Asia/Jakarta"
    language: str | None = None
    body_selector: str | None = None
    drop_selectors: tuple[str, ...] = ()
