"""Mark an article seen only once its WARC records and its text record are durable.

A crawl that dies half-way must fetch again whatever it had not safely written, so an article is
not marked when it is scraped but when the text batch holding it is stored: Scrapy sends
``feed_slot_closed`` after a feed slot's file has been stored (for S3, uploaded; for Parquet
written at the run's end, its rows staged: :mod:`pipelines.staged_parquet`). Then the WARC
writer is fsynced, and only then the store is told. Articles that are archived but have no text
record (a page that is not an article) are marked at the next such point, or at the end of the run.

Only requests carrying :data:`SEEN_KEY` in their meta (the ``outlet`` spider's article requests)
take part; a one-off URL list is never marked.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.extensions.feedexport import FeedExporter
from scrapy.http import Response

from archive.extension import WarcArchiver
from state import SeenStore, seen_store_from_settings

logger = logging.getLogger(__name__)

#: Key in ``request.meta`` holding the article's canonical URL, the seen-store key.
SEEN_KEY = "kliping_seen_key"


class SeenTracker:
    """Opens the seen store for the run and marks articles seen once they are durable.

    Spiders read the store through :attr:`store` (``crawler.get_extension(SeenTracker)``).
    """

    def __init__(self, crawler: Crawler, store: SeenStore) -> None:
        self.crawler = crawler
        self.store = store
        #: canonical URL -> ids of the feed slots that must close before it counts as durable
        self.pending: dict[str, set[int]] = {}
        self.failures: dict[str, int] = {}
        # Connected here, before the FeedExporter's own handler (see EXTENSIONS order), so the
        # slots we note are the ones about to export the item, not a fresh batch after them.
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.feed_slot_closed, signal=signals.feed_slot_closed)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeenTracker:
        store = seen_store_from_settings(crawler.settings)
        if store is None:
            raise NotConfigured("KLIPING_STATE is empty: no seen-article state")
        return cls(crawler, store)

    def count(self, key: str, n: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, n)

    def _exporter(self) -> FeedExporter | None:
        try:
            return self.crawler.get_extension(FeedExporter)
        except (KeyError, RuntimeError):
            return None

    def item_scraped(self, item: Any, response: Response, spider: Spider) -> None:
        # Items from an errback (a story missing a page) come with a Failure: never marked seen.
        key = response.meta.get(SEEN_KEY) if isinstance(response, Response) else None
        if not key:
            return
        exporter = self._exporter()
        slots = {id(s) for s in exporter.slots if s.filter.accepts(item)} if exporter else set()
        self.pending[key] = slots
        if not slots:
            self._flush()

    def item_dropped(self, item: Any, response: Response, exception: Exception, spider: Spider) -> None:
        key = response.meta.get(SEEN_KEY) if isinstance(response, Response) else None
        # A page archived but not an article has no text record to wait for; a failed
        # extraction is not seen, so a later run (with a better extractor) tries again.
        if key and type(exception).__name__ in ("NotAnArticle", "TooLarge"):
            self.pending.setdefault(key, set())

    def feed_slot_closed(self, slot: Any) -> None:
        if self._store_failed(slot):
            # Scrapy signals a closed slot even when storing its file failed: its articles stay unseen.
            for key in [k for k, waiting in self.pending.items() if id(slot) in waiting]:
                del self.pending[key]
                self.count("kliping/seen/not_marked")
            return
        for waiting in self.pending.values():
            waiting.discard(id(slot))
        self._flush()

    def _store_failed(self, slot: Any) -> bool:
        """Whether the FeedExporter counted a storage failure for this slot's storage type just now."""
        stats = self.crawler.stats
        if stats is None:
            return False
        key = f"feedexport/failed_count/{type(slot.storage).__name__}"
        failed = int(stats.get_value(key, 0))
        before = self.failures.get(key, 0)
        self.failures[key] = failed
        return failed > before

    def _flush(self) -> None:
        ready = [key for key, waiting in self.pending.items() if not waiting]
        if not ready:
            return
        archiver = self._archiver()
        if archiver is not None:
            archiver.writer.sync()
        self.store.mark_seen(ready)
        for key in ready:
            del self.pending[key]
        self.count("kliping/seen/marked", len(ready))

    def _archiver(self) -> WarcArchiver | None:
        try:
            return self.crawler.get_extension(WarcArchiver)
        except (KeyError, RuntimeError):
            return None

    def spider_closed(self, spider: Spider, reason: str) -> None:
        # Feed slots close in their own spider_closed handler; what is durable is flushed there.
        self._flush()

    def engine_stopped(self) -> None:
        self._flush()
        unsaved = [k for k, waiting in self.pending.items() if waiting]
        if unsaved:
            # Their text batch was never stored: leave them unseen so the next run fetches them.
            self.count("kliping/seen/not_marked", len(unsaved))
            logger.warning("%d article(s) not marked seen: their text records were not stored", len(unsaved))
        self.store.close()
