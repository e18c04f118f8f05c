"""Redis that stops answering mid-run (frozen with SIGSTOP, as a partition or a stuck server would
look) does not freeze a worker: one bounded wait, one line, a counted failure, exit 1; the next
start, with Redis back, loses and duplicates nothing."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from replayweb import ReplayWeb
from state.redis import live_workers
from tests.polling import wait_until
from tests.scale import newsweb
from tests.scale.conftest import RedisServer, Workers, free_port
from tests.scale.test_frontier import QUICK_DEATH, SPIDER, crawl_args, hold_first_article, redis_client

#: Far below what an unbounded client waits on a frozen Redis (forever).
BOUND = 120


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[RedisServer, subprocess.Popen[bytes]]]:
    """A redis-server of this test's own, to be frozen and thawed."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not installed (`make debs` installs the Debian package)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(port)

    def answers() -> bool:
        try:
            return bool(server.client().ping())
        except Exception:
            return False

    try:
        wait_until(answers, 20, "redis-server to answer PING")
        yield server, proc
    finally:
        proc.send_signal(signal.SIGCONT)
        proc.terminate()
        proc.wait(timeout=20)


def test_a_frozen_redis_stops_the_worker_within_its_bound_and_the_next_run_loses_nothing(
    news_web: tuple[ReplayWeb, list[str]],
    own_redis: tuple[RedisServer, subprocess.Popen[bytes]],
    workers: Workers,
    tmp_path: Path,
) -> None:
    web, articles = news_web
    server, redis_proc = own_redis
    outlets = newsweb.write_outlet(tmp_path / "outlets").parent
    args = crawl_args(
        web, outlets, newsweb.OUTLET, "--state", server.uri(),
        "-s", "KLIPING_REDIS_TIMEOUT=1", "-s", "CONCURRENT_REQUESTS=2", *QUICK_DEATH,
    )  # fmt: skip
    with hold_first_article(web, len(articles)) as first_article:
        worker = workers.start("w", *args)
        first_article.wait_held("the worker to ask for its first article")
        redis_proc.send_signal(signal.SIGSTOP)
    try:
        code = worker.wait(timeout=BOUND)
    finally:
        redis_proc.send_signal(signal.SIGCONT)
    err = worker.stderr
    assert code == 1, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    (stopped,) = [line for line in err.splitlines() if line.startswith("stopped: ")]
    assert f"Redis at redis://127.0.0.1:{server.port}/0 did not answer" in stopped
    (summary_file,) = (worker.cwd / "data" / "runs").glob("*/summary.json")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    assert summary["errors"].get("redis_unavailable") == 1
    assert summary["stopped_early"] and "did not answer" in summary["stopped_early"]

    # Redis is back. What the worker had taken from the shared queue is found by the next round
    # (it began after the stopped worker's heartbeat ran out); nothing is written twice.
    client, prefix = redis_client(server.uri())
    wait_until(
        lambda: not live_workers(client, prefix, SPIDER, timeout=2),
        30,
        "the stopped worker's heartbeat to run out",
    )
    client.close()
    again = workers.start("w", *args)
    assert again.wait(timeout=240) == 0, again.stderr[-3000:]
    urls = [row["url"] for row in again.rows()]
    assert len(urls) == len(set(urls)), "an article written twice"
    assert set(urls) == set(articles)


def test_marks_redis_did_not_take_land_once_it_answers_again(
    own_redis: tuple[RedisServer, subprocess.Popen[bytes]],
) -> None:
    from state.redis import RedisSeenStore

    server, redis_proc = own_redis
    store = RedisSeenStore.from_uri(server.uri(), timeout=0.5)
    redis_proc.send_signal(signal.SIGSTOP)
    try:
        store.mark_seen(["https://berita.example/a", "https://berita.example/b"])
        assert store.pending == ["https://berita.example/a", "https://berita.example/b"]
        # Frozen for good: the retry gives up within its bound and keeps the marks.
        assert store.retry_pending(0.5) == 2
        # Thawed while the retry waits: the marks land.
        thaw = threading.Timer(1.0, redis_proc.send_signal, args=(signal.SIGCONT,))
        thaw.start()
        assert store.retry_pending(30) == 0
        thaw.join()
    finally:
        redis_proc.send_signal(signal.SIGCONT)
    assert store.pending == []
    assert server.client().smembers(store.key) == {b"https://berita.example/a", b"https://berita.example/b"}
    store.close()
