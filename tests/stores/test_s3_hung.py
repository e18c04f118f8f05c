"""A hung S3 endpoint (it accepts connections and never answers: moto frozen with SIGSTOP) costs
bounded time: the start-up check reports it in one line, uploads fail within their bounds and stay
in the spool, the stall shows as a warning while it lasts, and a stop is not held up by it."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator

import pytest

from archive.stores.spool import spooled_files
from replayweb import ReplayWeb
from tests.conftest import Kliping, site_articles, site_page
from tests.holds import AnswerHold
from tests.stores.moto import MotoServer, cli_settings
from tests.stores.test_s3_crawl import crawl_args, objects

ARTICLE_1 = site_articles()[0]
#: Bounds of these tests' runs: far below what the same waits took unbounded (minutes).
BOUND = 120


@pytest.fixture
def frozen_moto() -> Iterator[MotoServer]:
    """A moto server of this test's own, to be frozen (SIGSTOP) and thawed (SIGCONT)."""
    server = MotoServer().start()
    try:
        yield server
    finally:
        assert server.proc is not None
        server.proc.send_signal(signal.SIGCONT)
        server.stop()


def freeze(server: MotoServer) -> None:
    assert server.proc is not None
    server.proc.send_signal(signal.SIGSTOP)


def thaw(server: MotoServer) -> None:
    assert server.proc is not None
    server.proc.send_signal(signal.SIGCONT)


def hung_settings(*extra: str) -> list[str]:
    return [
        "-s", "KLIPING_S3_CONNECT_TIMEOUT=1", "-s", "KLIPING_S3_READ_TIMEOUT=1",
        "-s", "KLIPING_S3_MAX_ATTEMPTS=2", "-s", "KLIPING_S3_FILE_TIMEOUT=4",
        *extra,
    ]  # fmt: skip


def test_the_start_up_check_of_a_hung_endpoint_is_one_line_within_its_bound(
    kliping: Kliping, frozen_moto: MotoServer
) -> None:
    frozen_moto.client().create_bucket(Bucket="hung")
    freeze(frozen_moto)
    # The read timeout alone would let each request wait a minute; the check's own bound ends it.
    result = kliping(
        "check", "--output", "s3://hung/news", *cli_settings(frozen_moto),
        "-s", "KLIPING_S3_READ_TIMEOUT=60", "-s", "KLIPING_S3_CHECK_TIMEOUT=2",
        timeout=BOUND,
    )  # fmt: skip
    assert result.code == 2
    (line,) = result.stderr.splitlines()
    assert f"S3 endpoint {frozen_moto.endpoint} bucket 'hung'" in line
    assert "did not answer" in line and "KLIPING_S3_CHECK_TIMEOUT" in line


def crawl(
    kliping: Kliping, web: ReplayWeb, server: MotoServer, output: str, *extra: str
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *crawl_args(web, server, output), "-v", *extra],
        cwd=kliping.cwd,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        stdout=subprocess.DEVNULL,
        stderr=open(kliping.cwd / "stderr.txt", "w"),
        text=True,
    )


def test_a_hung_endpoint_mid_run_fails_uploads_within_bounds_keeps_the_spool_and_warns(
    kliping: Kliping, site_web: ReplayWeb, frozen_moto: MotoServer
) -> None:
    frozen_moto.client().create_bucket(Bucket="hung")
    proc: subprocess.Popen[str] | None = None
    try:
        with AnswerHold(site_web, {ARTICLE_1: site_page(ARTICLE_1)}) as article:
            proc = crawl(
                kliping, site_web, frozen_moto, "s3://hung/news",
                *hung_settings("-s", "KLIPING_STALL_WARNING=0.5", "-s", "KLIPING_PROGRESS_INTERVAL=0.5"),
            )  # fmt: skip
            # Past the start-up check once it asks for an article: S3 hangs from now on.
            article.wait_held("the crawl to ask for an article", proc)
            freeze(frozen_moto)
        proc.wait(timeout=BOUND)
    finally:
        site_web.clear_faults(ARTICLE_1)
        if proc is not None and proc.poll() is None:
            proc.kill()
    err = (kliping.cwd / "stderr.txt").read_text()
    assert "Traceback" not in err and "closed database" not in err, err[-3000:]
    failed = re.search(r"'kliping/store/failed': (\d+)", err)
    assert failed and int(failed.group(1)) >= 1, err[-3000:]
    assert "did not answer" in err
    # Shown while it lasted: a warning, and in the progress line.
    assert re.search(r"WARNING: stalled: waiting \d+ s on S3 upload of ", err), err[-3000:]
    assert re.search(r"WARNING: progress: .*STALLED: waiting on S3 upload of ", err), err[-3000:]
    spool = kliping.cwd / "data" / "spool"
    kept = {p.relative_to(spool).as_posix(): p.read_bytes() for p in spooled_files(spool)}
    kinds = {key.split("/")[0] + ":" + key.rsplit(".", 1)[-1] for key in kept}
    assert kinds == {"warc:gz", "warc:cdxj", "text:jsonl", "text:parquet", "runs:json"}
    # Durable in the spool, so seen: the next run neither refetches nor rewrites them.
    seen = sqlite3.connect(kliping.cwd / "data" / "state" / "seen.sqlite")
    assert len(seen.execute("SELECT * FROM seen").fetchall()) == len(site_articles())

    thaw(frozen_moto)
    sent = kliping("upload", "--output", "s3://hung/news", *cli_settings(frozen_moto))
    assert sent.code == 0, sent.stderr
    assert objects(frozen_moto, "hung", "news") == kept


def test_a_stop_is_not_held_up_by_a_hung_endpoint(
    kliping: Kliping, site_web: ReplayWeb, frozen_moto: MotoServer
) -> None:
    # Per-request timeouts as long as the defaults: only the stop's own bound ends the uploads.
    frozen_moto.client().create_bucket(Bucket="hung")
    proc: subprocess.Popen[str] | None = None
    try:
        with AnswerHold(site_web, {ARTICLE_1: site_page(ARTICLE_1)}) as article:
            proc = crawl(
                kliping, site_web, frozen_moto, "s3://hung/news",
                "-s", "KLIPING_S3_READ_TIMEOUT=30", "-s", "KLIPING_S3_MAX_ATTEMPTS=5",
                "-s", "KLIPING_SHUTDOWN_TIMEOUT=2",
            )  # fmt: skip
            article.wait_held("the crawl to ask for an article", proc)
            freeze(frozen_moto)
            proc.send_signal(signal.SIGTERM)
            # Unbounded, each upload would wait 5 x 30 s.
            proc.wait(timeout=BOUND)
    finally:
        site_web.clear_faults(ARTICLE_1)
        if proc is not None and proc.poll() is None:
            proc.kill()
    err = (kliping.cwd / "stderr.txt").read_text()
    assert "Traceback" not in err and "closed database" not in err, err[-3000:]
    assert "KLIPING_SHUTDOWN_TIMEOUT" in err, err[-3000:]
    spool = kliping.cwd / "data" / "spool"
    kinds = {p.relative_to(spool).parts[0] for p in spooled_files(spool)}
    assert {"warc", "runs"} <= kinds
