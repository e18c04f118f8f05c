"""The run's lifecycle in Scrapy: every article request is settled in one place, once it is durable.

The stages and their contracts are listed in :mod:`lifecycle` and docs/reliability.md. This
module follows each article from its item to settling:

- ``item_scraped``: the record goes to the feed slots that accept it; the article waits for
  those slots. It is noted *before* the FeedExporter exports it (this extension comes before it in
  ``EXTENSIONS``), so the slots noted are the ones about to hold it, not a fresh batch after them;
- ``feed_slot_closed``: a slot's batch is stored (durable: fsync and rename, or upload or
  spool; for Parquet written at the end, its rows staged). An article whose every slot is stored
  is *ready*. A slot whose storing failed leaves its articles owed;
- ``item_dropped``: a page that is not an article (``NotAnArticle``, ``TooLarge``) owes nothing
  beyond its WARC records: ready. Any other drop (extraction failed, the disk filled) or an
  ``item_error`` leaves the article *owed*: never settled, tried again by the next run of the job
  (the frontier keeps it) and, for the outlet spider, not seen, so a later crawl fetches it;
- :class:`LifecycleSpiderMiddleware`: a response whose callback yielded neither an item nor a
  request continuing its story (not HTML) owes nothing beyond its WARC records: ready;
- ready articles are settled by :class:`lifecycle.settle.Settler` (WARC fsynced, then seen, then
  the frontier) at each slot close, when the spider closes and when the engine stops; then the run
  ends in the frontier (:meth:`fetch.frontier.FrontierExtension.end`).

An article's keys come from its request's ``meta`` (:mod:`lifecycle.keys`), which a resumed
request carries as a fresh one does, and recovery after a kill reads from the story record.
Spiders read the seen store through :attr:`RunLifecycle.store`.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.extensions.feedexport import FeedExporter
from scrapy.http import Response

from archive.extension import WarcArchiver
from archive.space import NEEDS_RECOVERY_KEY, STOPPED_REASON_KEY
from fetch.frontier import FrontierExtension
from lifecycle.keys import FRONTIER_META, ArticleKeys
from lifecycle.settle import Settler
from lifecycle.startup import prepared
from lifecycle.stops import exit_after, stop_for
from state import SeenStore, StateFileError, seen_store_from_settings

logger = logging.getLogger(__name__)

#: Drops after which an article owes nothing but its WARC records (class names of
#: :mod:`pipelines.extract`): settled. Every other drop leaves the article owed.
NOTHING_OWED_DROPS = ("NotAnArticle", "TooLarge")


def answered(response: Response, crawler: Crawler) -> bool:
    """Whether the response reached its callback rather than its errback: HttpErrorMiddleware
    turns other statuses into errors (a 404 is a failed fetch, not a page that owes nothing)."""
    if 200 <= response.status < 300 or response.meta.get("handle_httpstatus_all"):
        return True
    allowed = response.meta.get("handle_httpstatus_list")
    if allowed is None:
        spider = crawler.spider
        allowed = getattr(spider, "handle_httpstatus_list", None) or crawler.settings.getlist(
            "HTTPERROR_ALLOWED_CODES"
        )
    return response.status in {int(code) for code in allowed}


class RunLifecycle:
    """Scrapy extension: settles each article once it is durable (see the module doc)."""

    def __init__(self, crawler: Crawler, store: SeenStore | None) -> None:
        self.crawler = crawler
        self.store = store
        #: articles scraped -> ids of the feed slots that must be stored before they are ready
        self.waiting: dict[ArticleKeys, set[int]] = {}
        #: frontier keys of articles fetched whose processing failed: never settled this run
        self.owed: set[str] = set()
        self.failures: dict[str, int] = {}
        self.finished = False
        # Connected here, before the FeedExporter's own handler (see EXTENSIONS order).
        connect = crawler.signals.connect
        connect(self.spider_opened, signal=signals.spider_opened)
        connect(self.item_scraped, signal=signals.item_scraped)
        connect(self.item_dropped, signal=signals.item_dropped)
        connect(self.item_error, signal=signals.item_error)
        connect(self.feed_slot_closed, signal=signals.feed_slot_closed)
        connect(self.spider_closed, signal=signals.spider_closed)
        connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunLifecycle:
        return cls(crawler, seen_store_from_settings(crawler.settings))

    def count(self, key: str, n: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, n)

    def _component(self, cls: type) -> Any:
        try:
            return self.crawler.get_extension(cls)
        except (KeyError, RuntimeError):
            return None

    def settler(self) -> Settler:
        frontier: FrontierExtension | None = self._component(FrontierExtension)
        archiver: WarcArchiver | None = self._component(WarcArchiver)
        return Settler(
            frontier=frontier.frontier if frontier is not None else None,
            seen=self.store,
            job=frontier.job if frontier is not None else None,
            sync=archiver.sync if archiver is not None else lambda: None,
        )

    # --- start ---------------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        # What the recovery step did before this run (lifecycle.startup.prepare_run).
        report = prepared(self.crawler.settings)
        if report is not None and self.crawler.stats is not None:
            for key, value in report.stats().items():
                if value:
                    self.crawler.stats.set_value(key, value)

    # --- following articles --------------------------------------------------------------------

    def _exporter(self) -> FeedExporter | None:
        exporter: FeedExporter | None = self._component(FeedExporter)
        return exporter

    def item_scraped(self, item: Any, response: Response, spider: Spider) -> None:
        if not isinstance(response, Response) or not answered(response, self.crawler):
            # An errback's item (a story missing a page): written, but owed, so a later run can
            # fetch the story whole.
            request = getattr(response, "request", None)
            if request is not None:
                self._owe(ArticleKeys.from_meta(request.meta))
            return
        keys = ArticleKeys.from_meta(response.meta)
        if not keys:
            return
        exporter = self._exporter()
        slots = {id(s) for s in exporter.slots if s.filter.accepts(item)} if exporter else set()
        self.waiting[keys] = slots
        if not slots:
            self.flush()

    def item_dropped(self, item: Any, response: Response, exception: Exception, spider: Spider) -> None:
        if not isinstance(response, Response):
            return
        keys = ArticleKeys.from_meta(response.meta)
        if type(exception).__name__ in NOTHING_OWED_DROPS and answered(response, self.crawler):
            self.nothing_owed(keys)
            return
        self._owe(keys)
        if not getattr(exception, "counts_attempt", True) and keys.frontier:
            # Its extraction was abandoned at the stop deadline (pipelines.extract): not the page's
            # fault, so the next run tries it without counting an attempt against it.
            frontier: FrontierExtension | None = self._component(FrontierExtension)
            if frontier is not None:
                frontier.excused([keys.frontier])

    def item_error(self, item: Any, response: Response, spider: Spider, failure: Any) -> None:
        if isinstance(response, Response):
            self._owe(ArticleKeys.from_meta(response.meta))

    def nothing_owed(self, keys: ArticleKeys) -> None:
        """The article has nothing to wait for but its WARC records: settled at the next flush."""
        if keys:
            self.waiting.setdefault(keys, set())

    def _owe(self, keys: ArticleKeys) -> None:
        if keys.frontier:
            self.owed.add(keys.frontier)
        if keys:
            self.count("kliping/lifecycle/owed")

    def feed_slot_closed(self, slot: Any) -> None:
        if self._store_failed(slot):
            # Scrapy signals a closed slot even when storing its file failed: its articles stay owed.
            for keys in [k for k, slots in self.waiting.items() if id(slot) in slots]:
                del self.waiting[keys]
                self._owe(keys)
                self.count("kliping/seen/not_marked")
            return
        for slots in self.waiting.values():
            slots.discard(id(slot))
        self.flush()

    def _store_failed(self, slot: Any) -> bool:
        """Whether this slot's batch was not stored: its storage gave it up (a full disk,
        :class:`pipelines.feeds.BatchStorage`), or the FeedExporter counted a storage failure for
        its storage type just now (a storage that raised)."""
        if getattr(slot.storage, "failed", False):
            return True
        stats = self.crawler.stats
        if stats is None:
            return False
        key = f"feedexport/failed_count/{type(slot.storage).__name__}"
        failed = int(stats.get_value(key, 0))
        before = self.failures.get(key, 0)
        self.failures[key] = failed
        return failed > before

    def flush(self) -> None:
        """Settle every article that is ready."""
        ready = [keys for keys, slots in self.waiting.items() if not slots]
        if not ready:
            return
        try:
            settled = self.settler().settle(ready)
        except (OSError, sqlite3.Error, StateFileError) as exc:
            # Left waiting, so owed: the run stops and the next start settles what is durable.
            if not stop_for(self.crawler, exc, self._state_files()):
                raise
            return
        for keys in ready:
            del self.waiting[keys]
        frontier: FrontierExtension | None = self._component(FrontierExtension)
        if frontier is not None:
            frontier.settled(k.frontier for k in ready if k.frontier)
        self.count("kliping/lifecycle/settled", settled)
        self.count("kliping/seen/marked", len([k for k in ready if k.seen]) if self.store else 0)

    def _retry_marks(self) -> None:
        """Marks a shared seen store could not take while it did not answer (Redis frozen, a
        partition) are tried again for up to three times ``KLIPING_REDIS_TIMEOUT`` (once only when a
        stop signal ended the run, whose stop has its own bound): once they land,
        a worker that begins a new round does not fetch those articles again. What still fails is
        left to this worker's next start (the run stays registered for recovery)."""
        pending = getattr(self.store, "pending", None)
        if not pending:
            return
        wait = 3 * float(self.crawler.settings.getfloat("KLIPING_REDIS_TIMEOUT"))
        stats = self.crawler.stats
        if stats is not None and stats.get_value("finish_reason") == "shutdown":
            wait = 0.0  # a stop signal's bound comes first: one more try, then the next start
        logger.warning("%d seen mark(s) were not made while Redis did not answer; trying again", len(pending))
        left = self.store.retry_pending(wait)  # type: ignore[union-attr]
        self.count("kliping/seen/marked_late", len(pending) - left)
        if left:
            self.count("kliping/seen/not_marked", left)
            logger.warning(
                "%d seen mark(s) still not made after %.0f s; this worker's next start makes them", left, wait
            )

    def _state_files(self) -> str:
        frontier: FrontierExtension | None = self._component(FrontierExtension)
        archiver: WarcArchiver | None = self._component(WarcArchiver)
        names = [str(frontier.frontier.path)] if frontier is not None else []
        if archiver is not None and archiver.writer.current_name:
            names.append(archiver.writer.current_name)
        return ", ".join(names) or "the state"

    # --- end -----------------------------------------------------------------------------------

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.finished = reason == "finished"
        # Feed slots close in their own spider_closed handlers; what is durable is flushed there.
        self.flush()

    def engine_stopped(self) -> None:
        # Last: feeds and WARCs are closed by now, so this run needs no recovery unless a write failed.
        self.flush()
        unsaved = [k for k, slots in self.waiting.items() if slots]
        for keys in unsaved:
            self._owe(keys)
        if unsaved:
            # Their text batch was never stored: owed, so the next run fetches them.
            self.count("kliping/seen/not_marked", len(unsaved))
            logger.warning("%d article(s) not settled: their text records were not stored", len(unsaved))
        self._retry_marks()
        stats = self.crawler.stats
        needs_recovery = bool(stats is not None and stats.get_value(NEEDS_RECOVERY_KEY))
        # Under scrapy crawl and scrapyd, a run stopped by a full disk or unusable state exits 6 or 5.
        exit_after(stats.get_value(STOPPED_REASON_KEY) if stats is not None else None)
        frontier: FrontierExtension | None = self._component(FrontierExtension)
        try:
            if frontier is not None:
                frontier.end(finished=self.finished, needs_recovery=needs_recovery, owed=self.owed)
        except (OSError, sqlite3.Error) as exc:
            if not stop_for(self.crawler, exc, str(frontier.frontier.path) if frontier else "the frontier"):
                raise
        finally:
            if frontier is not None:
                frontier.close()
            if self.store is not None:
                self.store.close()


