"""Waiting in tests without sleeps that pass silently: poll a condition with a bound, fail after it."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``check`` (every 50 ms) until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


def listening(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on ``host:port`` now."""
    try:
        socket.create_connection((host, port), timeout=0.5).close()
    except OSError:
        return False
    return True
