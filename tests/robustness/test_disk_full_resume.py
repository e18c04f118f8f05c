"""A full disk at any write: one line and exit 6 (from ``kliping`` and ``scrapy crawl``), and the next
run on a larger disk loses nothing and writes nothing twice (issue 19, defect 6). In a file of its
own, so the test runner can put it beside the other disk tests rather than after them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from archive.cdxj import cdxj_path
from cli.common import EXIT_NO_SPACE
from replayweb import ReplayWeb
from tests.conftest import Kliping
from tests.robustness.test_disk_full import bulky_pages
from tests.robustness.webgen import write_list
from tests.warcs import read_jsonl, warc_files, warcio_check

#: Volume sizes at which the run fills the disk in different writes: a WARC record, a JSON lines
#: batch (others come on the way: a Parquet batch's staged rows, an index, the queue).
SIZES_KB = (1000, 3000)


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
