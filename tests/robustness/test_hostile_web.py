"""A hostile web: every fault is survived, counted under a reason, and leaves only whole files.

One crawl of a URL list meets every fault at once (one URL each); each test checks one of them.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from replayweb import ReplayWeb
from tests.conftest import Kliping
from tests.robustness.webgen import HOST, serve_articles, write_list
from tests.warcs import read_jsonl, warc_files, warcio_check

MAXSIZE = 2_000_000


def zeros(total: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    for _ in range(total // chunk):
        yield b"\0" * chunk


FAULTS: dict[str, dict[str, Any]] = {
    "retried_503": {"status": 503, "times": 1},
    "permanent_500": {"status": 500},
    "timeout": {"delay": 30},
    "reset_mid_body": {"reset": "mid"},
    "reset_before": {"reset": "before"},
    "truncated": {"truncate": 100},
    "redirect_loop": {"redirect": "{url}"},
    "redirect_chain": {"redirect": "{url}/r1"},
    "huge_body": {"stream": lambda: zeros(100 * (1 << 20)), "stream_length": 100 * (1 << 20)},
    "gzip_bomb": {
        "body": gzip.compress(b"\0" * 50_000_000),
        "headers": {"Content-Encoding": "gzip", "Content-Type": "text/html"},
    },
    "charset_lie": {"headers": {"Content-Type": "text/html; charset=iso-8859-1"}},
    "charset_missing": {"headers": {"Content-Type": "text/html"}},
    "binary_as_html": {"body": bytes(range(256)) * 400, "headers": {"Content-Type": "text/html"}},
    "empty_200": {"body": b""},
}

#: Where each fault must be counted: a regular expression over the run's stats keys.
EXPECTED = {
    "retried_503": r"^retry/reason_count/503",
    "permanent_500": r"^kliping/errors/http_500$",
    "timeout": r"^kliping/errors/.*Timeout",
    "reset_mid_body": r"^kliping/errors/",
    "reset_before": r"^kliping/errors/",
    "truncated": r"^kliping/errors/",
    "redirect_loop": r"^dupefilter/filtered$",  # a loop revisits a URL: Scrapy's dupefilter ends it
    "redirect_chain": r"^kliping/errors/",
    "huge_body": r"^kliping/errors/",
    "gzip_bomb": r"^kliping/errors/",
    "charset_lie": r"^kliping/articles/extracted$",
    "charset_missing": r"^kliping/articles/extracted$",
    "binary_as_html": r"^kliping/(skipped|errors)/",
    "empty_200": r"^kliping/(skipped|errors)/",
}


@dataclass
class Crawl:
    code: int
    stderr: str
    stats: dict[str, Any]
    data: Path
    urls: dict[str, str]


def dumped_stats(log: str) -> dict[str, Any]:
    """The stats Scrapy dumps at the end of a run (INFO log)."""
    match = re.search(r"Dumping Scrapy stats:\n(\{.*?\})\n", log, re.S)
    assert match, log[-3000:]
    text = re.sub(r"datetime\.datetime\([^)]*\)", "0", match.group(1))
    return dict(eval(text, {"__builtins__": {}}))  # Scrapy pprints the stats dict


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    tmp = tmp_path_factory.mktemp("hostile")
    with ReplayWeb() as web:
        good = serve_articles(web, len(FAULTS), seed=3)
        urls = dict(zip(FAULTS, good, strict=True))
        for name, fault in FAULTS.items():
            fault = {k: (v.format(url=urls[name]) if isinstance(v, str) else v) for k, v in fault.items()}
            web.fault(urls[name], **fault)
        for hop in range(1, 12):  # longer than REDIRECT_MAX_TIMES
            chain = urls["redirect_chain"]
            web.fault(f"{chain}/r{hop}", redirect=f"{chain}/r{hop + 1}")
        write_list(tmp, list(urls.values()))
        result = Kliping(tmp)(
            "scrape", "links.txt", "--proxy", web.proxy_url, "-v",
            "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_TIMEOUT=3", "-s", "RETRY_TIMES=1",
            "-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}", "-s", "DOWNLOAD_WARNSIZE=1000000",
            "-s", "REDIRECT_MAX_TIMES=5", "-s", "KLIPING_EXTRACT_WORKERS=1",
        )  # fmt: skip
    yield Crawl(result.code, result.stderr, dumped_stats(result.stderr), tmp / "data", urls)


def test_the_run_ends_cleanly_reporting_failures(crawl: Crawl) -> None:
    assert crawl.code == 1, crawl.stderr[-3000:]  # failures, not a crash
    assert "Traceback" not in crawl.stderr, crawl.stderr[-3000:]


def test_every_warc_is_whole(crawl: Crawl) -> None:
    assert not list(crawl.data.rglob("*.open"))
    for path in warc_files(crawl.data):
        check = warcio_check(path)
        assert check.returncode == 0, check.stdout


def test_every_text_line_is_whole_and_good_pages_are_articles(crawl: Crawl) -> None:
    rows = read_jsonl(sorted((crawl.data / "text").rglob("*.jsonl")))
    got = {row["url"] for row in rows}
    for name in ("retried_503", "charset_lie", "charset_missing"):
        assert crawl.urls[name] in got, name
    for name in ("permanent_500", "timeout", "huge_body", "gzip_bomb", "empty_200", "binary_as_html"):
        assert crawl.urls[name] not in got, name


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_is_counted_under_a_reason(crawl: Crawl, fault: str) -> None:
    pattern = re.compile(EXPECTED[fault])
    assert any(pattern.search(key) for key in crawl.stats), (fault, sorted(crawl.stats))


def test_no_memory_blowup_marker(crawl: Crawl) -> None:
    # The 100 MB body and the 50 MB bomb were cut at DOWNLOAD_MAXSIZE, never held whole.
    assert crawl.stats.get("downloader/response_bytes", 0) < 10 * MAXSIZE


def test_the_robots_txt_faults_do_not_stop_the_crawl(kliping: Kliping) -> None:
    with ReplayWeb() as web:
        urls = serve_articles(web, 2, seed=5)
        web.fault(f"{HOST}/robots.txt", status=503)
        other = "http://www.kabarlain.id"
        web.add(f"{other}/robots.txt", b"\0\xff garbage <html>", content_type="text/plain")
        web.add(f"{other}/berita/1", json.dumps({"x": 1}).encode(), content_type="text/html")
        write_list(kliping.cwd, [*urls, f"{other}/berita/1"])
        result = kliping("scrape", "links.txt", "--proxy", web.proxy_url, "-s", "RETRY_TIMES=0")
    assert "Traceback" not in result.stderr
    rows = read_jsonl(sorted((kliping.cwd / "data" / "text").rglob("*.jsonl")))
    assert {row["url"] for row in rows} >= set(urls)
    assert os.path.isdir(kliping.cwd / "data" / "warc")
