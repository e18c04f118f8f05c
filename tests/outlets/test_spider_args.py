"""Spider arguments are typed: an unknown outlet or a bad date is one line and exit code 2, from
``kliping crawl`` and from ``scrapy crawl outlet`` alike."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, Kliping


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-a", "outlet=nosuch"], "scrapy crawl outlet: unknown outlet 'nosuch' (known: "),
        (["-a", "since=2024-13-01"], "scrapy crawl outlet: argument since: Input should be a valid date"),
    ],
)
def test_scrapy_crawl_rejects_bad_arguments_in_one_line(args: list[str], message: str) -> None:
    scrapy = Path(sys.executable).with_name("scrapy")
    proc = subprocess.run(
        [str(scrapy), "crawl", "outlet", *args, "-s", "LOG_LEVEL=ERROR"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith(message)
    assert len(proc.stderr.strip().splitlines()) == 1


def test_kliping_crawl_rejects_a_bad_date(kliping: Kliping) -> None:
    result = kliping("crawl", "detik", "--since", "yesterday")
    assert result.code == 2
    assert result.stderr.startswith("kliping crawl: argument since: Input should be a valid date")
    assert "Traceback" not in result.stderr
