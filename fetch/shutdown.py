"""A stop signal ends the crawl within ``KLIPING_SHUTDOWN_TIMEOUT`` seconds, files complete.

On SIGTERM or SIGINT Scrapy closes the spider gracefully, but waits for every download in flight,
which can take ``DOWNLOAD_TIMEOUT`` (60 s) or more. This extension chains Scrapy's signal handler:
at the first signal it arms a timer; when it fires, every download still in flight is cancelled
the way its own timeout would cancel it (the pending ``Deferred.cancel`` calls are run early), so
the engine's close goes on: WARCs are closed and renamed, text batches closed (Parquet ones left
staged for the next run, :mod:`pipelines.staged_parquet`), stats written. The
cancelled requests stay pending in the frontier and are fetched by the next run.

A second signal is Scrapy's forced stop: the reactor stops at once. Every WARC record is flushed
when written, so files stay readable; the next start recovers what was left ``.open``.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

Handler = Callable[[int, FrameType | None], Any]

_SIGNALS = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGINT", None)) if s is not None]


def _reactor() -> Any:
    from twisted.internet import reactor

    return reactor


def cancel_inflight_downloads(reactor: Any) -> int:
    """Run now every pending ``Deferred.cancel`` timeout (Scrapy's download timeouts); returns how many."""
    cancelled = 0
    for call in list(reactor.getDelayedCalls()):
        func = call.func
        if getattr(func, "__func__", None) is Deferred.cancel and call.active():
            call.cancel()
            func()
            cancelled += 1
    return cancelled


class ShutdownDeadline:
    """Scrapy extension bounding the graceful stop (see the module docstring)."""

    def __init__(self, crawler: Crawler, timeout: float) -> None:
        self.crawler = crawler
        self.timeout = timeout
        self.armed = False
        self.timer: Any = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ShutdownDeadline:
        timeout = crawler.settings.getfloat("KLIPING_SHUTDOWN_TIMEOUT")
        if timeout <= 0:
            raise NotConfigured("KLIPING_SHUTDOWN_TIMEOUT is 0")
        return cls(crawler, timeout)

    def spider_opened(self, spider: Spider) -> None:
        reactor = _reactor()

        # After the reactor's start-up triggers, so Scrapy's own handlers are in place to chain.
        reactor.callWhenRunning(reactor.callLater, 0, self.install)

    def install(self) -> None:
        for signum in _SIGNALS:
            previous = signal.getsignal(signum)
            if not callable(previous):
                continue
            signal.signal(signum, self._chain(previous))

    def _chain(self, previous: Handler) -> Handler:
        def handler(signum: int, frame: FrameType | None) -> Any:
            reactor = _reactor()

            if not self.armed:
                self.armed = True
                reactor.callFromThread(self.arm)
            return previous(signum, frame)

        return handler

    def arm(self) -> None:
        reactor = _reactor()

        logger.info("stopping: downloads still running in %.0f s are cancelled", self.timeout)
        self.timer = reactor.callLater(self.timeout, self.expire)

    def expire(self) -> None:
        reactor = _reactor()

        self.timer = None
        cancelled = cancel_inflight_downloads(reactor)
        if cancelled and self.crawler.stats is not None:
            self.crawler.stats.inc_value("kliping/shutdown/cancelled_downloads", cancelled)
        logger.warning("stop deadline reached: cancelled %d downloads in flight", cancelled)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None


__all__ = ["ShutdownDeadline", "cancel_inflight_downloads"]
