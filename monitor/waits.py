"""Waits on other systems in progress (an S3 upload, a Redis call), so a stall is seen, not silent.

A component that blocks on a dependency wraps the call in :func:`waiting`; the run's monitor
(:mod:`monitor.extension`) reads :func:`stalled` every few seconds and puts any wait older than
``KLIPING_STALL_WARNING`` seconds in the progress line, as a warning. Every such wait also has
its own bound (a timeout) where it is made; this module only makes it visible meanwhile.

A leaf module (no Scrapy, no kliping imports): any layer may use it. Thread-safe: uploads wait
in threads.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Wait:
    """One wait in progress: what it waits for and since when (``time.monotonic()``)."""

    what: str
    since: float

    def age(self, now: float | None = None) -> float:
        return (time.monotonic() if now is None else now) - self.since


_lock = threading.Lock()
_ids = itertools.count()
_waits: dict[int, Wait] = {}


@contextlib.contextmanager
def waiting(what: str) -> Iterator[None]:
    """Around a blocking call on a dependency: it shows in :func:`stalled` while it lasts."""
    wait_id = next(_ids)
    with _lock:
        _waits[wait_id] = Wait(what, time.monotonic())
    try:
        yield
    finally:
        with _lock:
            _waits.pop(wait_id, None)


def stalled(older_than: float) -> list[Wait]:
    """The waits in progress for longer than ``older_than`` seconds, oldest first."""
    now = time.monotonic()
    with _lock:
        found = [w for w in _waits.values() if now - w.since > older_than]
    return sorted(found, key=lambda w: w.since)


def describe(waits: list[Wait], limit: int = 3) -> str:
    """``waits`` in a few words each, for a log line: ``S3 upload of x.warc.gz (95 s)``."""
    now = time.monotonic()
    text = ", ".join(f"{w.what} ({w.age(now):.0f} s)" for w in waits[:limit])
    if len(waits) > limit:
        text += f", +{len(waits) - limit} more"
    return text


__all__ = ["Wait", "describe", "stalled", "waiting"]
