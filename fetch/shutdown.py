"""A stop signal ends the crawl within ``KLIPING_SHUTDOWN_TIMEOUT`` seconds, files complete.

On SIGTERM or SIGINT Scrapy closes the spider gracefully, but waits for every download in flight,
which can take ``DOWNLOAD_TIMEOUT`` (60 s) or more, and for every request the downloader has
queued behind them (each then gets its own ``DOWNLOAD_TIMEOUT``). :class:`ShutdownDeadline`
chains Scrapy's signal handler: at the first signal it arms a timer; when it fires, it sends
:data:`stop_deadline_reached`, and

- the download handler (:class:`InflightDownloads`, used by :mod:`fetch.wirehead`) cancels every
  download in flight and refuses every one the downloader still had queued;
- :class:`StopDeadlineMiddleware` makes each of those fail with :class:`DownloadStopped`, which
  the retry middleware does not retry (a timeout would be retried, and run its course);
- the extraction pipeline abandons the stories still being extracted (``pipelines.extract``).

So the engine's close goes on at once: WARCs are closed and renamed, text batches closed (Parquet
ones left staged for the next run, :mod:`pipelines.staged_parquet`), stats written. The requests
cancelled stay pending in the frontier, with no attempt counted against them (the stop is not the
page's fault), and the next run fetches them first.

A second signal is Scrapy's forced stop: the reactor stops at once. Every WARC record is flushed
when written, so files stay readable; the next start recovers what was left ``.open``.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

Handler = Callable[[int, FrameType | None], Any]

_SIGNALS = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGINT", None)) if s is not None]

#: Crawler signal (no arguments) sent once when the stop deadline passes: whatever still runs is
#: abandoned and stays owed. A receiver may return what it abandoned as ``(what, count)``, logged.
stop_deadline_reached = object()

#: Crawler signal sent with ``timeout=`` (seconds) at the first stop signal: components that wait
#: on other systems bound those waits from now on (``archive.stores.extension`` caps uploads).
stop_requested = object()

#: ``request.meta`` key set on a request abandoned at the stop deadline.
STOPPED_META = "kliping_stopped"

#: Stats key: downloads cancelled in flight or refused from the downloader's queue at the deadline.
CANCELLED_KEY = "kliping/shutdown/cancelled_downloads"


class DownloadStopped(IgnoreRequest):
    """A download cancelled (or never started) because the stop deadline passed; the request stays
    owed in the frontier. An ``IgnoreRequest``, so no middleware retries it."""


def _reactor() -> Any:
    from twisted.internet import reactor

    return reactor


class InflightDownloads:
    """The downloads in flight in one download handler, cancelled when the stop deadline passes.

    A handler calls :meth:`track` around each download; once the deadline has passed, new
    downloads are refused at once (the downloader's queue behind the cancelled ones drains).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stopped = False
        self.active: dict[int, tuple[Request, Deferred[Any]]] = {}
        crawler.signals.connect(self.stop, signal=stop_deadline_reached)

    def _count(self) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(CANCELLED_KEY)

    def refuse_if_stopped(self, request: Request) -> None:
        """Raise :class:`DownloadStopped` for a download that would start after the deadline."""
        if self.stopped:
            request.meta[STOPPED_META] = True
            self._count()
            raise DownloadStopped(f"not started: the stop deadline has passed: {request.url}")

    @contextlib.contextmanager
    def track(self, request: Request, download: Deferred[Any]) -> Iterator[None]:
        """Around a download: cancellable until it ends; a cancelled one raises DownloadStopped."""
        self.active[id(request)] = (request, download)
        try:
            yield
        except Exception as exc:
            if request.meta.get(STOPPED_META):
                raise DownloadStopped(f"cancelled at the stop deadline: {request.url}") from exc
            raise
        finally:
            self.active.pop(id(request), None)

    def stop(self) -> tuple[str, int]:
        """Cancel every download in flight; refuse the later ones. Returns how many were cancelled."""
        self.stopped = True
        cancelled = list(self.active.values())
        for request, download in cancelled:
            # Marked first: the cancel may run the errbacks (and Scrapy's signals) right away.
            request.meta[STOPPED_META] = True
            self._count()
            download.cancel()
        return "downloads", len(cancelled)


class StopDeadlineMiddleware:
    """Downloader middleware: a request abandoned at the stop deadline fails as :class:`DownloadStopped`.

    It sits next to the download handler (above the ``RetryMiddleware``), so whatever the cancel
    looked like (a timeout, a lost connection) is never retried.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StopDeadlineMiddleware:
        if crawler.settings.getfloat("KLIPING_SHUTDOWN_TIMEOUT") <= 0:
            raise NotConfigured("KLIPING_SHUTDOWN_TIMEOUT is 0")
        return cls()

    def process_exception(self, request: Request, exception: Exception) -> None:
        if request.meta.get(STOPPED_META) and not isinstance(exception, DownloadStopped):
            raise DownloadStopped(f"cancelled at the stop deadline: {request.url}") from exception


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

        logger.info("stopping: what still runs in %.0f s is cancelled and stays owed", self.timeout)
        self.timer = reactor.callLater(self.timeout, self.expire)
        self.crawler.signals.send_catch_log(stop_requested, timeout=self.timeout)

    def expire(self) -> None:
        self.timer = None
        counts: dict[str, int] = {"downloads": 0}
        for _receiver, value in self.crawler.signals.send_catch_log(stop_deadline_reached):
            if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], int):
                counts[str(value[0])] = counts.get(str(value[0]), 0) + value[1]
        done = ", ".join(f"{n} {what}" for what, n in counts.items())
        logger.warning("stop deadline reached: cancelled %s in flight; they stay owed to the next run", done)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None


__all__ = [
    "CANCELLED_KEY",
    "STOPPED_META",
    "DownloadStopped",
    "InflightDownloads",
    "ShutdownDeadline",
    "StopDeadlineMiddleware",
    "stop_deadline_reached",
    "stop_requested",
]
