"""A full output volume stops the run with one clear line, exit 1, and no corrupt file under a final name."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.recovery import scan_complete
from replayweb import ReplayWeb
from tests.conftest import Kliping
from tests.robustness.webgen import HOST, write_list
from tests.volumes import MountError, tmpfs
from tests.warcs import warcio_check


@pytest.fixture
def tiny_volume(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs mounted for the test (needs root; skipped otherwise)."""
    try:
        with tmpfs(tmp_path / "vol", "2m") as mount:
            yield mount
    except MountError as exc:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {exc}")


#: Maps every byte value to a lower-case letter, so random bytes become random words.
LETTERS = bytes(ord("a") + value % 26 for value in range(256))


def bulky_pages(web: ReplayWeb, count: int) -> list[str]:
    """Pages of ~120 KB of random words gzip cannot shrink much, so a 2 MB volume fills in a few pages."""
    rng = random.Random(11)
    web.add(f"{HOST}/robots.txt", b"User-agent: *\nAllow: /\n", content_type="text/plain")
    urls = []
    for n in range(count):
        letters = rng.randbytes(15000 * 7).translate(LETTERS)
        words = b" ".join(letters[i : i + 7] for i in range(0, len(letters), 7))
        body = b"<html><body><article><h1>Judul %d</h1><p>%s</p></article></body></html>" % (n, words)
        url = f"{HOST}/berita/2024/02/12/{7000 + n}/besar-{n}"
        web.add(url, body, content_type="text/html; charset=utf-8")
        urls.append(url)
    return urls


def assert_final_files_whole(root: Path) -> None:
    for path in root.rglob("*"):
        if path.name.endswith(".warc.gz"):
            assert warcio_check(path).returncode == 0, path
        elif path.name.endswith(".warc.gz.open"):
            assert scan_complete(path)[1] > 0, path  # recoverable at the next start
        elif path.name.endswith(".jsonl"):
            for line in path.read_text(encoding="utf-8").splitlines():
                json.loads(line)


def scrape_into(kliping: Kliping, volume: Path, min_free: int) -> tuple[int, str]:
    with ReplayWeb() as web:
        write_list(kliping.cwd, bulky_pages(web, 80))
        result = kliping(
            "scrape", "links.txt", "--proxy", web.proxy_url, "--output", str(volume / "data"),
            "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS=1", "-s", "KLIPING_EXTRACT_WORKERS=1",
            "-s", f"KLIPING_MIN_FREE_SPACE={min_free}",
        )  # fmt: skip
    return result.code, result.stderr


def test_low_free_space_stops_the_run_before_a_write_fails(kliping: Kliping, tiny_volume: Path) -> None:
    code, err = scrape_into(kliping, tiny_volume, min_free=800_000)
    assert code == 1, err
    assert "stopped: no space left on device for" in err
    assert "Traceback" not in err
    assert not list(tiny_volume.rglob("*.open"))
    assert_final_files_whole(tiny_volume)


def test_a_write_failing_for_lack_of_space_stops_the_run_with_one_line(
    kliping: Kliping, tiny_volume: Path
) -> None:
    code, err = scrape_into(kliping, tiny_volume, min_free=0)
    assert code != 0, err
    assert "stopped: no space left on device writing " in err, err[-2000:]
    assert_final_files_whole(tiny_volume)
