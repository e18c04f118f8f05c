"""Start-up check of the output store: a crawl to an unusable store stops before its first request.

An unreachable endpoint, a missing bucket or rejected credentials is found when the crawler
starts, reported as one line naming the endpoint and bucket, and closes the spider with reason
``kliping_store_unusable`` (stat ``kliping/store_error`` holds the line). ``kliping check`` runs
the same check.
"""

from __future__ import annotations

import logging

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.settings import BaseSettings

from archive.stores import SettingsLike, StoreError, output_store

logger = logging.getLogger(__name__)

CLOSE_REASON = "kliping_store_unusable"
STAT_KEY = "kliping/store_error"


def store_problem(settings: SettingsLike) -> str | None:
    """None when files can be put into the output store now, else one line saying why not."""
    try:
        output_store(settings).check()
    except StoreError as exc:
        return str(exc)
    return None


def preflight(settings: BaseSettings) -> None:
    """Raise :class:`StoreError` (one line) unless the output store takes files now.

    Commands call it before the crawl starts (when ``KLIPING_STORE_CHECK`` is on), so an unusable
    store is reported at once, not an hour into the crawl.
    """
    if settings.getbool("KLIPING_STORE_CHECK") and (problem := store_problem(settings)):
        raise StoreError(problem)


class StoreCheck:
    """Scrapy extension: checks the output store in ``from_crawler`` and stops the spider if unusable."""

    def __init__(self, crawler: Crawler, problem: str | None) -> None:
        self.crawler = crawler
        self.problem = problem
        if problem:
            logger.error("%s", problem)
            crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoreCheck:
        if not crawler.settings.getbool("KLIPING_STORE_CHECK"):
            raise NotConfigured("KLIPING_STORE_CHECK is off")
        return cls(crawler, store_problem(crawler.settings))

    def spider_opened(self, spider: Spider) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(STAT_KEY, self.problem)
        raise CloseSpider(CLOSE_REASON)


__all__ = ["CLOSE_REASON", "STAT_KEY", "StoreCheck", "preflight", "store_problem"]
