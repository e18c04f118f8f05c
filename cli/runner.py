"""Run one spider in-process with the project's settings and give back its stats."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

#: Logger whose INFO lines are shown even when Scrapy's own INFO log is hidden.
PROGRESS_LOGGER = "kliping.progress"


def project_settings(
    overrides: Mapping[str, Any] = (),  # type: ignore[assignment]
    *,
    environment: bool = True,
) -> Settings:
    """The kliping settings (wherever the command runs from): the settings module, the environment's
    settings (unless ``environment`` is False: the caller applies them) and ``overrides`` on top."""
    from settings.check import apply_environment

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "settings")
    settings = get_project_settings()
    if environment:
        apply_environment(settings)
    settings.setdict(dict(overrides), priority="cmdline")
    return settings


def show_progress_on_stderr() -> None:
    """Give the progress logger its own stderr handler, so it shows when LOG_LEVEL hides INFO."""
    progress = logging.getLogger(PROGRESS_LOGGER)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    handler.setLevel(logging.INFO)
    progress.addHandler(handler)
    progress.propagate = False


def run_spider(name: str, settings: Settings, *, quiet: bool = False, **spider_args: Any) -> dict[str, Any]:
    """Crawl with spider ``name`` until it finishes; returns the crawl's stats.

    ``quiet`` keeps Scrapy's INFO lines off stderr while kliping's progress lines still show.
    """
    from lifecycle.stops import caller_sets_exit_code

    caller_sets_exit_code()  # the command reads the stats for its exit code (cli/outcome.py)
    process = CrawlerProcess(settings)
    if quiet:
        show_progress_on_stderr()
    crawler = process.create_crawler(name)
    process.crawl(crawler, **spider_args)
    process.start()
    assert crawler.stats is not None
    return dict(crawler.stats.get_stats())
