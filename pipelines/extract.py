"""Extract article records from stories in worker processes, off the Twisted reactor thread.

Extraction is the pipeline's bottleneck: run inside the reactor it would stall downloads and
leave the second core idle, so stories go to a process pool and the reactor awaits the result.
This process never imports the extraction stack: the workers build the options from the
``KLIPING_EXTRACT_*`` settings (see :mod:`pipelines.pool`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from archive.extension import WarcArchiver
from archive.stories import Story
from pipelines.pool import extract_settings, extraction_pool, run_story
from settings.runinfo import run_id
from spiders.items import StoryItem

logger = logging.getLogger(__name__)


class NotAnArticle(DropItem):
    """The story's page has no article text (an index page, a video page, an error page)."""


class ExtractionFailed(DropItem):
    """The extractor raised on this story; counted as an error."""


class TooLarge(DropItem):
    """The body is larger than ``KLIPING_EXTRACT_MAX_FILE_SIZE``: archived, not extracted."""


class ExtractPipeline:
    """Turns each :class:`StoryItem` into an article record (a dict) using a pool of worker processes."""

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
        self.pool: ProcessPoolExecutor | None = None
        self.archiver = crawler.get_extension(WarcArchiver)

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
            self.pool.shutdown(wait=True, cancel_futures=False)
            self.pool = None

    def count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)

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
        pages = [page.to_dict() for page in item.pages]
        loop = asyncio.get_running_loop()
        try:
            record = await loop.run_in_executor(
                self.pool, run_story, pages, item.hints, self.run_id, item.url
            )
        except Exception as exc:
            # Never a silent loss: the page stays in the WARC and the run reports the failure.
            self.count("kliping/errors/extraction")
            logger.error("extraction failed for %s: %s: %s", item.pages[0].url, type(exc).__name__, exc)
            raise ExtractionFailed(f"extraction failed: {item.pages[0].url}") from exc
        if record is None:
            self.count("kliping/skipped/not_article")
            raise NotAnArticle(f"no article text: {item.pages[0].url}")
        self.count("kliping/articles/extracted")
        return record
