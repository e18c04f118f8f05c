"""Real servers the tests and the chaos soak start on loopback: a free port, and ``redis-server`` in
a subprocess (moto's S3 server is in ``tests/stores/moto.py``). Every wait here has a bound."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.polling import wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_binary() -> str | None:
    """The ``redis-server`` program, or None when it is not installed (``make debs`` installs it)."""
    return shutil.which("redis-server")


@dataclass
class RedisServer:
    """A redis-server subprocess on 127.0.0.1 (no persistence), or the address of one."""

    port: int
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @classmethod
    def start(cls, workdir: Path, env: dict[str, str] | None = None, bound: float = 20.0) -> RedisServer:
        """Start one in ``workdir``; returns once it answers PING (fails after ``bound`` seconds)."""
        binary = redis_binary()
        if binary is None:
            raise RuntimeError("redis-server not installed (`make debs` installs the Debian package)")
        port = free_port()
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = cls(port, proc)
        client = server.client()

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                if proc.poll() is not None:
                    raise RuntimeError(f"redis-server exited at start with {proc.returncode}") from None
                return False

        try:
            wait_until(answers, bound, "redis-server to answer PING")
        except BaseException:
            server.stop()
            raise
        finally:
            client.close()
        return server

    def uri(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=10)

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open and nothing answers."""
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.resume()  # a stopped process does not act on SIGTERM
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=20)
