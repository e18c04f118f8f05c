"""One scrape of the fixture site shared by the CLI tests that only read its output."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from replayweb import ReplayWeb
from tests.cli.helpers import article_urls
from tests.conftest import Kliping, Result


@pytest.fixture(scope="session")
def scraped_run(
    tmp_path_factory: pytest.TempPathFactory, site_web: ReplayWeb
) -> Iterator[tuple[Path, Result]]:
    """The fixture site's articles scraped once (plus one bad line), with progress lines on."""
    cwd = tmp_path_factory.mktemp("scraped")
    (cwd / "links.txt").write_text("\n".join(article_urls()) + "\nftp://files.example/x\n", encoding="utf-8")
    result = Kliping(cwd)(
        "scrape",
        "links.txt",
        "--proxy",
        site_web.proxy_url,
        "-s",
        "AUTOTHROTTLE_ENABLED=0",
        "-s",
        "KLIPING_PROGRESS_INTERVAL=0.2",
    )
    yield cwd, result


@pytest.fixture
def scraped(scraped_run: tuple[Path, Result]) -> Path:
    return scraped_run[0]
