"""The stop deadline is a hard bound: downloads still in flight when it passes are cancelled, not
retried, and stay owed to the next run; extractions still running are abandoned the same way."""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path

from replayweb import ReplayWeb
from tests.polling import wait_until
from tests.robustness.test_kill9 import kill_9, start
from tests.robustness.webgen import serve_articles, write_list

#: Longer than any bound of this test: the replay web never answers the slow pages.
FOREVER = 900
#: The downloads' own timeout: a download left to run its course (or retried) outlasts BOUND.
DOWNLOAD_TIMEOUT = 180
#: How long the stopped run may take: far below DOWNLOAD_TIMEOUT, far above the 1 s deadline.
BOUND = 90


def test_downloads_in_flight_or_queued_at_the_deadline_are_cancelled_not_retried_and_stay_owed(
    tmp_path: Path,
) -> None:
    with ReplayWeb() as web:
        urls = serve_articles(web, 6, seed=11)
        fast, slow = urls[:2], urls[2:]
        for url in slow:
            web.fault(url, delay=FOREVER)  # accepted, never answered
        write_list(tmp_path, urls)
        log = tmp_path / "run.log"
        proc = start(
            tmp_path, web, log, "-v",
            "-s", "KLIPING_SHUTDOWN_TIMEOUT=1", "-s", "CONCURRENT_REQUESTS=8",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
            "-s", f"DOWNLOAD_TIMEOUT={DOWNLOAD_TIMEOUT}", "-s", "RETRY_TIMES=2",
        )  # fmt: skip
        try:
            for url in fast:
                assert web.wait_hits(url, 1, timeout=60), f"{url} never served"
            wait_until(lambda: sum(web.arrivals(url) for url in slow) >= 2, 60, "two slow downloads")
            proc.send_signal(signal.SIGTERM)
            # Before DOWNLOAD_TIMEOUT: a download started late or retried would still be running.
            proc.wait(timeout=BOUND)
        finally:
            if proc.poll() is None:
                kill_9(proc)
        arrived = {url: web.arrivals(url) for url in slow}
    text = log.read_text()
    assert max(arrived.values()) == 1, f"a cancelled download was retried: {arrived}"
    assert proc.returncode == 0, text[-3000:]
    assert f"cancelled {sum(arrived.values())} downloads" in text, text[-3000:]
    data = tmp_path / "data"
    db = sqlite3.connect(data / "state" / "frontier.sqlite")
    owed = dict(db.execute("SELECT url, attempts FROM frontier WHERE state = 'pending'"))
    assert set(owed) == set(slow)
    # Not the pages' fault: no attempt counted against them.
    assert set(owed.values()) == {0}, owed
    (summary_file,) = (data / "runs").glob("*/summary.json")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    assert summary["stopped_early"] == "signal"
    assert not summary["errors"], summary["errors"]  # a stop is not a fault of the web
    assert summary["skipped"]["stopped"] == len(slow)
    assert summary["invariants"] == {"responses_archived": True, "articles_written": True}
