"""Fixtures for scale-out: a real ``redis-server`` on loopback, the made-up outlet on the replay
web, and kliping workers started as separate processes."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from replayweb import ReplayWeb
from tests.conftest import REPO
from tests.polling import wait_until
from tests.scale import newsweb
from tests.warcs import read_jsonl


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RedisServer:
    """A redis-server subprocess on 127.0.0.1."""

    port: int

    def uri(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not installed (`make debs` installs the Debian package)")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(port)
    client = server.client()

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            assert proc.poll() is None, "redis-server exited at start"
            return False

    try:
        wait_until(answers, 20, "redis-server to answer PING")
        yield server
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=20)


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
