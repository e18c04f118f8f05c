"""Nothing of a run outlives it: after a ``kill -9`` of the crawl, or a ``kliping extract`` stopped
by ``timeout``, its forkserver, extraction workers and resource tracker end too, busy or idle."""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from replayweb import ReplayWeb
from tests.conftest import REPO
from tests.polling import wait_until
from tests.processes import cpu_seconds, describe, extraction_workers, session
from tests.robustness.test_kill9 import start
from tests.robustness.webgen import sentence, serve_articles, write_list

#: Bound on the helpers' exit after their parent's: they go at once; this only fails a test.
GONE = 30


def heavy_page(paragraphs: int = 60_000, seed: int = 1) -> bytes:
    """A long article: ``paragraphs`` of our own sentences, about 0.45 ms of extraction CPU each
    here (10,000: 2.3 MB, ~4 s; 60,000: ~30 s), minutes on a slow machine."""
    rng = random.Random(seed)
    body = "".join(f"<p>{sentence(rng)} {sentence(rng)}</p>" for _ in range(paragraphs))
    return (
        "<html lang='id'><head><title>Berita berat</title></head><body><article><h1>Berita berat</h1>"
        + body
        + "</article></body></html>"
    ).encode()


def write_warc(path: Path, pages: dict[str, bytes]) -> None:
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for url, body in pages.items():
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
            )


def extract_command(cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "extract", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        stdout=subprocess.DEVNULL,
        stderr=open(cwd / "stderr.txt", "w"),
        text=True,
        start_new_session=True,
    )


def all_gone(sid: int) -> None:
    try:
        wait_until(lambda: not session(sid), GONE, "every process of the run to end")
    except AssertionError:
        left = session(sid)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        raise AssertionError(f"left alive: {describe(left)}") from None


def test_after_kill_9_of_the_crawl_its_helpers_end(tmp_path: Path) -> None:
    with ReplayWeb() as web:
        urls = serve_articles(web, 3, seed=21)
        web.fault(urls[-1], delay=600)  # keeps the run going until it is killed
        write_list(tmp_path, urls)
        proc = start(tmp_path, web, tmp_path / "run.log", "-s", "KLIPING_EXTRACT_WORKERS=2")
        try:
            wait_until(lambda: len(extraction_workers(proc.pid)) == 2, 120, "the extraction workers")
            assert web.wait_hits(urls[0], 1, timeout=60)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            all_gone(proc.pid)
        finally:
            if proc.poll() is None:
                proc.kill()


def test_kliping_extract_stopped_by_timeout_takes_its_busy_workers_along(tmp_path: Path) -> None:
    write_warc(tmp_path / "heavy.warc.gz", {"https://berita.example.id/berat": heavy_page()})
    proc = extract_command(
        tmp_path,
        "heavy.warc.gz",
        "--output",
        "out.jsonl",
        "--workers",
        "1",
        "-s",
        "KLIPING_EXTRACT_TIMEOUT=0",
    )
    try:
        wait_until(
            lambda: any(cpu_seconds(pid) > 0.2 for pid in extraction_workers(proc.pid)),
            120,
            "the worker to be busy with the page",
        )
        # What `timeout` does: SIGTERM to the command (and, without --foreground, to its group).
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=GONE) == 130
        all_gone(proc.pid)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not list(tmp_path.glob("out.jsonl*")), "a stopped run leaves no output file"


def test_kill_9_of_kliping_extract_takes_its_busy_workers_along(tmp_path: Path) -> None:
    write_warc(tmp_path / "heavy.warc.gz", {"https://berita.example.id/berat": heavy_page()})
    proc = extract_command(
        tmp_path,
        "heavy.warc.gz",
        "--output",
        "out.jsonl",
        "--workers",
        "1",
        "-s",
        "KLIPING_EXTRACT_TIMEOUT=0",
    )
    try:
        wait_until(
            lambda: any(cpu_seconds(pid) > 0.2 for pid in extraction_workers(proc.pid)),
            120,
            "the worker to be busy with the page",
        )
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        all_gone(proc.pid)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_helpers_of_a_pool_end_with_it_even_with_a_task_that_never_ends(tmp_path: Path) -> None:
    driver = (
        "import sys, time\n"
        "from extract import ExtractOptions\n"
        "from pipelines.pool import Budget, ExtractionPool\n"
        "from tests.pipelines import poolfuncs\n"
        "pool = ExtractionPool(2, options=ExtractOptions(), budget=Budget(cpu_seconds=0))\n"
        "pool.submit(poolfuncs.spin)\n"
        "print('ready', flush=True)\n"
        "time.sleep(600)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", driver],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        wait_until(lambda: len(extraction_workers(proc.pid)) == 2, 60, "both workers")
        # A stop signal to the whole group: the workers and the forkserver leave it to the driver.
        workers = extraction_workers(proc.pid)
        for pid in workers:
            os.kill(pid, signal.SIGTERM)
        assert extraction_workers(proc.pid) == workers
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        all_gone(proc.pid)
    finally:
        if proc.poll() is None:
            proc.kill()
