"""The crawl's process: Scrapy defaults kliping changes, and what it does not import at start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scrapy.settings import Settings

from settings.scrapy_addons import REMOTE_CONTROL, WithoutRemoteControl

REPO = Path(__file__).resolve().parents[1]


def test_the_remote_control_extension_is_not_in_the_crawl() -> None:
    settings = Settings()
    assert REMOTE_CONTROL in settings.getdict("EXTENSIONS_BASE")
    WithoutRemoteControl().update_settings(settings)
    assert REMOTE_CONTROL not in settings.getdict("EXTENSIONS_BASE")


def test_a_crawler_starts_without_aiohttp_or_the_cdxj_indexer() -> None:
    # Memory the crawl's process would hold for nothing (aiohttp) or only needs at its end (CDXJ).
    code = (
        "import sys\n"
        "from scrapy.crawler import CrawlerProcess\n"
        "from scrapy.utils.project import get_project_settings\n"
        "process = CrawlerProcess(get_project_settings())\n"
        "crawler = process.create_crawler('urls')\n"
        "crawler._apply_settings()\n"
        "print(sorted({'aiohttp', 'cdxj_indexer', 'requests'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
