"""Extract article records from stories in worker processes, off the Twisted reactor thread.

Extraction is the pipeline's bottleneck: run inside the reactor it would stall downloads and
leave the second core idle, so stories go to a process pool (:mod:`pipelines.pool`, each story
under a hard budget) and the reactor awaits the result.
This process never imports the extraction stack: the workers build the options from the
``KLIPING_EXTRACT_*`` settings (see :mod:`pipelines.pool`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from archive.extension import WarcArchiver
from archive.stories import Story
from fetch.shutdown import stop_deadline_reached
from pipelines.pool import (
    ExtractionPool,
    PoolClosed,
    TaskError,
    TaskFailed,
    extract_settings,
    extraction_pool,
    run_story,
)
from settings.runinfo import run_id
from spiders.items import StoryItem

logger = logging.getLogger(__name__)


class NotAnArticle(DropItem):
    """The story's page has no article text (an index page, a video page, an error page)."""


class ExtractionFailed(DropItem):
    """The extractor raised on this story, went over its budget or lost its worker; counted as an
    error. The story stays owed (the frontier does not settle it): a later run fetches and
    extracts it again."""

    owed = True


class ExtractionAbandoned(DropItem):
    """The story's extraction was abandoned at the stop deadline: owed to the next run, no fault."""

    owed = True
    counts_attempt = False


class TooLarge(DropItem):
    """The body is larger than ``KLIPING_EXTRACT_MAX_FILE_SIZE``: archived, not extracted."""


#: Stats key listing the stories owed to a later run because their extraction failed, each with
#: its URL, the reason and its WARC pointer (``file#offset``); at most :data:`OWED_LISTED` listed.
OWED_KEY = "kliping/owed/extraction"
OWED_LISTED = 100


def warc_pointer(warc: dict[str, Any] | None) -> str:
    """Where a page's response record is: ``file#offset`` (what ``kliping extract`` reads)."""
    if not warc:
        return "not archived"
    return f"{warc.get('file', '?')}#{warc.get('offset', '?')}"


class ExtractPipeline:
    """Turns each :class:`StoryItem` into an article record (a dict) using a pool of worker processes.

    Each story gets a hard budget (``KLIPING_EXTRACT_TIMEOUT`` CPU seconds per page,
    ``KLIPING_EXTRACT_MAX_MEMORY``); one over it is abandoned, counted (``extract_timeout``,
    ``extract_memory``), logged with its WARC pointer and left owed to a later run.
    """

    def __init__(
        self,
        crawler: Crawler,
        options: dict[str, Any],
        workers: int,
        max_bytes: int,
        run: str,
    ) -> None:
        self.crawler = crawler
        self.options = options  # the KLIPING_EXTRACT_* settings, plain values
        self.workers = workers
        self.max_bytes = max_bytes
        self.run_id = run
        self.pool: ExtractionPool | None = None
        #: The stop deadline has passed: stories that reach the pipeline now are not started.
        self.stopped = False
        self.archiver = crawler.get_extension(WarcArchiver)
        crawler.signals.connect(self.stop_deadline_reached, signal=stop_deadline_reached)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        settings = crawler.settings
        workers = settings.getint("KLIPING_EXTRACT_WORKERS") or os.cpu_count() or 1
        return cls(
            crawler,
            extract_settings(settings.copy_to_dict()),
            workers,
            settings.getint("KLIPING_EXTRACT_MAX_FILE_SIZE"),
            run_id(settings),
        )

    def open_spider(self) -> None:
        self.pool = extraction_pool(self.workers, settings=self.options)

    def close_spider(self) -> None:
        if self.pool is not None:
            # Every item has left the pipeline by now (Scrapy waits for them): nothing is waited on
            # but the workers' exit.
            self.pool.shutdown(wait=True)
            self.pool = None

    def stop_deadline_reached(self) -> tuple[str, int]:
        """The stop deadline passed (fetch.shutdown): abandon the stories still being extracted, and
        start none of those still on their way (the stop is a hard bound)."""
        self.stopped = True
        return "extractions", self.pool.abandon() if self.pool is not None else 0

    def count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)

    def owe(self, item: StoryItem, reason: str) -> None:
        stats = self.crawler.stats
        if stats is None:
            return
        owed = list(stats.get_value(OWED_KEY) or [])
        if len(owed) < OWED_LISTED:
            page = item.pages[0]
            owed.append({"url": item.url or page.url, "reason": reason, "warc": warc_pointer(page.warc)})
            stats.set_value(OWED_KEY, owed)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, StoryItem):
            return item
        if any(len(page.body) > self.max_bytes for page in item.pages):
            self.count("kliping/skipped/too_large")
            raise TooLarge(f"body over {self.max_bytes} bytes: {item.pages[0].url}")
        assert self.pool is not None
        if self.archiver is not None and all(page.warc for page in item.pages):
            pages_ids = tuple((p.url, str((p.warc or {})["record_id"])) for p in item.pages)
            self.archiver.record_story(
                Story(
                    outlet=item.outlet,
                    run_id=self.run_id,
                    pages=pages_ids,
                    url=item.url,
                    frontier_key=item.keys.frontier,
                    seen_key=item.keys.seen,
                )
            )
        if self.stopped:
            self.count("kliping/shutdown/abandoned_extractions")
            raise ExtractionAbandoned(f"extraction not started, the run is stopping: {item.pages[0].url}")
        pages = [page.to_dict() for page in item.pages]
        task = self.pool.submit_task(
            run_story, (pages, item.hints, self.run_id, item.url), budget_scale=len(pages)
        )
        first = item.pages[0]
        try:
            record = await asyncio.wrap_future(task)
        except PoolClosed as exc:
            self.count("kliping/shutdown/abandoned_extractions")
            raise ExtractionAbandoned(f"extraction abandoned at the stop: {first.url}") from exc
        except TaskFailed as exc:
            # Never a silent loss: the page stays in the WARC, the story stays owed to a later run,
            # and the run reports the failure.
            key = "extraction" if isinstance(exc, TaskError) else f"extract_{exc.kind}"
            self.count(f"kliping/errors/{key}")
            self.owe(item, key)
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            logger.error(
                "extraction failed for %s (WARC %s): %s; owed to the next run",
                first.url,
                warc_pointer(first.warc),
                detail,
            )
            raise ExtractionFailed(f"extraction failed: {first.url}") from exc
        if record is None:
            self.count("kliping/skipped/not_article")
            raise NotAnArticle(f"no article text: {first.url}")
        self.count("kliping/articles/extracted")
        return record
