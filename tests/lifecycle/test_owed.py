"""An article whose extraction failed stays owed: never settled in the frontier nor marked seen, and
the next run of the job fetches it again first (issue 19: what to build, "stays owed")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from replayweb import ReplayWeb
from state.frontier import Frontier
from state.sqlite import SqliteSeenStore
from tests.conftest import FIXTURE_OUTLETS, FIXTURE_SITE, REPO, Kliping, site_articles
from tests.test_incremental import page
from tests.warcs import read_jsonl

CRAWL = [
    "crawl", "kabarcontoh", "-s", f"KLIPING_OUTLETS_DIRS={FIXTURE_OUTLETS}",
    "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "KLIPING_EXTRACT_WORKERS=1",
]  # fmt: skip
FAILING = json.dumps(
    {
        "tests.lifecycle.failing_extraction.FailingExtraction": 200,
        "pipelines.extract.ExtractPipeline": 300,
        "archive.space.SpaceGuardPipeline": 990,
    }
)


@pytest.fixture(autouse=True)
def importable_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO))


def test_an_article_whose_extraction_failed_stays_owed_and_the_next_run_takes_it(kliping: Kliping) -> None:
    articles = site_articles()
    failing = articles[1]
    with ReplayWeb([FIXTURE_SITE]) as web:
        first = kliping(
            *CRAWL, "--proxy", web.proxy_url, "-s", f"ITEM_PIPELINES={FAILING}",
            "-s", f"TEST_FAIL_EXTRACTION={failing}",
        )  # fmt: skip
        # Its exit code is the crawl's policy on extraction errors; here: counted, not settled.
        assert re.search(r"error: extraction +1$", first.stderr, re.M), first.stderr
        state = kliping.cwd / "data" / "state"
        seen = SqliteSeenStore(state / "seen.sqlite")
        assert [seen.is_seen(url) for url in articles] == [True, False, True]
        seen.close()
        frontier = Frontier(state / "frontier.sqlite")
        [owed] = [row for job in [r[0] for r in frontier.db.execute("SELECT DISTINCT job FROM frontier")]
                  for row in frontier.pending(job)]  # fmt: skip
        assert (owed.url, owed.attempts, owed.seen_key) == (failing, 1, failing)
        frontier.close()
        web.reset_counters()

        second = kliping(*CRAWL, "--proxy", web.proxy_url)
        assert second.code == 0, second.stderr
        assert web.hits(failing) == 1
    rows = read_jsonl(sorted((kliping.cwd / "data" / "text").rglob("*.jsonl")))
    assert sorted(row["url"] for row in rows) == sorted(articles)


def test_a_story_whose_next_page_failed_is_written_but_stays_owed(kliping: Kliping, tmp_path: Path) -> None:
    """Its pages so far are kept, and it is owed under its first page's key, not seen: a later run
    fetches it whole (the request for its next page carried the story's frontier key)."""
    base = "https://www.kabarcontoh.id"
    outlets = tmp_path / "outlets"
    outlets.mkdir()
    config = (FIXTURE_OUTLETS / "kabarcontoh.toml").read_text()
    (outlets / "kabarcontoh.toml").write_text(config + '\n[pagination]\nmode = "follow"\n', encoding="utf-8")
    story = f"{base}/berita/2024/05/03/107/panen-raya-di-merauke"
    body = page("Panen Raya di Merauke", "Halaman satu.", f'<a rel="next" href="{story}?page=2">2</a>')
    with ReplayWeb() as web:
        web.add(f"{base}/robots.txt", b"User-agent: *\nAllow: /\n", content_type="text/plain")
        feed = f'<rss version="2.0"><channel><item><link>{story}</link></item></channel></rss>'
        web.add(f"{base}/rss", feed.encode(), content_type="application/rss+xml")
        web.add(story, body, content_type="text/html; charset=utf-8")  # page 2 is a 404
        result = kliping(
            "crawl", "kabarcontoh", "--proxy", web.proxy_url, "-s", f"KLIPING_OUTLETS_DIRS={outlets}",
            "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "KLIPING_EXTRACT_WORKERS=1",
        )  # fmt: skip
    assert re.search(r"error: partial_story +1$", result.stderr, re.M), result.stderr
    rows = read_jsonl(sorted((kliping.cwd / "data" / "text").rglob("*.jsonl")))
    assert [row["pages"] for row in rows] == [[story]], result.stderr
    state = kliping.cwd / "data" / "state"
    seen = SqliteSeenStore(state / "seen.sqlite")
    assert not seen.is_seen(story)
    seen.close()
    frontier = Frontier(state / "frontier.sqlite")
    owed = [
        row.url
        for (job,) in frontier.db.execute("SELECT DISTINCT job FROM frontier")
        for row in frontier.pending(job)
    ]
    frontier.close()
    assert owed == [story]
