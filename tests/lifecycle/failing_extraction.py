"""An item pipeline for the tests: extraction fails for the articles named in the setting
``TEST_FAIL_EXTRACTION`` (URL substrings), as a crashed or timed-out worker would make it fail."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from pipelines.extract import ExtractionFailed
from spiders.items import StoryItem


class FailingExtraction:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.fail = crawler.settings.getlist("TEST_FAIL_EXTRACTION")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailingExtraction:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, StoryItem) and any(part in item.pages[0].url for part in self.fail):
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("kliping/errors/extraction")
            raise ExtractionFailed(f"extraction failed: {item.pages[0].url}")
        return item