class LifecycleSpiderMiddleware:
    """Gives each story item its request's keys, carries a story's frontier key to the request for
    its next page, and settles a response whose callback yielded nothing (not HTML). A response
    that went to the errback (an HTTP error) settles nothing: a failed fetch is tried again."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LifecycleSpiderMiddleware:
        return cls(crawler)

    def _follow(self, response: Response, obj: Any, keys: ArticleKeys) -> tuple[Any, bool]:
        """``obj`` as handed on, and whether it carries the response's article on."""
        from spiders.items import StoryItem

        if isinstance(obj, StoryItem):
            obj.keys = keys
            return obj, True
        if isinstance(obj, Request):
            request = response.request
            if (
                keys.frontier
                and FRONTIER_META not in obj.meta
                and request
                and obj.callback == request.callback
            ):
                # The story's next page: the article stays owed under its first page's key.
                obj.meta[FRONTIER_META] = keys.frontier
                return obj, True
            return obj, False
        return obj, True  # any other item

    def _done(self, response: Response, keys: ArticleKeys, carried: bool) -> None:
        if carried or not keys.frontier or not answered(response, self.crawler):
            return
        lifecycle: RunLifecycle | None = self.crawler.get_extension(RunLifecycle)
        if lifecycle is not None:
            lifecycle.nothing_owed(keys)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        keys = ArticleKeys.from_meta(response.meta)
        carried = False
        for obj in result:
            obj, carries = self._follow(response, obj, keys)
            carried = carried or carries
            yield obj
        self._done(response, keys, carried)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        keys = ArticleKeys.from_meta(response.meta)
        carried = False
        async for obj in result:
            obj, carries = self._follow(response, obj, keys)
            carried = carried or carries
            yield obj
        self._done(response, keys, carried)


__all__ = ["NOTHING_OWED_DROPS", "LifecycleSpiderMiddleware", "RunLifecycle"]
