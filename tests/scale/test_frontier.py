"""Workers sharing one frontier in Redis: together they do what one process does, each URL once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from replayweb import ReplayWeb
from tests.scale import newsweb
from tests.scale.conftest import Workers

FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "KLIPING_EXTRACT_WORKERS=1"]


def crawl_args(web: ReplayWeb, outlets: Path, *extra: str) -> list[str]:
    return ["crawl", newsweb.OUTLET, "--proxy", web.proxy_url, "-s", f"KLIPING_OUTLETS_DIRS={outlets}", *FAST, *extra]


def fetched(web: ReplayWeb) -> Counter[str]:
    return Counter(record.url for record in web.requests if record.method == "GET")


def test_two_workers_do_the_work_of_one_and_fetch_each_url_once(
    news_web: tuple[ReplayWeb, list[str]], redis_uri: str, workers: Workers, tmp_path: Path
) -> None:
    web, articles = news_web
    outlets = tmp_path / "outlets"
    newsweb.write_outlet(outlets)

    single = workers.start("single", *crawl_args(web, outlets))
    assert single.wait() == 0, single.stderr
    alone = {row["url"]: row["text"] for row in single.rows()}
    assert set(alone) == set(articles)
    web.reset_counters()

    a = workers.start("a", *crawl_args(web, outlets, "--state", redis_uri))
    b = workers.start("b", *crawl_args(web, outlets, "--state", redis_uri))
    assert a.wait() == 0, a.stderr
    assert b.wait() == 0, b.stderr

    print("split", len(a.rows()), len(b.rows()))
    rows = a.rows() + b.rows()
    assert sorted(row["url"] for row in rows) == sorted(alone)
    assert {row["url"]: row["text"] for row in rows} == alone
    counts = fetched(web)
    # robots.txt: every worker reads the rules for itself; everything else is fetched once in all.
    twice = {url: n for url, n in counts.items() if n > 1 and not url.endswith("/robots.txt")}
    assert twice == {}
    assert all(counts[url] == 1 for url in articles)
