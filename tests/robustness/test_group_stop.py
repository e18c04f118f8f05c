"""SIGTERM to the whole process group (systemd's ``KillMode=control-group``, ``kill -TERM -PGID``)
is a graceful stop: the extraction workers leave the signal to the crawl, which lets them finish
(or abandons their work at the deadline, owed to the next run); nothing is lost or settled unwritten."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from pathlib import Path

from replayweb import ReplayWeb
from tests.polling import wait_until
from tests.processes import cpu_seconds, describe, extraction_workers, session
from tests.robustness.test_kill9 import kill_9, start
from tests.robustness.test_orphans import heavy_page
from tests.robustness.webgen import serve_articles, write_list
from tests.warcs import read_jsonl, warc_files, warcio_check

HEAVY = "http://www.kabarcontoh.id/berita/2024/02/12/9000/artikel-berat"


def test_sigterm_to_the_group_while_extracting_is_a_graceful_stop(tmp_path: Path) -> None:
    with ReplayWeb() as web:
        urls = serve_articles(web, 4, seed=31)
        web.add(HEAVY, heavy_page(10_000), content_type="text/html; charset=utf-8")
        slow = urls[-1]
        web.fault(slow, delay=600)  # a download still in flight at the stop
        write_list(tmp_path, [HEAVY, *urls])
        log = tmp_path / "run.log"
        proc = start(
            tmp_path, web, log, "-v",
            "-s", "KLIPING_EXTRACT_WORKERS=2", "-s", "CONCURRENT_REQUESTS=4",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4", "-s", "KLIPING_SHUTDOWN_TIMEOUT=5",
        )  # fmt: skip
        try:
            wait_until(
                lambda: any(cpu_seconds(pid) > 0.3 for pid in extraction_workers(proc.pid)),
                120,
                "a worker busy with the heavy page",
            )
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=120)
            wait_until(lambda: not session(proc.pid), 30, f"no process left: {describe(session(proc.pid))}")
        finally:
            if proc.poll() is None:
                kill_9(proc)
    text = log.read_text()
    assert proc.returncode == 0, text[-3000:]
    assert "BrokenProcessPool" not in text and "Traceback" not in text, text[-3000:]
    data = tmp_path / "data"
    (summary_file,) = (data / "runs").glob("*/summary.json")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    assert summary["stopped_early"] == "signal"
    assert not summary["errors"], summary["errors"]
    for path in warc_files(data / "warc"):
        assert warcio_check(path).returncode == 0
    written = {row["url"] for row in read_jsonl(sorted((data / "text").rglob("*.jsonl")))}
    db = sqlite3.connect(data / "state" / "frontier.sqlite")
    owed = {url for (url,) in db.execute("SELECT url FROM frontier WHERE state = 'pending'")}
    # Every article is written or owed to the next run, never both, never neither: the heavy one
    # was extracted in the grace period, or abandoned at the deadline and kept pending.
    assert slow in owed
    assert written.isdisjoint(owed)
    assert written | owed == {HEAVY, *urls}
