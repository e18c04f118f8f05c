"""What spiders hand to the pipelines: the fetched pages of one story, not yet extracted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lifecycle.keys import ArticleKeys


@dataclass
class Page:
    """One fetched page of a story, with where its response sits in the WARC."""

    url: str
    body: bytes
    encoding: str | None
    fetched_at: str
    warc: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "body": self.body,
            "encoding": self.encoding,
            "fetched_at": self.fetched_at,
            "warc": self.warc,
        }


@dataclass
class StoryItem:
    """All pages of one candidate article, in reading order; the extract pipeline turns it into a record."""

    pages: list[Page]
    outlet: str | None = None
    hints: dict[str, Any] = field(default_factory=dict)
    #: The story's canonical URL, the record's ``url``; None: the first page's URL.
    url: str | None = None
    #: The article's keys in the run's books, from its request (set by
    #: :class:`lifecycle.extension.LifecycleSpiderMiddleware`; spiders need not fill them in).
    keys: ArticleKeys = field(default_factory=ArticleKeys)
