"""Run one spider in-process with the project's settings and give back its stats."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.log import get_scrapy_root_handler
from scrapy.utils.project import get_project_settings

#: Loggers whose INFO lines are shown even when Scrapy's own INFO log is hidden.
SHOWN_INFO_LOGGERS = ("kliping.progress",)


def project_settings(overrides: Mapping[str, Any] = ()) -> Settings:  # type: ignore[assignment]
    """The kliping settings (wherever the command runs from) with command-line overrides on top."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "settings")
    settings = get_project_settings()
    settings.setdict(dict(overrides), priority="cmdline")
    return settings


class WarningsAndProgress(logging.Filter):
    """Pass warnings and errors, and the progress lines; hide the rest of the INFO chatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.startswith(SHOWN_INFO_LOGGERS)


def run_spider(name: str, settings: Settings, *, quiet: bool = False, **spider_args: Any) -> dict[str, Any]:
    """Crawl with spider ``name`` until it finishes; returns the crawl's stats.

    ``quiet`` keeps Scrapy's INFO lines off stderr while kliping's progress lines still show.
    """
    process = CrawlerProcess(settings)
    handler = get_scrapy_root_handler()
    if quiet and handler is not None:
        handler.addFilter(WarningsAndProgress())
    crawler = process.create_crawler(name)
    process.crawl(crawler, **spider_args)
    process.start()
    assert crawler.stats is not None
    return dict(crawler.stats.get_stats())
