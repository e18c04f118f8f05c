"""Tasks for the pool's tests, run in its workers (importable there by name)."""

from __future__ import annotations

import os
import signal


def spin() -> None:
    """A task that never ends and keeps its CPU busy: a page the extractor hangs on."""
    while True:
        pass


def hog() -> None:
    """A task that allocates without end: a page that blows the extractor's memory."""
    held = []
    while True:
        held.append(bytearray(16 << 20))


def die() -> None:
    """A task whose worker dies under it (a crash in C code, the OOM killer)."""
    os.kill(os.getpid(), signal.SIGKILL)


def fail() -> None:
    raise ValueError("the page made the extractor raise")


def pid() -> int:
    return os.getpid()


def echo(value: object) -> object:
    return value
