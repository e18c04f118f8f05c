"""What a crawl tells a newcomer and a scheduler: one line per outlet with the real reason, an exit
code decided from the run's stats by documented rules, and the same decision in summary.json.

Crawls run the real ``kliping`` against the replay web; the rules themselves are also checked on
summaries directly (cli.outcome.decide), one rule each.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archive.reader import read_warcinfo
from cli.outcome import decide
from fetch.faults import RobotsUnreachable, describe_exception, failure_reason
from replayweb import ReplayWeb
from settings.outlets import load_outlets
from tests.conftest import FIXTURE_OUTLETS, FIXTURE_SITE, Kliping
from tests.warcs import records, warc_files

BASE = "https://www.kabarcontoh.id"
ARTICLES = [
    f"{BASE}/berita/2024/02/12/101/harga-cabai-naik-jelang-ramadan",
    f"{BASE}/berita/2024/03/05/102/banjir-rendam-ratusan-rumah-di-makassar",
    f"{BASE}/berita/2024/04/20/103/festival-budaya-jayapura-dibuka",
]
SLOW = """name = "lambat"
hosts = ["lambat.example"]
article_pattern = '^https://www\\.lambat\\.example/berita/.+$'

[[discovery]]
kind = "robots"
url = "https://www.lambat.example/robots.txt"

