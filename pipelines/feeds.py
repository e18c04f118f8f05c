"""Parameters for the text feed URIs in ``FEEDS``: output root, run id and date."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scrapy import Spider

from settings.runinfo import output_dir, run_id


def uri_params(params: dict[str, Any], spider: Spider) -> dict[str, Any]:
    """``FEED_URI_PARAMS`` hook: adds ``output``, ``run_id`` and ``date`` to the URI template values."""
    settings = spider.crawler.settings
    return {
        **params,
        "output": output_dir(settings).rstrip("/"),
        "run_id": run_id(settings),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "spider_name": spider.name,
    }
