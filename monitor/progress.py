"""Progress on stderr: a one-line status redrawn in place on a terminal, plain lines elsewhere."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO


def bar_wanted(mode: str, stream: TextIO) -> bool:
    """Whether to draw a bar: ``on``, ``off``, or ``auto`` (only on a terminal, not when TERM=dumb)."""
    mode = (mode or "auto").strip().lower()
    if mode in ("on", "1", "true", "yes"):
        return True
    if mode in ("off", "0", "false", "no"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


class StatusLine:
    """A single line redrawn in place (``\\r``) on a terminal; :meth:`finish` ends it with a newline."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self._width = 0

    def draw(self, text: str) -> None:
        pad = max(0, self._width - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._width = len(text)

    def finish(self) -> None:
        if self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0


class ByteProgress:
    """Progress over a known number of bytes: a bar on a terminal, else a line every ``interval`` s.

    ``interval`` 0 switches the periodic lines off (the bar, when wanted, is still drawn).
    """

    def __init__(
        self,
        total: int,
        *,
        label: str = "",
        interval: float = 30.0,
        bar: bool = False,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = max(total, 0)
        self.label = label
        self.interval = interval
        self.bar = bar
        self.stream = stream or sys.stderr
        self.clock = clock
        self.done = 0
        self.items = 0
        self.started = clock()
        self._last = self.started
        self._status = StatusLine(self.stream) if bar else None

    def text(self) -> str:
        elapsed = max(self.clock() - self.started, 1e-9)
        share = self.done / self.total if self.total else 1.0
        rate = self.done / elapsed
        return (
            f"{self.label}{share:6.1%} {human_bytes(self.done)}/{human_bytes(self.total)}"
            f" ({human_bytes(rate)}/s), {self.items} articles"
        )

    def update(self, done: int, items: int) -> None:
        self.done = min(done, self.total) if self.total else done
        self.items = items
        now = self.clock()
        if self._status is not None:
            if now - self._last >= 0.2:
                self._last = now
                width = 30
                filled = int(width * (self.done / self.total if self.total else 1))
                self._status.draw(f"[{'#' * filled}{'.' * (width - filled)}] {self.text()}")
        elif self.interval > 0 and now - self._last >= self.interval:
            self._last = now
            self.stream.write(f"progress: {self.text()}\n")
            self.stream.flush()

    def close(self) -> None:
        self.done = self.total or self.done
        if self._status is not None:
            self._status.draw(f"[{'#' * 30}] {self.text()}")
            self._status.finish()
        elif self.interval > 0:
            self.stream.write(f"progress: {self.text()}\n")
            self.stream.flush()
