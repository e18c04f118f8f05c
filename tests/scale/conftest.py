"""Fixtures for scale-out: a real ``redis-server`` on loopback, the made-up outlet on the replay
web, and kliping workers started as separate processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from replayweb import ReplayWeb
from tests.conftest import REPO
from tests.polling import wait_until
from tests.scale import newsweb
from tests.servers import RedisServer, free_port, redis_binary
from tests.warcs import read_jsonl

# Imported from here by the scale tests.
__all__ = ["RedisServer", "free_port", "wait_until"]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if redis_binary() is None:
        pytest.skip("redis-server not installed (`make debs` installs the Debian package)")
    server = RedisServer.start(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_uri(redis_server: RedisServer) -> Iterator[str]:
    """An empty Redis database for one test."""
    client = redis_server.client()
    client.flushall()
    client.close()
    yield redis_server.uri()


@pytest.fixture
def news_web() -> Iterator[tuple[ReplayWeb, list[str]]]:
    """The made-up outlet (16 articles) on its own replay web."""
    with ReplayWeb() as web:
        urls = newsweb.serve(web, 16)
        yield web, urls


@dataclass
class Worker:
    """One kliping process with its own working directory and output."""

    proc: subprocess.Popen[str]
    cwd: Path

    def wait(self, timeout: float = 180) -> int:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        return int(self.proc.returncode)

    def kill(self) -> None:
        """SIGKILL the worker and its extraction processes (its own process group)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def pause(self) -> None:
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.proc.pid, signal.SIGCONT)

    @property
    def stderr(self) -> str:
        return (self.cwd / "stderr.txt").read_text(encoding="utf-8", errors="replace")

    def rows(self) -> list[dict[str, Any]]:
        return read_jsonl(sorted((self.cwd / "data" / "text").rglob("*.jsonl")))


@dataclass
class Workers:
    """Starts ``kliping`` workers; every one is killed at the end of the test if still running."""

    root: Path
    started: list[Worker]

    def start(self, name: str, *args: str) -> Worker:
        cwd = self.root / name
        cwd.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(cwd / "stderr.txt", "w"),  # noqa: SIM115 (the child owns it)
            text=True,
            # Its own process group, so a SIGKILL takes its extraction processes along.
            start_new_session=True,
        )
        worker = Worker(proc, cwd)
        self.started.append(worker)
        return worker


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(tmp_path, [])
    yield pool
    for worker in pool.started:
        # The whole group, also of a worker that died on its own: its extraction processes may live on.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait(timeout=30)
