"""Sends finished files from the local spool to a remote output store while the crawl runs.

Each WARC is uploaded as soon as the writer closes it (signal ``warc_file_closed``), with any
CDXJ index beside it; files a previous run left in the spool are sent at start-up; at the end
everything complete in the spool is tried once more. Uploads run in threads, off the reactor.
A failed upload leaves the file in the spool (durable on local disk) for the next run or
``kliping upload``. Every upload is bounded (``KLIPING_S3_*_TIMEOUT``, :mod:`archive.stores.s3`);
once a stop signal came, by ``KLIPING_SHUTDOWN_TIMEOUT`` too.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.extensions.feedexport import FeedExporter
from twisted.internet.defer import Deferred, DeferredList
from twisted.internet.threads import deferToThread

from archive.extension import warc_file_closed
from archive.stores import Store, StoreError, output_store
from archive.stores.spool import (
    SpoolResult,
    is_complete,
    prune_empty_dirs,
    spool_key,
    spool_root,
    spooled_files,
    upload_spool,
)
from fetch.shutdown import stop_requested
from monitor.extension import summary_written
from settings.runinfo import is_remote

logger = logging.getLogger(__name__)

INDEX_SUFFIXES = (".cdxj", ".cdxj.gz", ".cdx", ".cdx.gz")


def warc_stem(path: Path) -> str:
    name = path.name
    for suffix in (".warc.gz", ".warc"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def index_files(warc: Path) -> list[Path]:
    """CDXJ (or CDX) indexes written beside a WARC: ``<stem>.cdxj``, ``<stem>.warc.gz.cdxj``, ..."""
    stem = warc_stem(warc)
    return sorted(
        p
        for p in warc.parent.glob(f"{stem}.*")
        if p != warc and is_complete(p) and p.name.endswith(INDEX_SUFFIXES)
    )


class StoreUploader:
    """Scrapy extension that puts spooled WARCs, indexes and leftovers into the remote output store."""

    def __init__(self, crawler: Crawler, store: Store, spool: Path) -> None:
        self.crawler = crawler
        self.store = store
        self.spool = spool
        self.pending: list[Deferred[Any]] = []
        #: spool keys whose upload failed this run: each is warned about and counted once, however
        #: often it is tried again (the final sweep retries everything).
        self.failed_keys: set[str] = set()
        # Fired when every text batch is stored (and staged Parquet converted): the final sweep waits.
        self.feeds_closed: Deferred[None] = Deferred()
        crawler.signals.connect(self.warc_closed, signal=warc_file_closed)
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.summary_written, signal=summary_written)
        crawler.signals.connect(self.feed_exporter_closed, signal=signals.feed_exporter_closed)
        crawler.signals.connect(self.stop_requested, signal=stop_requested)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoreUploader:
        settings = crawler.settings
        if not is_remote(settings):
            raise NotConfigured
        try:
            store = output_store(settings)
        except StoreError as exc:
            raise NotConfigured(str(exc)) from exc
        return cls(crawler, store, spool_root(settings))

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def _track(self, deferred: Deferred[Any]) -> None:
        self.pending.append(deferred)

        def done(result: Any) -> Any:
            self.pending.remove(deferred)
            return result

        deferred.addBoth(done)

    def put(self, path: Path) -> bool:
        """Upload one spooled file (runs in a thread); False (and a warning) when it stays in the spool."""
        try:
            self.store.put(path, spool_key(self.spool, path))
        except FileNotFoundError:
            return True
        except StoreError as exc:
            self.upload_failed(spool_key(self.spool, path), str(exc), path)
            return False
        self._inc("kliping/store/uploaded")
        return True

    def upload_failed(self, key: str, why: str, path: Path) -> None:
        """A file stays in the spool: one warning and one count per file and run."""
        if key in self.failed_keys:
            return
        self.failed_keys.add(key)
        self._inc("kliping/store/failed")
        logger.warning("%s; kept in the spool at %s (`kliping upload` sends it)", why, path)

    def _put_warc(self, warc: Path) -> None:
        self.put(warc)
        for index in index_files(warc):
            self.put(index)

    def stop_requested(self, timeout: float) -> None:
        # A stop must not wait minutes on a slow or hung store: what does not make it in time
        # stays in the spool, durable, for the next run or `kliping upload`.
        self.store.limit_waits(timeout)

    def summary_written(self, path: Path) -> None:
        # The run summary is the last file of a run, written as the engine stops: no later sweep
        # would send it, so it goes up now (blocking is fine, nothing else is running).
        self.put(Path(path))

    def warc_closed(self, path: Path | str) -> None:
        self._track(deferToThread(self._put_warc, Path(path)))

    def _sweep(self) -> SpoolResult:
        result = upload_spool(self.store, self.spool)
        prune_empty_dirs(self.spool)
        return result

    def _report(self, result: SpoolResult, when: str) -> None:
        if result.sent:
            self._inc("kliping/store/uploaded", len(result.sent))
            logger.info("sent %d spooled file(s) %s to %s", len(result.sent), when, self.store.uri)
        for key, line in zip(result.failed_keys, result.failed, strict=True):
            self.upload_failed(key, line, self.spool / key)

    def engine_started(self) -> None:
        d = deferToThread(self._sweep)
        d.addCallback(self._report, "left by an earlier run")
        self._track(d)

    def feed_exporter_closed(self) -> None:
        if not self.feeds_closed.called:
            self.feeds_closed.callback(None)

    def spider_closed(self, spider: Spider, reason: str) -> Deferred[Any]:
        # By now the WARC writer has closed its last file (its handler ran first) and queued it here;
        # text batches close in tasks of their own, and Parquet is converted after them.
        pending = list(self.pending) + ([self.feeds_closed] if feeds_active(self.crawler) else [])
        waiting: Deferred[Any] = DeferredList(pending, consumeErrors=True)

        def final_sweep(_: Any) -> Deferred[SpoolResult]:
            return deferToThread(self._sweep)

        def finish(result: SpoolResult) -> None:
            self._report(result, "at the end of the run")
            if self.crawler.stats is not None:
                left = sum(1 for _ in spooled_files(self.spool))
                self.crawler.stats.set_value("kliping/store/spooled", left)
                # The final sweep tries every file left: what it could not send, this run did not.
                self.crawler.stats.set_value("kliping/store/failed_at_end", len(result.failed))

        d: Deferred[Any] = waiting.addCallback(final_sweep)
        d.addCallback(finish)
        return d


def feeds_active(crawler: Crawler) -> bool:
    """Whether Scrapy's ``FeedExporter`` runs in this crawl (so ``feed_exporter_closed`` will come)."""
    try:
        return crawler.get_extension(FeedExporter) is not None
    except (KeyError, RuntimeError):
        return False


__all__ = ["StoreUploader", "feeds_active", "index_files"]