[[discovery]]
kind = "feed"
url = "https://www.lambat.example/rss"
"""


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def summary_of(root: Path) -> dict[str, Any]:
    (path,) = sorted((root / "runs").glob("*/summary.json"))
    return dict(json.loads(path.read_text(encoding="utf-8")))


def feed(urls: list[str]) -> bytes:
    items = "".join(f"<item><title>t</title><link>{u}</link></item>" for u in urls)
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>{items}</channel></rss>'.encode()
    )


@pytest.fixture
def web() -> Iterator[ReplayWeb]:
    with ReplayWeb([FIXTURE_SITE]) as replay:
        yield replay


def crawl(kliping: Kliping, web: ReplayWeb, outlets: str, *extra: str, names: tuple[str, ...] = ()) -> Any:
    return kliping(
        "crawl", *names, "--output", "data", "--proxy", web.proxy_url,
        "-s", f"KLIPING_OUTLETS_DIRS={outlets}", "-s", "AUTOTHROTTLE_ENABLED=0",
        "-s", "KLIPING_EXTRACT_WORKERS=1", *extra,
    )  # fmt: skip


# --- 1. offline: one line per outlet, the real reason ---------------------------------------------


def test_make_crawl_offline_says_once_per_outlet_why(kliping: Kliping) -> None:
    # `make crawl`'s own command; no network is modelled by a proxy nothing listens on.
    os.environ["KLIPING_PROXY"] = f"http://127.0.0.1:{closed_port()}"
    result = kliping("crawl", "--output", "data", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "RETRY_TIMES=0")
    assert result.code == 1
    lines = result.stderr.splitlines()
    outlet_lines = [line for line in lines if "could not reach any listing" in line]
    assert sorted(line.split("ERROR: ", 1)[1].split(":", 1)[0] for line in outlet_lines) == sorted(
        load_outlets([])
    )
    assert all(line.endswith(")") and "connection refused (" in line for line in outlet_lines)
    duplicated = {line for line in lines if lines.count(line) > 1 and "progress:" not in line}
    assert duplicated == set()
    assert max(len(line) for line in lines) < 200
    assert sum("WARNING" in line for line in lines) == 0
    summary = summary_of(kliping.cwd / "data")
    assert summary["skipped"]["robots"] == 0
    assert summary["skipped"]["host_unreachable"] > 0
    assert summary["outcome"]["exit_code"] == 1
    kinds = [reason["kind"] for reason in summary["outcome"]["reasons"]]
    assert kinds.count("outlet_unreachable") == len(load_outlets([]))


def test_an_outlet_that_times_out_is_one_line_and_the_others_are_crawled(
    kliping: Kliping, web: ReplayWeb, tmp_path: Path
) -> None:
    outlets = tmp_path / "outlets"
    outlets.mkdir()
    (outlets / "kabarcontoh.toml").write_bytes((FIXTURE_OUTLETS / "kabarcontoh.toml").read_bytes())
    (outlets / "lambat.toml").write_text(SLOW, encoding="utf-8")
    web.fault("https://www.lambat.example/robots.txt", delay=5)
    result = crawl(
        kliping, web, str(outlets), "-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=0",
        names=("kabarcontoh", "lambat"),
    )  # fmt: skip
    assert result.code == 1
    problem_lines = [
        line for line in result.stderr.splitlines() if " ERROR: " in line or " WARNING: " in line
    ]
    assert [line.split("] ", 1)[-1] for line in problem_lines] == [
        "ERROR: lambat: could not reach any listing: timed out (www.lambat.example)"
    ]
    summary = summary_of(kliping.cwd / "data")
    assert summary["per_outlet"]["kabarcontoh"]["articles"] == 3
    assert summary["skipped"]["robots"] == 0
    assert summary["outcome"]["reasons"][0] == {
        "code": 1,
        "kind": "outlet_unreachable",
        "detail": "lambat: could not reach any listing: timed out (www.lambat.example)",
    }


# --- 2. exit codes from the stats, recorded in summary.json ---------------------------------------


def test_articles_gone_from_a_listing_are_counted_but_the_run_is_clean(
    kliping: Kliping, web: ReplayWeb
) -> None:
    gone = [f"{BASE}/berita/2024/05/0{n}/10{n}/sudah-dihapus" for n in range(4, 8)]
    web.add(f"{BASE}/rss", feed([*ARTICLES, *gone]), content_type="application/rss+xml")
    result = crawl(kliping, web, str(FIXTURE_OUTLETS), names=("kabarcontoh",))
    assert result.code == 0, result.stderr
    summary = summary_of(kliping.cwd / "data")
    assert summary["articles"]["gone"] == 4
    assert summary["errors"] == {"http_404": 4}
    assert summary["outcome"] == {"exit_code": 0, "reasons": []}
    assert "articles gone (404/410)" in result.stderr


def test_failed_article_requests_above_the_rate_exit_1_with_the_reason(
    kliping: Kliping, web: ReplayWeb
) -> None:
    for url in ARTICLES:
        web.fault(url, status=503)
    result = crawl(kliping, web, str(FIXTURE_OUTLETS), "-s", "RETRY_TIMES=0", names=("kabarcontoh",))
    assert result.code == 1
    summary = summary_of(kliping.cwd / "data")
    assert summary["outcome"]["exit_code"] == 1
    details = {reason["kind"]: reason["detail"] for reason in summary["outcome"]["reasons"]}
    assert details["outlet_no_article"] == "kabarcontoh: wrote no article; 3 of its article requests failed"
    assert details["error_rate"].startswith("3 of ")
    assert "above KLIPING_MAX_ERROR_RATE 5.0 %): http_503 3" in details["error_rate"]
    assert "because" in result.stderr and "http_503 3" in result.stderr


def test_the_error_rate_is_a_setting(kliping: Kliping, web: ReplayWeb) -> None:
    web.fault(ARTICLES[0], status=503)
    result = crawl(
        kliping, web, str(FIXTURE_OUTLETS), "-s", "RETRY_TIMES=0", "-s", "KLIPING_MAX_ERROR_RATE=0.5",
        names=("kabarcontoh",),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert summary_of(kliping.cwd / "data")["errors"] == {"http_503": 1, "http_404": 1}  # and one gone


# --- 11. robots.txt once per host ---------------------------------------------------------------


def test_robots_txt_is_fetched_and_archived_once_per_host(kliping: Kliping, web: ReplayWeb) -> None:
    result = crawl(kliping, web, str(FIXTURE_OUTLETS), names=("kabarcontoh",))
    assert result.code == 0, result.stderr
    assert web.hits(f"{BASE}/robots.txt") == 1
    robots = [
        r for path in warc_files(kliping.cwd / "data") for r in records(path)
        if r.rec_type == "response" and r.rec_headers.get_header("WARC-Target-URI").endswith("/robots.txt")
    ]  # fmt: skip
    assert len(robots) == 1
    summary = summary_of(kliping.cwd / "data")
    assert summary["per_outlet"]["kabarcontoh"]["listings_reached"] == 3  # robots.txt, its sitemap, the feed
    assert summary["invariants"] == {"responses_archived": True, "articles_written": True}
    # No KLIPING_WARC_OPERATOR: the warcinfo names the contact URL the User-Agent gives.
    info = read_warcinfo(warc_files(kliping.cwd / "data")[0])
    assert info["operator"] == "https://github.com/kliping/kliping"
    responses = summary["responses"]  # the shared answer is not counted as a second response
    assert sum(responses["by_status"].values()) == responses["counted_by_scrapy"] == responses["fetched"]


# --- the rules, one each ------------------------------------------------------------------------


def base_summary(**changes: Any) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "spider": "outlet",
        "finish_reason": "finished",
        "stopped_early": None,
        "requests": 100,
        "errors": {},
        "articles": {"gone": 0},
        "bad_input": {"url_lines": 0},
        "unreachable_outlets": [],
        "per_outlet": {"detik": {"articles": 5, "failed": 0}},
        "uploads": {"sent": 0, "failed": 0, "left_in_spool": 0},
        "invariants": {"responses_archived": True, "articles_written": True},
    }
    summary.update(changes)
    return summary


@pytest.mark.parametrize(
    ("changes", "code", "kinds"),
    [
        ({}, 0, []),
        ({"errors": {"timed_out": 5}}, 0, []),  # 5 % is not above 5 %
        ({"errors": {"timed_out": 6}}, 1, ["error_rate"]),
        ({"errors": {"http_404": 40}, "articles": {"gone": 40}}, 0, []),  # gone is no failure
        ({"stopped_early": "signal"}, 0, []),
        ({"stopped_early": "signal", "errors": {"timed_out": 9}}, 1, ["error_rate"]),
        ({"stopped_early": "no space left on /data", "stopped_reason": "no_space"}, 6, ["no_space"]),
        ({"uploads": {"failed": 2, "left_in_spool": 2}}, 1, ["uploads"]),
        ({"unreachable_outlets": ["detik: could not reach any listing: x (h)"]}, 1, ["outlet_unreachable"]),
        ({"per_outlet": {"detik": {"articles": 0, "failed": 3}}}, 1, ["outlet_no_article"]),
        ({"per_outlet": {"detik": {"articles": 0, "failed": 0, "gone": 3}}}, 0, []),
        (
            {"finish_reason": "kliping_store_unusable", "store_error": "s3://b: no bucket"},
            2,
            ["store_unusable"],
        ),
        (
            {
                "invariants": {"responses_archived": False},
                "stopped_early": "no space left",
                "stopped_reason": "no_space",
                "errors": {"x": 50},
            },
            6,  # a full disk is what to fix first; it may well be why the invariant broke
            ["invariant_broken", "no_space", "error_rate"],
        ),
        ({"spider": "urls", "errors": {"http_404": 1}, "articles": {"gone": 0}}, 1, ["fetch_errors"]),
        (
            {"spider": "urls", "errors": {"http_404": 1}, "bad_input": {"url_lines": 2}},
            2,
            ["bad_url_lines", "fetch_errors"],
        ),
    ],
)
def test_the_exit_code_rules(changes: dict[str, Any], code: int, kinds: list[str]) -> None:
    outcome = decide(base_summary(**changes), max_error_rate=0.05)
    assert outcome.code == code
    assert [reason.kind for reason in outcome.reasons] == kinds


def test_a_refusal_for_an_unreachable_host_is_no_robots_rule() -> None:
    refusal = RobotsUnreachable("news.detik.com", "DNS lookup failed")
    assert failure_reason(refusal).key == "kliping/skipped/host_unreachable"
    assert describe_exception(refusal) == "DNS lookup failed"


def test_the_outcome_maps_stop_reasons_as_the_lifecycle_does() -> None:
    from cli.outcome import STOP_CODES
    from lifecycle.stops import EXIT_FOR_STOP

    assert STOP_CODES == EXIT_FOR_STOP
