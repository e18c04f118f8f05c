"""Shared fixtures: the replay web over the repository's own pages and over the shared corpus,
a runner for the real ``kliping`` command line in a subprocess, and scrapes of the fixture site
that many tests read (each run once per session; tests copy what they change)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from replayweb import ReplayWeb

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
FIXTURE_SITE = FIXTURES / "site" / "MANIFEST.tsv"
FIXTURE_OUTLETS = FIXTURES / "outlets"


@pytest.fixture(autouse=True)
def _environment_restored() -> Iterator[None]:
    """Each test gets the environment the session started with. Code under test may set variables
    (``cli.runner.project_settings`` sets ``SCRAPY_SETTINGS_MODULE``), and a later test's
    subprocess would inherit them: with several tests per process, which one depends on order."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def corpus_path() -> Path:
    """The shared corpus: ``KLIPING_CORPUS``, else ``../shared/corpus`` beside the repository."""
    value = os.environ.get("KLIPING_CORPUS")
    if not value:
        return REPO.parent / "shared" / "corpus"
    # A relative path (the Makefile's ../shared/corpus) is relative to the repository.
    return Path(value) if Path(value).is_absolute() else (REPO / value).resolve()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    path = corpus_path()
    if not (path / "MANIFEST.tsv").is_file():
        pytest.skip(f"shared corpus not found at {path} (set KLIPING_CORPUS to its folder)")
    return path


@pytest.fixture(scope="session")
def site_web() -> Iterator[ReplayWeb]:
    """The repository's own fixture site, served at its real URLs."""
    with ReplayWeb([FIXTURE_SITE]) as web:
        yield web


@pytest.fixture(scope="session")
def corpus_web(corpus_dir: Path) -> Iterator[ReplayWeb]:
    """The shared corpus, served at its real URLs."""
    with ReplayWeb([corpus_dir / "MANIFEST.tsv"]) as web:
        yield web


@dataclass
class Result:
    """What a ``kliping`` run printed and returned."""

    code: int
    stdout: str
    stderr: str


@dataclass
class Kliping:
    """Runs the real ``kliping`` command in a subprocess, in its own working directory."""

    cwd: Path

    def __call__(self, *args: str, timeout: float = 240, env: dict[str, str] | None = None) -> Result:
        """Run ``kliping ARGS``; ``env`` adds variables to this process's environment."""
        env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
        proc = subprocess.run(
            [sys.executable, "-m", "cli", *args],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def kliping(tmp_path: Path) -> Kliping:
    return Kliping(tmp_path)


def site_page(url: str) -> bytes:
    """The fixture site's saved page for ``url``."""
    rows = [line.split("\t") for line in FIXTURE_SITE.read_text(encoding="utf-8").splitlines()[1:] if line]
    (path,) = [row[0] for row in rows if row[1] == url]
    return (FIXTURE_SITE.parent / path).read_bytes()


def site_articles() -> list[str]:
    """The fixture site's article URLs, in manifest order."""
    rows = [line.split("\t") for line in FIXTURE_SITE.read_text(encoding="utf-8").splitlines()[1:] if line]
    return [row[1] for row in rows if row[3] == "article"]


#: The URL list of the shared scrape: a comment and a blank line, the fixture site's articles
#: (lines 3 to 5), then bad lines: an unsupported scheme, a malformed URL, a duplicate of line 3.
SCRAPED_LIST = "\n".join(
    ["# links", "", *site_articles(), "ftp://files.example/x", "not a url", site_articles()[0]]
)


@pytest.fixture(scope="session")
def scraped_run(tmp_path_factory: pytest.TempPathFactory, site_web: ReplayWeb) -> tuple[Path, Result]:
    """``kliping scrape`` of :data:`SCRAPED_LIST` through the fixture site, progress lines on.

    Tests must not change its directory; one that writes (``kliping extract --output``...) works in
    its own ``tmp_path`` and names these files by absolute path.
    """
    cwd = tmp_path_factory.mktemp("scraped")
    (cwd / "links.txt").write_text(SCRAPED_LIST + "\n", encoding="utf-8")
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
    return cwd, result


@pytest.fixture
def scraped(scraped_run: tuple[Path, Result]) -> Path:
    """The shared scrape's directory (``data/warc``, ``data/text``, ``data/runs``...)."""
    return scraped_run[0]


@pytest.fixture(scope="session")
def gzip_scraped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """The fixture site's articles scraped from a replay web that answers gzip-encoded."""
    cwd = tmp_path_factory.mktemp("gzip-scraped")
    (cwd / "links.txt").write_text("\n".join(site_articles()) + "\n", encoding="utf-8")
    with ReplayWeb([FIXTURE_SITE], gzip=True) as web:
        result = Kliping(cwd)("scrape", "links.txt", "--proxy", web.proxy_url, "-s", "AUTOTHROTTLE_ENABLED=0")
    return cwd, result
