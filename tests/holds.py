"""Holding back one answer of the replay web: a "while the crawler waits for this page" moment that
does not depend on timing, for tests that must act at such a moment (stop a worker, kill a run).

A fixed delay on a page only makes the moment likely (a loaded machine may be slower than the
delay); a held answer makes it certain, and ends as soon as the test is done with it.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from functools import partial
from types import TracebackType

from replayweb import ReplayWeb
from tests.polling import wait_until


class AnswerHold:
    """Holds back the replay web's answer to one request for one of ``pages`` until :meth:`release`.

    Each page is served through a stream fault (after ``delay`` seconds), whose factory the server
    calls as it answers. The first call while :attr:`armed` for which ``when(url)`` holds blocks
    the server until released (at most ``bound`` seconds); every other call answers at once. While
    held, the client that asked has not received the page, and the web answers nothing at all.
    Use it as a context manager, so the server is released whatever the test does.
    """

    def __init__(
        self,
        web: ReplayWeb,
        pages: dict[str, bytes],
        *,
        when: Callable[[str], bool] = lambda url: True,
        delay: float = 0.0,
        armed: bool = True,
        bound: float = 180.0,
    ) -> None:
        self.when = when
        self.armed = armed
        self.bound = bound
        self.held = threading.Event()
        self.released = threading.Event()
        for url, body in pages.items():
            web.fault(url, delay=delay, stream=partial(self._answer, url, body), stream_length=len(body))

    def _answer(self, url: str, body: bytes) -> list[bytes]:
        if self.armed and not self.held.is_set() and self.when(url):
            self.held.set()
            self.released.wait(self.bound)
        return [body]

    def wait_held(self, what: str, proc: subprocess.Popen[str] | None = None, timeout: float = 120) -> None:
        """Until an answer is held (or ``proc`` has ended); fails naming ``what`` after ``timeout``."""
        wait_until(
            lambda: self.held.is_set() or (proc is not None and proc.poll() is not None), timeout, what
        )

    def release(self) -> None:
        self.released.set()

    def __enter__(self) -> AnswerHold:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()
