"""Which article a request, a story record or a text record stands for: its keys in the run's books.

An article has two keys. The *frontier key* is the URL under which the durable frontier
(:mod:`state.frontier`) owes its request: the URL first scheduled, or the URL a redirect landed
on. The *seen key* is the article's key in the seen store (:mod:`state`): the outlet spider's
canonical story URL; a one-off URL list has none (it is never marked seen). Both ride in the
request's ``meta`` from the moment the request is scheduled, are stored with a pending frontier
row (so a resumed request carries them again), and are written into the story record of the WARC
(so recovery after a kill settles exactly what the live run would have settled). No Scrapy here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: ``request.meta`` key of the frontier key (kept across redirects, retries and a story's pages).
FRONTIER_META = "kliping_frontier"
#: ``request.meta`` key of the seen key.
SEEN_META = "kliping_seen_key"


@dataclass(frozen=True)
class ArticleKeys:
    """The keys of one article; either may be None (not tracked by the frontier; never marked seen)."""

    frontier: str | None = None
    seen: str | None = None

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> ArticleKeys:
        frontier, seen = meta.get(FRONTIER_META), meta.get(SEEN_META)
        return cls(str(frontier) if frontier else None, str(seen) if seen else None)

    def meta(self) -> dict[str, str]:
        """The ``request.meta`` entries that carry these keys."""
        out = {}
        if self.frontier:
            out[FRONTIER_META] = self.frontier
        if self.seen:
            out[SEEN_META] = self.seen
        return out

    def __bool__(self) -> bool:
        return bool(self.frontier or self.seen)


__all__ = ["FRONTIER_META", "SEEN_META", "ArticleKeys"]
