"""A hostile web: every fault is survived, counted under a reason, and leaves only whole files.

One crawl of a URL list meets every fault at once (one URL each); each test checks one of them.
"""

from __future__ import annotations

import gzip
import json
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

#: Where each fault is counted in the run summary (summary.json): (section, reason).
EXPECTED: dict[str, tuple[str, str]] = {
    "retried_503": ("retried", "503"),  # fetched on the second try: a retry, not an error
    "permanent_500": ("errors", "http_500"),
    "timeout": ("errors", "timed_out"),
    "reset_mid_body": ("errors", "connection_lost"),
    "reset_before": ("errors", "connection_lost"),
    "truncated": ("errors", "connection_lost"),
    "redirect_loop": ("errors", "redirect_loop"),
    "redirect_chain": ("errors", "too_many_redirects"),
    "huge_body": ("skipped", "too_large"),
    "gzip_bomb": ("skipped", "decompression_bomb"),
    "charset_lie": ("articles", "extracted"),
    "charset_missing": ("articles", "extracted"),
    "binary_as_html": ("skipped", "not_article"),
    "empty_200": ("skipped", "not_article"),
}


def counted(summary: dict[str, Any], section: str, reason: str) -> int:
    if section == "retried":
        return int(summary["retried"]["by_reason"].get(reason, 0))
    return int(summary[section].get(reason, 0))


def summary_of(data: Path) -> dict[str, Any]:
    files = sorted((data / "runs").glob("*/summary.json"))
    assert len(files) == 1, files
    return dict(json.loads(files[0].read_text(encoding="utf-8")))


@dataclass
class Crawl:
    code: int
    stderr: str
    stats: dict[str, Any]
    summary: dict[str, Any]
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
        # DOWNLOAD_TIMEOUT: far below the timeout fault's 30 s, yet long enough that on a loaded
        # machine no other page times out (with 3 s, retried resets sometimes did).
        result = Kliping(tmp)(
            "scrape", "links.txt", "--proxy", web.proxy_url, "-v",
            "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_TIMEOUT=8", "-s", "RETRY_TIMES=1",
            "-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}", "-s", "DOWNLOAD_WARNSIZE=1000000",
            "-s", "REDIRECT_MAX_TIMES=5", "-s", "KLIPING_EXTRACT_WORKERS=1",
        )  # fmt: skip
    data = tmp / "data"
    yield Crawl(result.code, result.stderr, dumped_stats(result.stderr), summary_of(data), data, urls)


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
def test_each_fault_is_counted_under_its_reason_in_the_summary(crawl: Crawl, fault: str) -> None:
    section, reason = EXPECTED[fault]
    # As many as the faults sharing the reason: each is counted once, none under another name.
    sharing = sum(1 for where in EXPECTED.values() if where == (section, reason))
    if section == "articles":
        sharing += 1  # the page fetched on its retry is an article too
    got = counted(crawl.summary, section, reason)
    assert got == sharing, (fault, section, reason, crawl.summary[section])


def test_no_fault_is_left_under_a_raw_exception_name(crawl: Crawl) -> None:
    expected = {reason for section, reason in EXPECTED.values() if section == "errors"}
    assert set(crawl.summary["errors"]) == expected
    # Scrapy's retry stats name only the outer exception: a wrapped reset is "download_failed".
    retried = {"500", "503", "timed_out", "connection_lost", "download_failed"}
    assert set(crawl.summary["retried"]["by_reason"]) <= retried


def test_the_summary_table_names_the_reasons(crawl: Crawl) -> None:
    table = crawl.stderr[crawl.stderr.index("kliping run summary") :]
    for line in (
        "error: timed_out",
        "error: redirect_loop",
        "skipped: too_large",
        "skipped: decompression_bomb",
    ):
        assert line in table, table
    assert re.search(r"^retried +\d+ \(.*503: 1", table, re.M), table


def test_no_memory_blowup_marker(crawl: Crawl) -> None:
    # The 100 MB body and the 50 MB bomb were cut at DOWNLOAD_MAXSIZE, never held whole.
    assert crawl.stats.get("downloader/response_bytes", 0) < 10 * MAXSIZE


OTHER_HOST = "http://www.kabarlain.id"


def scrape_with_robots_fault(kliping: Kliping, robots_fault: dict[str, Any]) -> tuple[list[str], str]:
    """Scrape two articles of HOST, whose robots.txt has ``robots_fault``, and one of another host
    with a plain robots.txt; returns HOST's article URLs and the other's."""
    with ReplayWeb() as web:
        urls = serve_articles(web, 2, seed=5)
        web.fault(f"{HOST}/robots.txt", **robots_fault)
        other = serve_articles(web, 1, seed=6, host=OTHER_HOST)
        write_list(kliping.cwd, [*urls, *other])
        result = kliping(
            "scrape",
            "links.txt",
            "--proxy",
            web.proxy_url,
            "-s",
            "RETRY_TIMES=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
        )
        assert "Traceback" not in result.stderr
        assert all(web.hits(url) == 0 for url in urls)
    return urls, other[0]


@pytest.mark.parametrize(
    "robots_fault", [{"status": 503}, {"reset": "before"}], ids=["answering_5xx", "cannot_be_fetched"]
)
def test_an_unreachable_robots_txt_keeps_the_crawl_off_its_host(kliping: Kliping, robots_fault: dict) -> None:
    # RFC 9309 2.3.1.4: an unreachable robots.txt means complete disallow; the next run asks again.
    urls, other = scrape_with_robots_fault(kliping, robots_fault)
    summary = summary_of(kliping.cwd / "data")
    assert summary["errors"].get("robots_txt_unavailable") == 1, summary["errors"]
    # Not the site's rules (skipped.robots): its host could not be reached.
    assert summary["skipped"].get("host_unreachable") == len(urls), summary["skipped"]
    assert summary["skipped"].get("robots") == 0, summary["skipped"]
    rows = read_jsonl(sorted((kliping.cwd / "data" / "text").rglob("*.jsonl")))
    assert {row["url"] for row in rows} == {other}


def test_a_robots_txt_over_the_size_limit_is_read_as_allow_all(kliping: Kliping) -> None:
    # Too big is not unreachable: the host stays open, as Scrapy has it.
    page = f"{HOST}/berita/kecil"
    with ReplayWeb() as web:
        robots = b"# " + b"x" * 5000 + b"\nUser-agent: *\nAllow: /\n"
        web.add(f"{HOST}/robots.txt", robots, content_type="text/plain")
        web.add(page, b"<html><body><p>Kecil.</p></body></html>", content_type="text/html")
        write_list(kliping.cwd, [page])
        result = kliping("scrape", "links.txt", "--proxy", web.proxy_url, "-s", "DOWNLOAD_MAXSIZE=2000")
        assert web.hits(page) == 1
    assert "Traceback" not in result.stderr


def test_a_robots_txt_that_is_not_text_is_read_as_allow_all(kliping: Kliping) -> None:
    with ReplayWeb() as web:
        urls = serve_articles(web, 2, seed=5)
        web.add(f"{HOST}/robots.txt", b"\0\xff garbage <html>", content_type="text/plain")
        write_list(kliping.cwd, urls)
        result = kliping("scrape", "links.txt", "--proxy", web.proxy_url, "-s", "AUTOTHROTTLE_ENABLED=0")
    assert "Traceback" not in result.stderr
    assert summary_of(kliping.cwd / "data")["errors"].get("robots_txt_unreadable") == 1
    rows = read_jsonl(sorted((kliping.cwd / "data" / "text").rglob("*.jsonl")))
    assert {row["url"] for row in rows} == set(urls)
