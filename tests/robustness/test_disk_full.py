"""A full output volume stops the run with one clear line, exit 6, and no corrupt file under a final
name; the next run on a larger disk loses nothing."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.cdxj import cdxj_path
from archive.recovery import scan_complete
from cli.common import EXIT_NO_SPACE
from replayweb import ReplayWeb
from tests.conftest import Kliping
from tests.robustness.webgen import HOST, write_list
from tests.warcs import read_jsonl, warc_files, warcio_check


@pytest.fixture
def tiny_volume(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs mounted for the test (needs root; skipped otherwise)."""
    mount = tmp_path / "vol"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


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
    assert code == EXIT_NO_SPACE, err
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


#: Volume sizes at which the run fills the disk in different writes: a WARC record, a Parquet
#: batch's staged rows, a JSON lines batch (others, an index or the queue, come on the way).
SIZES_KB = (1000, 1700, 3000)


@pytest.mark.parametrize("size_kb", SIZES_KB)
def test_a_full_disk_exits_6_with_one_line_and_a_larger_disk_loses_nothing(
    kliping: Kliping, tmp_path: Path, size_kb: int
) -> None:
    mount = tmp_path / "vol"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")
    try:
        with ReplayWeb() as web:
            urls = bulky_pages(web, 16)
            write_list(kliping.cwd, urls)
            args = [
                "scrape", "links.txt", "--proxy", web.proxy_url, "--output", str(mount / "data"),
                "-s", f"KLIPING_WORKDIR={mount / 'work'}", "-s", "AUTOTHROTTLE_ENABLED=0",
                "-s", "CONCURRENT_REQUESTS=2", "-s", "KLIPING_EXTRACT_WORKERS=1",
                "-s", "KLIPING_MIN_FREE_SPACE=0", "-s", "KLIPING_TEXT_BATCH_ITEMS=4",
            ]  # fmt: skip
            full = kliping(*args)
            assert full.code == EXIT_NO_SPACE, full.stderr
            assert "Traceback" not in full.stderr, full.stderr
            [line] = [line for line in full.stderr.splitlines() if line.startswith("stopped: ")]
            assert "no space left on device" in line
            subprocess.run(["mount", "-o", "remount,size=64m", str(mount)], check=True)
            again = kliping(*args)
        assert again.code == 0, again.stderr
        data = mount / "data"
        assert not list(mount.rglob("*.open")), list(mount.rglob("*.open"))
        for path in warc_files(data / "warc"):
            assert warcio_check(path).returncode == 0, path
            assert cdxj_path(path).is_file(), path
        rows = read_jsonl(sorted((data / "text").rglob("*.jsonl")))
        got = [row["url"] for row in rows]
        assert len(got) == len(set(got)), "an article appears twice"
        assert set(got) == set(urls)
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_scrapy_crawl_stopped_by_a_full_disk_exits_6(tmp_path: Path, tiny_volume: Path) -> None:
    """scrapyd records a job's exit code: a full disk must not pass for success."""
    with ReplayWeb() as web:
        write_list(tmp_path, bulky_pages(web, 16))
        command = [
            sys.executable, "-m", "scrapy", "crawl", "urls", "-a", f"file={tmp_path / 'links.txt'}",
            "-s", f"KLIPING_PROXY={web.proxy_url}", "-s", f"KLIPING_OUTPUT={tiny_volume / 'data'}",
            "-s", f"KLIPING_WORKDIR={tiny_volume / 'work'}", "-s", "AUTOTHROTTLE_ENABLED=0",
            "-s", "KLIPING_EXTRACT_WORKERS=1", "-s", "KLIPING_MIN_FREE_SPACE=0",
        ]  # fmt: skip
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "settings", "PYTHONWARNINGS": "ignore"}
        proc = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == EXIT_NO_SPACE, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
