"""Why a fetch failed, in kliping's words: one classifier for every fault of the web.

Scrapy reports faults as exception classes (``DownloadTimeoutError``, ``DownloadFailedError``
wrapping Twisted's ``ConnectionLost``...), ``IgnoreRequest`` messages and its own stats keys.
:func:`failure_reason` turns a failed request's exception into a :class:`Reason`: the summary
section (``errors`` or ``skipped``) and a stable snake_case name (``timed_out``,
``connection_lost``, ``too_large``...). The spiders' errback counts it as
``kliping/<section>/<name>``; :func:`exception_reason` names the exception classes Scrapy's retry
stats use (``retry/reason_count/scrapy.exceptions.DownloadTimeoutError``) the same way.

:class:`FaultCounter` counts at the source the faults no errback of ours sees: robots.txt that
cannot be fetched or read, and redirect loops (Scrapy's duplicate filter drops the looping
request without a word). The table of reasons is in docs/operating.md.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)

from fetch.guard import BlockedDestination
from fetch.redirects import UnsupportedRedirect
from fetch.shutdown import DownloadStopped

logger = logging.getLogger(__name__)

#: Exception class names (Scrapy's and Twisted's) -> kliping's error reason.
EXCEPTION_REASONS: dict[str, str] = {
    "DownloadTimeoutError": "timed_out",
    "TimeoutError": "timed_out",
    "TCPTimedOutError": "timed_out",
    "ConnectionLost": "connection_lost",
    "ConnectionDone": "connection_lost",
    "ResponseDataLossError": "connection_lost",
    "PotentialDataLoss": "connection_lost",
    "DownloadConnectionRefusedError": "connection_refused",
    "ConnectionRefusedError": "connection_refused",
    "CannotResolveHostError": "dns_failed",
    "DNSLookupError": "dns_failed",
    "UnsupportedURLSchemeError": "unsupported_url",
}

#: Wrappers of another failure: named by what they wrap when it is known, else by these names.
WRAPPER_REASONS: dict[str, str] = {
    "DownloadFailedError": "download_failed",
    "ResponseFailed": "download_failed",
    "ResponseNeverReceived": "download_failed",
}

#: Refusals that count and log themselves where they are raised (fetch/guard.py, fetch/redirects.py):
#: an errback that gets one has nothing to add.
COUNTED_AT_SOURCE: tuple[type[Exception], ...] = (BlockedDestination, UnsupportedRedirect)

#: ``IgnoreRequest`` from the ``HttpCompressionMiddleware``: a body bigger than DOWNLOAD_MAXSIZE unzipped.
_BOMB = "during decompression"
#: ``DownloadCancelledError`` from the download handler: a body bigger than DOWNLOAD_MAXSIZE.
_MAXSIZE = "larger than download max size"

#: ``IgnoreRequest`` from the ``RedirectMiddleware``: more than REDIRECT_MAX_TIMES hops.
_MAX_REDIRECTS = "max redirections reached"


class RobotsUnreachable(IgnoreRequest):
    """A request not sent because its host's robots.txt could not be had this run (RFC 9309 reads
    an unreachable robots.txt as complete disallow; see fetch/robots.py). ``why`` is the real
    reason the host could not be reached: ``DNS lookup failed``, ``connection refused``,
    ``timed out``, ``robots.txt answered HTTP 503``."""

    def __init__(self, netloc: str, why: str) -> None:
        super().__init__(f"not fetched: {netloc} unreachable this run ({why})")
        self.netloc = netloc
        self.why = why


class Reason(NamedTuple):
    """Where a fault is counted: ``kliping/<section>/<name>``."""

    section: str  # "errors" or "skipped"
    name: str

    @property
    def key(self) -> str:
        return f"kliping/{self.section}/{self.name}"


def exception_reason(name: str) -> str:
    """kliping's reason for an exception class name, dotted (``scrapy.exceptions.X``) or not."""
    short = name.rsplit(".", 1)[-1]
    return EXCEPTION_REASONS.get(short) or WRAPPER_REASONS.get(short, short)


def _wrapped(exc: BaseException) -> BaseException | None:
    """The first Twisted failure a ``DownloadFailedError`` / ``ResponseFailed`` wraps."""
    cause = exc.__cause__ or exc
    reasons = getattr(cause, "reasons", None)
    if reasons:
        value = getattr(reasons[0], "value", None)
        return value if isinstance(value, BaseException) else None
    return cause if cause is not exc else None


