"""Stop the crawl cleanly before the output volume is full, and once a write has failed for lack of space.

A write that fails half-way leaves a partial record: the WARC writer keeps it in the ``.open``
file (cut off by recovery at the next start), a text batch gets a partial line. Checking the free
space before each archived response (``shutil.disk_usage``, a cheap ``statvfs``) stops the run while
there is still room to close every file whole; the reason is the one line the CLI prints.
"""

from __future__ import annotations

import errno
import logging
import shutil
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from settings.runinfo import local_dir

logger = logging.getLogger(__name__)

#: Stats key holding the one-line reason a run stopped early (printed by the CLI).
STOPPED_KEY = "kliping/stopped"
#: Stats key set when the run's output needs recovery at the next start (kept as a killed run).
NEEDS_RECOVERY_KEY = "kliping/needs_recovery"
#: Stats key holding the reason of an early stop (``no_space``, ``state``...): the exit code's source.
STOPPED_REASON_KEY = "kliping/stopped_reason"


def free_bytes(directory: Path) -> int:
    """Free bytes on the volume holding ``directory`` (or its nearest existing parent)."""
    path = directory.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def stop_crawl(crawler: Crawler, reason: str, message: str, *, needs_recovery: bool = False) -> None:
    """Record why the run stops and close the spider (once)."""
    stats = crawler.stats
    if stats is not None:
        if needs_recovery:
            stats.set_value(NEEDS_RECOVERY_KEY, True)
        if stats.get_value(STOPPED_KEY):
            return
        stats.set_value(STOPPED_KEY, message)
        stats.set_value(STOPPED_REASON_KEY, reason)
        stats.inc_value(f"kliping/errors/{reason}")
    logger.error("%s", message)
    engine = crawler.engine
    if engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=reason))


def is_no_space(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


class OutputSpaceGuard:
    """Scrapy extension: closes the spider (reason ``no_space``) when free space drops below
    ``KLIPING_MIN_FREE_SPACE`` on the WARC or text volume."""

    def __init__(self, crawler: Crawler, directories: list[Path], min_free: int) -> None:
        self.crawler = crawler
        self.directories = directories
        self.min_free = min_free
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutputSpaceGuard:
        settings = crawler.settings
        dirs = [Path(local_dir(settings, "warc")), Path(local_dir(settings, "text"))]
        return cls(crawler, dirs, max(0, settings.getint("KLIPING_MIN_FREE_SPACE")))

    def engine_stopped(self) -> None:
        """After a write failed, cut this run's text batches to their last whole line (the feed
        exporter may have written half a record); the articles cut are re-extracted from the
        WARC at the next start, which sees this run as one to recover."""
        stats = self.crawler.stats
        if stats is None or not stats.get_value(STOPPED_KEY):
            return
        from pipelines.recovery import repair_jsonl
        from settings.runinfo import run_id

        run = run_id(self.crawler.settings)
        text_dir = self.directories[1]
        for path in sorted(text_dir.rglob(f"{run}-*.jsonl")) if run and text_dir.is_dir() else []:
            try:
                if repair_jsonl(path):
                    stats.set_value(NEEDS_RECOVERY_KEY, True)
            except OSError as exc:
                logger.error("%s: cannot repair: %s", path, exc.strerror or exc)

    def response_downloaded(self, spider: Spider, **_: object) -> None:
        if not self.min_free:
            return
        for directory in self.directories:
            free = free_bytes(directory)
            if free < self.min_free:
                stop_crawl(
                    self.crawler,
                    "no_space",
                    f"no space left on device for {directory}: {free} bytes free, "
                    f"KLIPING_MIN_FREE_SPACE is {self.min_free}",
                )
                return


class SpaceGuardPipeline:
    """Item pipeline (last): once the run stops for lack of space, records are not written to the
    text batch (half a record on a full disk would corrupt it); their stories are in the WARC, and
    the next start re-extracts them (``kliping/skipped/no_space``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SpaceGuardPipeline:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        stats = self.crawler.stats
        if stats is not None and stats.get_value(STOPPED_KEY):
            from scrapy.exceptions import DropItem

            stats.inc_value("kliping/skipped/no_space")
            stats.set_value(NEEDS_RECOVERY_KEY, True)
            raise DropItem("run stopped for lack of space: left to recovery")
        return item


__all__ = [
    "NEEDS_RECOVERY_KEY",
    "STOPPED_KEY",
    "STOPPED_REASON_KEY",
    "OutputSpaceGuard",
    "SpaceGuardPipeline",
    "free_bytes",
    "is_no_space",
    "stop_crawl",
]
