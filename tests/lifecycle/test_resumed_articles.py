"""An article fetched by a resumed request is marked seen like any other: after a killed run and a
run that completes, the next crawl fetches and writes nothing again (issue 19, defect 1)."""

from __future__ import annotations

from pathlib import Path

from replayweb import ReplayWeb
from tests.conftest import FIXTURE_OUTLETS, FIXTURE_SITE, Kliping, site_articles, site_page
from tests.holds import AnswerHold
from tests.runs import kill_9, start
from tests.warcs import read_jsonl

CRAWL = [
    "crawl", "kabarcontoh", "-s", f"KLIPING_OUTLETS_DIRS={FIXTURE_OUTLETS}",
    "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "KLIPING_EXTRACT_WORKERS=1",
]  # fmt: skip


def article_gets(web: ReplayWeb) -> list[str]:
    articles = set(site_articles())
    return [r.url for r in web.requests if r.method == "GET" and r.url in articles]


def test_articles_resumed_after_a_kill_are_seen_so_the_next_crawl_fetches_nothing_again(
    kliping: Kliping, tmp_path: Path
) -> None:
    articles = site_articles()
    with ReplayWeb([FIXTURE_SITE]) as web:
        proxy = ["--proxy", web.proxy_url]
        # Run 1 reads the feed, owes every article in its frontier, and dies waiting for the first.
        with AnswerHold(web, {url: site_page(url) for url in articles}) as first:
            run = start(kliping.cwd, *CRAWL, *proxy, log=tmp_path / "run1.log")
            first.wait_held("the crawl to ask for its first article", run)
            kill_9(run)
        web.clear_faults()
        # Run 2 resumes what run 1 owed: each article fetched by a resumed request.
        second = kliping(*CRAWL, *proxy)
        assert second.code == 0, second.stderr
        rows = read_jsonl(sorted((kliping.cwd / "data" / "text").rglob("*.jsonl")))
        assert sorted(row["url"] for row in rows) == sorted(articles)
        web.reset_counters()
        # Run 3: every article is seen, so nothing is fetched or written again.
        third = kliping(*CRAWL, *proxy)
        assert third.code == 0, third.stderr
        assert article_gets(web) == []
    again = read_jsonl(sorted((kliping.cwd / "data" / "text").rglob("*.jsonl")))
    assert sorted(row["url"] for row in again) == sorted(articles)
