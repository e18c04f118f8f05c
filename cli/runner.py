"""Run one spider in-process with the project's settings and give back its stats."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings


def project_settings(overrides: Mapping[str, Any] = ()) -> Settings:  # type: ignore[assignment]
    """The kliping settings (wherever the command runs from) with command-line overrides on top."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "settings")
    settings = get_project_settings()
    settings.setdict(dict(overrides), priority="cmdline")
    return settings


def run_spider(name: str, settings: Settings, **spider_args: Any) -> dict[str, Any]:
    """Crawl with spider ``name`` until it finishes; returns the crawl's stats."""
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(name)
    process.crawl(crawler, **spider_args)
    process.start()
    assert crawler.stats is not None
    return dict(crawler.stats.get_stats())
