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
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_SITE, REPO, Result
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


@pytest.fixture(scope="module")
def wayback(tmp_path_factory: pytest.TempPathFactory, gzip_scraped: tuple[Path, Result]) -> Iterator[str]:
    """pywb serving a collection built from a crawl of the fixture site (served gzip-encoded)."""
    if not (PYWB_BIN / "wayback").exists():
        pytest.skip(".venv-pywb is absent: run `make pywb` to build pywb's own virtualenv")
    root = tmp_path_factory.mktemp("pywb")
    scraped, result = gzip_scraped
    assert result.code == 0, result.stderr
    archive = root / "archive"
    archive.mkdir()
    subprocess.run(
        [str(PYWB_BIN / "wb-manager"), "init", "kliping"], cwd=archive, check=True, capture_output=True
    )
    # wb-manager copies the WARCs into the collection: the shared scrape stays as it was.
    warcs = [str(p) for p in warc_files(scraped / "data" / "warc")]
    subprocess.run(
        [str(PYWB_BIN / "wb-manager"), "add", "kliping", *warcs], cwd=archive, check=True, capture_output=True
    )
    port = free_port()
    server = subprocess.Popen(
        [str(PYWB_BIN / "wayback"), "-p", str(port), "-b", "127.0.0.1", "-t", "2"],
        cwd=archive,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: server.poll() is not None or listening(port), 60, "pywb to listen")
        assert server.poll() is None, "wayback exited at start"
        yield f"http://127.0.0.1:{port}/kliping"
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(archive, ignore_errors=True)


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
