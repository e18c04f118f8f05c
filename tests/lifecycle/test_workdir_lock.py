"""One run per workdir: a second run, from ``kliping`` or ``scrapy crawl`` (overlapping scrapyd jobs,
cron without flock), gets one line and exit 75 and touches nothing; a kill -9 of the first frees
the workdir at once (issue 19, defect 9)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cli.common import EXIT_LOCKED
from replayweb import ReplayWeb
from tests.conftest import Kliping, site_articles, site_page
from tests.holds import AnswerHold
from tests.runs import kill_9, start
from tests.warcs import read_jsonl

FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "KLIPING_EXTRACT_WORKERS=1"]


def scrapy_crawl(cwd: Path, web: ReplayWeb) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "scrapy", "crawl", "urls", "-a", f"file={cwd / 'links.txt'}",
        "-s", f"KLIPING_PROXY={web.proxy_url}", "-s", f"KLIPING_WORKDIR={cwd / 'data'}",
        "-s", f"KLIPING_OUTPUT={cwd / 'data'}",
    ]  # fmt: skip
    return subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "settings", "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_a_second_run_on_a_busy_workdir_exits_75_and_a_kill_frees_it(
    kliping: Kliping, tmp_path: Path
) -> None:
    articles = site_articles()
    (kliping.cwd / "links.txt").write_text("\n".join(articles) + "\n")
    with ReplayWeb() as web:
        for url in articles:
            web.add(url, site_page(url), content_type="text/html; charset=utf-8")
        scrape = ["scrape", "links.txt", "--proxy", web.proxy_url, *FAST]
        with AnswerHold(web, {url: site_page(url) for url in articles}) as first:
            run = start(kliping.cwd, *scrape, log=tmp_path / "first.log")
            try:
                first.wait_held("the first run to ask for an article", run)
                asked = len(web.requests)
                second = kliping(*scrape)
                assert second.code == EXIT_LOCKED, second.stderr
                [line] = second.stderr.splitlines()
                assert line == (
                    f"kliping scrape: data: another run holds the workdir lock (pid {run.pid}); "
                    "exit 75, try again later"
                )
                by_scrapy = scrapy_crawl(kliping.cwd, web)
                assert by_scrapy.returncode == EXIT_LOCKED, by_scrapy.stderr
                [error] = [e for e in by_scrapy.stderr.splitlines() if "ERROR" in e]
                assert error.endswith(
                    f"another run holds the workdir lock (pid {run.pid}); exit 75, try again later"
                )
                assert len(web.requests) == asked
            finally:
                kill_9(run)
        web.clear_faults()
        third = kliping(*scrape)
    assert third.code == 0, third.stderr
    rows = read_jsonl(sorted((kliping.cwd / "data" / "text").rglob("*.jsonl")))
    assert sorted(row["url"] for row in rows) == sorted(articles)
