"""Settling: the one place an article leaves the run's books, whichever way it came.

An article is *settled* once its WARC records and its text record are durable (or, for a page
that is not an article, its WARC records alone). Settling is three steps, in this order:

1. the WARC writer is fsynced (``sync``): what the text record points at is on disk;
2. the seen store marks the article's seen key: later crawls, on any worker, skip it;
3. the frontier marks its frontier key done: no run of the job fetches it again.

A kill between 2 and 3 leaves the request owed although its article is seen; the next start
settles it without fetching (:func:`reconcile`), so no order of kills duplicates an article.
The live run (:class:`lifecycle.extension.RunLifecycle`) and recovery after a kill
(:mod:`pipelines.recovery`) both settle through :class:`Settler`, with the keys the request
carried (:mod:`lifecycle.keys`): fresh, resumed or recovered, an article is settled alike.
No Scrapy here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from lifecycle.keys import ArticleKeys
from state import SeenStore, seen_among
from state.frontier import Frontier


def _nothing() -> None:
    pass


class Settler:
    """Settles articles in the seen store and the frontier, after making the WARC durable.

    ``job`` is the frontier job of the live run; None settles the keys in every job (recovery
    knows an article by its keys, not by the job that asked for it).
    """

    def __init__(
        self,
        *,
        frontier: Frontier | None,
        seen: SeenStore | None,
        job: str | None = None,
        sync: Callable[[], None] = _nothing,
    ) -> None:
        self.frontier = frontier
        self.seen = seen
        self.job = job
        self.sync = sync

    def settle(self, articles: Iterable[ArticleKeys]) -> int:
        """Settle ``articles``; returns how many. Raises what the WARC, store or frontier raise,
        having settled nothing in a later step than the one that failed."""
        articles = [keys for keys in articles if keys]
        if not articles:
            return 0
        self.sync()
        seen = sorted({keys.seen for keys in articles if keys.seen})
        if self.seen is not None and seen:
            self.seen.mark_seen(seen)
        frontier = sorted({keys.frontier for keys in articles if keys.frontier})
        if self.frontier is not None and frontier:
            self.frontier.mark_done(frontier, self.job)
        return len(articles)


def reconcile(frontier: Frontier, seen: SeenStore, job: str) -> int:
    """Settle the job's owed requests whose article the seen store already has; returns how many.

    Run before owed requests are fetched again: after a kill between marking seen and settling,
    and on a shared frontier, where another worker may have saved the article meanwhile.
    """
    owed: dict[str, list[str]] = {}
    for row in frontier.pending(job):
        if row.seen_key:
            owed.setdefault(row.seen_key, []).append(row.url)
    done = [url for key in seen_among(seen, owed) for url in owed[key]]
    frontier.mark_done(done, job)
    return len(done)


__all__ = ["Settler", "reconcile"]