def describe_exception(exc: BaseException) -> str:
    """A short human reason for a request that failed with ``exc``."""
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    if isinstance(exc, RobotsUnreachable):
        return exc.why
    if isinstance(exc, (DNSLookupError, CannotResolveHostError)):
        return "DNS lookup failed"
    if isinstance(exc, (TimeoutError, TCPTimedOutError, DownloadTimeoutError)):
        return "timed out"
    if isinstance(exc, (ConnectionRefusedError, DownloadConnectionRefusedError)):
        return "connection refused"
    if isinstance(exc, (ConnectionLost, ResponseDataLossError)):
        return "connection lost"
    text = str(exc).strip().splitlines()
    if isinstance(exc, IgnoreRequest) and text:
        return text[0]  # kliping's and Scrapy's own reasons, already in words
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def failure_reason(exc: BaseException) -> Reason:
    """The reason a request failed with ``exc`` (see the module docstring)."""
    if isinstance(exc, HttpError):
        return Reason("errors", f"http_{exc.response.status}")
    text = str(exc)
    if isinstance(exc, RobotsUnreachable):
        # Not the site's rules: its host could not be reached (counted once under errors as
        # robots_txt_unavailable); the requests it held back are skipped under their own name.
        return Reason("skipped", "host_unreachable")
    if isinstance(exc, DownloadStopped):
        return Reason("skipped", "stopped")  # cancelled at the stop deadline: owed to the next run
    if isinstance(exc, BlockedDestination):
        return Reason("skipped", "blocked_destination")
    if isinstance(exc, UnsupportedRedirect):
        return Reason("skipped", "unsupported_redirect")
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in text:
            return Reason("skipped", "robots")
        if _BOMB in text or type(exc.__cause__).__name__ == "_DecompressionMaxSizeExceeded":
            return Reason("skipped", "decompression_bomb")
        if _MAX_REDIRECTS in text:
            return Reason("errors", "too_many_redirects")
        return Reason("skipped", "ignored")
    if isinstance(exc, DownloadCancelledError):
        return Reason("skipped", "too_large") if _MAXSIZE in text else Reason("errors", "cancelled")
    for cls in type(exc).__mro__:
        if cls.__name__ in EXCEPTION_REASONS:
            return Reason("errors", EXCEPTION_REASONS[cls.__name__])
    inner = _wrapped(exc)
    if inner is not None:
        inner_reason = failure_reason(inner)
        if inner_reason.name != type(inner).__name__:
            return inner_reason
    return Reason("errors", exception_reason(type(exc).__name__))


def is_robots_txt(request: Request) -> bool:
    """Whether ``request`` is the ``RobotsTxtMiddleware``'s own robots.txt request."""
    return bool(request.meta.get("dont_obey_robotstxt")) and urlsplit(request.url).path == "/robots.txt"


def unreadable(body: bytes) -> bool:
    """A robots.txt body that is no text (binary, or not UTF-8): Scrapy then obeys nothing in it."""
    if b"\0" in body:
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


class FaultCounter:
    """Downloader middleware counting the faults no errback sees (see the module docstring).

    It sits just below the ``RetryMiddleware`` (550), so it sees a request's last outcome only.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FaultCounter:
        return cls(crawler)

    def count(self, reason: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"kliping/errors/{reason}")

    def process_response(self, request: Request, response: Response) -> Response:
        if is_robots_txt(request):
            if response.status >= 500:
                self.count("robots_txt_unavailable")
                # fetch.robots says what it means for the host, and the spider once per outlet.
                logger.info("robots.txt unavailable: %s answered %d", request.url, response.status)
            elif response.status == 200 and unreadable(response.body):
                self.count("robots_txt_unreadable")
                logger.warning("robots.txt unreadable (not text): %s", request.url)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if is_robots_txt(request) and not isinstance(exception, IgnoreRequest):
            self.count("robots_txt_unavailable")
            logger.info("robots.txt unavailable: %s (%s)", request.url, failure_reason(exception).name)

    def request_dropped(self, request: Request, spider: Spider, **_: Any) -> None:
        # The duplicate filter drops a redirect back to a URL of the same chain: a loop.
        if request.url in (request.meta.get("redirect_urls") or ()):
            self.count("redirect_loop")
            logger.warning("redirect loop: %s", request.meta["redirect_urls"][0])


__all__ = [
    "COUNTED_AT_SOURCE",
    "EXCEPTION_REASONS",
    "FaultCounter",
    "Reason",
    "RobotsUnreachable",
    "exception_reason",
    "failure_reason",
    "is_robots_txt",
]
