"""pywb, the web archivists' replay tool, replays what a crawl archived, byte for byte.

pywb runs from its own virtualenv, ``.venv-pywb`` (``make pywb``): it pins redis 2.10.6, which
would break scrapy-redis in ``.venv``.
"""

from __future__ import annotations

import gzip
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_SITE, REPO, Kliping, Result
from tests.polling import listening, wait_until
from tests.test_scrape import article_urls
from tests.warcs import warc_files

PYWB_BIN = REPO / ".venv-pywb" / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


#: The pywb configuration docs/archive.md has the reader write (without one wayback says
#: "No such file or directory: './config.yaml'").
CONFIG = "framed_replay: true\n"


@contextmanager
def serve_collection(archive: Path, *add: str) -> Iterator[str]:
    """pywb serving a collection made as docs/archive.md shows: init, add, config.yaml, wayback."""
    if not (PYWB_BIN / "wayback").exists():
        pytest.skip(".venv-pywb is absent: run `make pywb` to build pywb's own virtualenv")
    archive.mkdir(parents=True)
    subprocess.run(
        [str(PYWB_BIN / "wb-manager"), "init", "kliping"], cwd=archive, check=True, capture_output=True
    )
    # wb-manager copies the files into the collection: what the test built stays as it was.
    subprocess.run([str(PYWB_BIN / "wb-manager"), "add", *add], cwd=archive, check=True, capture_output=True)
    (archive / "config.yaml").write_text(CONFIG, encoding="utf-8")
    port = free_port()
    log = open(archive / "wayback.log", "wb")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [str(PYWB_BIN / "wayback"), "-p", str(port), "-b", "127.0.0.1", "-t", "2"],
        cwd=archive,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: server.poll() is not None or listening(port), 60, "pywb to listen")
        assert server.poll() is None, "wayback exited at start"
        yield f"http://127.0.0.1:{port}/kliping"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def wayback_dir(
    tmp_path_factory: pytest.TempPathFactory, gzip_scraped: tuple[Path, Result]
) -> Iterator[Path]:
    """pywb serving a collection built from a crawl of the fixture site (served gzip-encoded)."""
    root = tmp_path_factory.mktemp("pywb")
    scraped, result = gzip_scraped
    assert result.code == 0, result.stderr
    warcs = [str(p) for p in warc_files(scraped / "data" / "warc")]
    with serve_collection(root / "archive", "kliping", *warcs) as url:
        (root / "url").write_text(url, encoding="utf-8")
        yield root
    shutil.rmtree(root / "archive", ignore_errors=True)


@pytest.fixture(scope="module")
def wayback(wayback_dir: Path) -> str:
    return (wayback_dir / "url").read_text(encoding="utf-8")


def original_bytes(url: str) -> bytes:
    rows = [line.split("\t") for line in FIXTURE_SITE.read_text(encoding="utf-8").splitlines()[1:] if line]
    (path,) = [row[0] for row in rows if row[1] == url]
    return (FIXTURE_SITE.parent / path).read_bytes()


def test_pywb_replays_an_archived_page(wayback: str) -> None:
    url = article_urls(FIXTURE_SITE)[0]
    status, _, body = fetch(f"{wayback}/2mp_/{url}")  # mp_: the rewritten page itself, not its frame
    assert status == 200
    assert b"Harga Cabai" in body or b"harga cabai" in body.lower()


def test_the_id_url_returns_the_original_bytes(wayback: str) -> None:
    url = article_urls(FIXTURE_SITE)[0]
    status, headers, body = fetch(f"{wayback}/2id_/{url}")
    assert status == 200
    # The page was archived as transferred (gzip); pywb hands it back with its Content-Encoding.
    if headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    assert body == original_bytes(url)


def test_wayback_starts_without_a_config_error(wayback: str, wayback_dir: Path) -> None:
    fetch(f"{wayback}/2id_/{article_urls(FIXTURE_SITE)[0]}")
    log = (wayback_dir / "archive" / "wayback.log").read_text(errors="replace")
    assert "config.yaml" not in log and "Errno" not in log, log


def test_the_wacz_of_an_incremental_run_replays_on_its_own(
    tmp_path: Path, gzip_scraped: tuple[Path, Result]
) -> None:
    # Two scrapes into one output: the second archives only revisits of the first's pages.
    from replayweb import ReplayWeb

    kliping = Kliping(tmp_path)
    (tmp_path / "links.txt").write_text("\n".join(article_urls(FIXTURE_SITE)) + "\n", encoding="utf-8")
    with ReplayWeb([FIXTURE_SITE]) as web:
        for run in ("run-a", "run-b"):
            done = kliping(
                "scrape", "links.txt", "--proxy", web.proxy_url, "-s", f"KLIPING_RUN_ID={run}",
                "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "KLIPING_EXTRACT_WORKERS=1",
            )  # fmt: skip
            assert done.code == 0, done.stderr
    done = kliping("wacz", "--run", "run-b", "-o", "b.wacz")
    assert done.code == 0, done.stderr
    # Only the WACZ goes into pywb's collection: nothing of run a beside it.
    with serve_collection(tmp_path / "pywb", "--unpack-wacz", "kliping", str(tmp_path / "b.wacz")) as url:
        for page in article_urls(FIXTURE_SITE):
            status, headers, body = fetch(f"{url}/2id_/{page}")
            assert status == 200, page
            if headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            assert body == original_bytes(page)
