"""An article whose extraction failed stays owed: never settled in the frontier nor marked seen, and
the next run of the job fetches it again first (issue 19: what to build, "stays owed")."""

from __future__ import annotations

import json
import re

import pytest

from replayweb import ReplayWeb
from state.frontier import Frontier
from state.sqlite import SqliteSeenStore
from tests.conftest import FIXTURE_OUTLETS, FIXTURE_SITE, REPO, Kliping, site_articles
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
