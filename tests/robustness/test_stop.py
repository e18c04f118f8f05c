"""SIGTERM stops a crawl within 30 s with every file complete; a second signal forces it, files readable."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path

from archive.recovery import scan_complete
from pipelines.staged_parquet import finish_staged
from replayweb import ReplayWeb
from tests.polling import wait_until
from tests.robustness.test_kill9 import kill_9, start
from tests.robustness.webgen import serve_articles, write_list
from tests.warcs import read_jsonl, warc_files, warcio_check


def wait_for_hits(web: ReplayWeb, url: str, bound: float = 60.0) -> None:
    assert web.wait_hits(url, 1, timeout=bound), f"{url} never requested"


def slow_web(web: ReplayWeb, tmp_path: Path) -> tuple[list[str], str]:
    urls = serve_articles(web, 6, seed=7)
    slow = urls[-1]
    web.fault(slow, delay=120)  # longer than the stop may wait
    write_list(tmp_path, urls)
    return urls, slow


def test_sigterm_stops_within_30_s_with_files_complete_and_the_rest_owed(tmp_path: Path) -> None:
    with ReplayWeb() as web:
        urls, slow = slow_web(web, tmp_path)
        log = tmp_path / "run.log"
        proc = start(tmp_path, web, log, "-s", "KLIPING_SHUTDOWN_TIMEOUT=3", "-s", "CONCURRENT_REQUESTS=8")
        try:
            # Once the quick pages are served, the slow one is in flight.
            for url in urls[:-1]:
                wait_for_hits(web, url)
            sent = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            assert time.monotonic() - sent < 30
        finally:
            if proc.poll() is None:
                kill_9(proc)
    data = tmp_path / "data"
    assert not list(data.rglob("*.open")), log.read_text()
    files = warc_files(data / "warc")
    assert files
    for path in files:
        assert warcio_check(path).returncode == 0
    rows = read_jsonl(sorted((data / "text").rglob("*.jsonl")))
    assert slow not in {row["url"] for row in rows}
    # No time for Parquet within the deadline: its batches stay staged, durable, for the next run.
    staged = sorted((data / "text").rglob(".*.parquet.rows"))
    assert staged and not list((data / "text").rglob("*.parquet"))
    assert sorted(row["url"] for row in read_jsonl(staged)) == sorted(row["url"] for row in rows)
    assert len(finish_staged(data / "text").written) == len(staged)  # the run has ended: any run's pass
    # The slow article is still owed: the next run of the same list fetches it first.
    db = sqlite3.connect(data / "state" / "frontier.sqlite")
    owed = {url for (url,) in db.execute("SELECT url FROM frontier WHERE state = 'pending'")}
    assert slow in owed
    assert not db.execute("SELECT * FROM runs").fetchall(), "the run ended cleanly: nothing to recover"
    # A completed graceful stop is a success (exit 0) that says it stopped early (docs/operating.md).
    assert proc.returncode == 0, log.read_text()[-3000:]
    (summary_file,) = (data / "runs").glob("*/summary.json")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    assert summary["finish_reason"] == "shutdown" and summary["stopped_early"] == "signal"
    assert summary["invariants"] == {"responses_archived": True, "articles_written": True}
    assert "stopped early" in log.read_text()


def test_a_second_signal_forces_the_stop_and_files_stay_readable(tmp_path: Path) -> None:
    with ReplayWeb() as web:
        urls, _ = slow_web(web, tmp_path)
        log = tmp_path / "run.log"
        proc = start(tmp_path, web, log, "-v")
        try:
            wait_for_hits(web, urls[0])
            proc.send_signal(signal.SIGTERM)
            # The second signal only once the first was handled (two quick ones may arrive as one).
            wait_until(
                lambda: "shutting down gracefully" in log.read_text(), 30, "the graceful stop to begin"
            )
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                kill_9(proc)
    data = tmp_path / "data"
    for path in sorted((data / "warc").iterdir()):
        if path.name.endswith(".open"):
            assert scan_complete(path)[1] > 0  # whole records up to the end; recovery renames it
        else:
            assert warcio_check(path).returncode == 0
    read_jsonl(sorted((data / "text").rglob("*.jsonl")))  # every line parses
