"""Unusable state is one line naming the file and exit 5, from ``kliping`` and from ``scrapy crawl``
alike; the file is left as it was for inspection, and nothing is fetched (issue 19, defect 10)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cli.common import EXIT_STATE
from replayweb import ReplayWeb
from tests.conftest import Kliping, site_articles

GARBAGE = b"SQLite format 3\x00" + bytes(range(256)) * 64


def corrupt(name: str) -> Callable[[Path], Path]:
    def make(workdir: Path) -> Path:
        path = workdir / "state" / name
        path.parent.mkdir(parents=True)
        path.write_bytes(GARBAGE)
        return path

    return make


def plain_file(workdir: Path) -> Path:
    workdir.write_text("not a directory\n")
    return workdir


BAD_STATE = {
    "corrupt seen store": corrupt("seen.sqlite"),
    "corrupt frontier": corrupt("frontier.sqlite"),
    "workdir is a plain file": plain_file,
}


def scrape(kliping: Kliping, web: ReplayWeb, workdir: Path) -> tuple[int, str]:
    (kliping.cwd / "links.txt").write_text(site_articles()[0] + "\n")
    result = kliping("scrape", "links.txt", "--proxy", web.proxy_url, "-s", f"KLIPING_WORKDIR={workdir}")
    return result.code, result.stderr


@pytest.mark.parametrize("make", BAD_STATE.values(), ids=BAD_STATE.keys())
def test_unusable_state_is_one_line_naming_the_file_and_exit_5(
    kliping: Kliping, site_web: ReplayWeb, make: Callable[[Path], Path]
) -> None:
    workdir = kliping.cwd / "work"
    path = make(workdir)
    before = path.read_bytes()
    requests = len(site_web.requests)
    code, err = scrape(kliping, site_web, workdir)
    assert code == EXIT_STATE, err
    [line] = err.splitlines()
    assert line.startswith("kliping scrape: ") and str(path) in line, line
    assert path.read_bytes() == before
    assert len(site_web.requests) == requests


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A read-only tmpfs (needs root; skipped otherwise): a read-only workdir even for root."""
    mount = tmp_path / "ro"
    mount.mkdir()
    mount_ro = ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount)]
    done = subprocess.run(mount_ro, capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_read_only_workdir_is_one_line_and_exit_5(
    kliping: Kliping, site_web: ReplayWeb, read_only_dir: Path
) -> None:
    code, err = scrape(kliping, site_web, read_only_dir)
    assert code == EXIT_STATE, err
    [line] = err.splitlines()
    assert str(read_only_dir) in line and "read-only" in line, line


def test_scrapy_crawl_on_a_corrupt_frontier_exits_5_with_one_error(
    tmp_path: Path, site_web: ReplayWeb
) -> None:
    path = corrupt("frontier.sqlite")(tmp_path / "work")
    links = tmp_path / "links.txt"
    links.write_text(site_articles()[0] + "\n")
    command = [
        sys.executable, "-m", "scrapy", "crawl", "urls", "-a", f"file={links}",
        "-s", f"KLIPING_PROXY={site_web.proxy_url}", "-s", f"KLIPING_WORKDIR={tmp_path / 'work'}",
        "-s", f"KLIPING_OUTPUT={tmp_path / 'out'}",
    ]  # fmt: skip
    proc = subprocess.run(
        command,
        cwd=tmp_path,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "settings", "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == EXIT_STATE, proc.stderr
    assert "Traceback" not in proc.stderr and "Unhandled error" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and str(path) in errors[0], proc.stderr
    assert path.read_bytes() == GARBAGE
