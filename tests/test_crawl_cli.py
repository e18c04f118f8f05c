"""`kliping crawl`: outlets from config, and a clear end when the web cannot be reached."""

from __future__ import annotations

import socket

from replayweb import ReplayWeb
from tests.conftest import FIXTURE_OUTLETS, Kliping
from tests.warcs import read_jsonl


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_outlet_is_one_line_and_a_failure(kliping: Kliping) -> None:
    proxy = f"http://127.0.0.1:{closed_port()}"
    result = kliping(
        "crawl", "detik", "--proxy", proxy, "-s", "RETRY_TIMES=0", "-s", "AUTOTHROTTLE_ENABLED=0"
    )
    assert result.code == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "] ERROR: detik: could not reach" in line]
    assert len(lines) == 1
    assert "connection refused" in lines[0]


def test_an_outlet_crawl_writes_its_articles(kliping: Kliping, site_web: ReplayWeb) -> None:
    result = kliping(
        "crawl",
        "kabarcontoh",
        "--proxy",
        site_web.proxy_url,
        "-s",
        f"KLIPING_OUTLETS_DIRS={FIXTURE_OUTLETS}",
        "-s",
        "AUTOTHROTTLE_ENABLED=0",
    )
    assert result.code == 0, result.stderr
    rows = read_jsonl(sorted((kliping.cwd / "data" / "text").rglob("*.jsonl")))
    assert len(rows) == 3
    assert {row["outlet"] for row in rows} == {"kabarcontoh"}
