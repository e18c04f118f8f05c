"""Pure functions that read an outlet's listings (robots.txt, sitemaps, feeds, index pages) into links.

No Scrapy here: each takes bytes and a base URL and returns :class:`Link` objects, so they are
tested on saved files directly and never raise on malformed input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Link:
    """A URL found in a listing; ``published`` when the listing dates it; ``is_listing`` for sub-sitemaps."""

    url: str
    published: datetime | None = None
    is_listing: bool = False
