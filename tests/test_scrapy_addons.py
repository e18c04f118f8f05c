"""Scrapy defaults kliping changes through add-ons."""

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


def test_a_crawler_built_from_the_project_settings_never_imports_aiohttp() -> None:
    code = (
        "import sys\n"
        "from scrapy.crawler import CrawlerProcess\n"
        "from scrapy.utils.project import get_project_settings\n"
        "process = CrawlerProcess(get_project_settings())\n"
        "crawler = process.create_crawler('urls')\n"
        "crawler._apply_settings()\n"
        "print('aiohttp' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"
