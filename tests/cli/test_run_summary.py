"""Every run ends with a summary table on stderr and summary.json, and checks its invariants."""

from __future__ import annotations

import json
import re
from pathlib import Path

from replayweb import ReplayWeb
from tests.cli.helpers import article_urls
from tests.conftest import Kliping, Result

LOSSY_PIPELINE = '''
from scrapy.exceptions import DropItem


class LoseEverything:
    """A pipeline after extraction that loses every record: the run must not look fine."""

    def process_item(self, item):
        raise DropItem("lost")
'''


def summary_of(cwd: Path) -> dict:
    files = sorted((cwd / "data" / "runs").glob("*/summary.json"))
    assert len(files) == 1
    return json.loads(files[0].read_text(encoding="utf-8"))


def test_summary_json_reconciles_the_run(scraped_run: tuple[Path, Result]) -> None:
    cwd, result = scraped_run
    assert result.code == 2, result.stderr  # the bad lines; the good ones were fetched
    summary = summary_of(cwd)
    # robots.txt plus the three articles, each fetched, archived and counted alike.
    assert summary["requests"] == 4
    assert summary["responses"]["fetched"] == summary["responses"]["counted_by_scrapy"] == 4
    assert summary["responses"]["by_status"] == {"200": 4}
    assert summary["responses"]["bytes"] > 0
    assert summary["warc"]["response_records"] == 4
    assert summary["warc"]["records"] >= 8
    assert summary["articles"] == {"extracted": 3, "written": 3, "deferred_to_recovery": 0, "gone": 0}
    assert set(summary["skipped"]) >= {"robots", "already_seen", "not_article", "too_large", "not_html"}
    assert summary["errors"] == {}
    assert summary["bad_input"] == {"url_lines": 3}  # see SCRAPED_LIST in conftest.py
    assert summary["invariants"] == {"responses_archived": True, "articles_written": True}
    assert summary["per_outlet"] == {"www.kabarcontoh.id": {"pages": 4, "articles": 3}}
    assert summary["run_id"] and summary["spider"] == "urls"


def test_the_summary_table_is_on_stderr(scraped_run: tuple[Path, Result]) -> None:
    _, result = scraped_run
    lines = result.stderr.splitlines()
    assert "kliping run summary" in lines
    assert any(line.split() == ["articles", "written", "3"] for line in lines)
    assert any(line.split() == ["check", "responses_archived", "ok"] for line in lines)
    assert any(line.startswith("summary: data/runs/") and line.endswith("summary.json") for line in lines)
    assert "Traceback" not in result.stderr


def test_progress_lines_count_pages_and_articles_per_outlet(scraped_run: tuple[Path, Result]) -> None:
    _, result = scraped_run
    progress = [line for line in result.stderr.splitlines() if " progress: " in line]
    assert len(progress) >= 2  # one at the start, one at the end, more in between
    assert "pages (" in progress[-1] and "/min)" in progress[-1]
    assert progress[-1].endswith("www.kabarcontoh.id 4/3")
    assert "[scrapy" not in result.stderr  # Scrapy's INFO log stays hidden without -v


def test_a_broken_invariant_is_loud_and_fails_the_run(kliping: Kliping, site_web: ReplayWeb) -> None:
    (kliping.cwd / "lossy.py").write_text(LOSSY_PIPELINE, encoding="utf-8")
    (kliping.cwd / "links.txt").write_text(article_urls()[0] + "\n", encoding="utf-8")
    pipelines = '{"pipelines.extract.ExtractPipeline": 300, "lossy.LoseEverything": 400}'
    result = kliping(
        "scrape",
        "links.txt",
        "--proxy",
        site_web.proxy_url,
        "-s",
        "AUTOTHROTTLE_ENABLED=0",
        "-s",
        f"ITEM_PIPELINES={pipelines}",
    )
    assert result.code == 3, result.stderr
    assert (
        "invariant articles_written FAILED: 1 articles extracted but 0 text records written" in result.stderr
    )
    assert "ERROR" in result.stderr
    assert re.search(r"^exit code +3$", result.stderr, re.M)
    assert re.search(r"^  because +invariant articles_written broken", result.stderr, re.M)
    summary = summary_of(kliping.cwd)
    assert summary["invariants"] == {"responses_archived": True, "articles_written": False}


def test_scrapy_retry_stats_become_one_retried_line_by_reason() -> None:
    from monitor.summary import build_summary, render_table

    stats = {
        "retry/count": 3,
        "retry/max_reached": 1,
        "retry/reason_count/503 Service Unavailable": 2,
        "retry/reason_count/scrapy.exceptions.DownloadTimeoutError": 1,
        "finish_reason": "shutdown",
    }
    summary = build_summary(stats)
    assert summary["retried"] == {"requests": 3, "gave_up": 1, "by_reason": {"503": 2, "timed_out": 1}}
    assert summary["stopped_early"] == "signal"
    lines = [line.split() for line in render_table(summary).splitlines()]
    assert ["retried", "3", "(503:", "2,", "timed_out:", "1),", "gave", "up", "on", "1"] in lines
    assert ["stopped", "early", "signal"] in lines
