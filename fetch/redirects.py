"""Redirects the crawler will not follow, named as such.

Scrapy's ``RedirectMiddleware`` follows a redirect only to ``http`` and ``https``; one to
``ftp:``, ``file:``, ``data:``, ``javascript:`` (or a ``Location`` it cannot read) comes back as
the 3xx response itself, which the spider then sees as an HTTP error (``errors.http_302``). It is
neither an error of the site's server nor of ours: :class:`UnsupportedRedirects` counts it as
``kliping/skipped/unsupported_redirect`` with one line, and the request ends there. The 3xx
response is archived like every other response (the archiver writes it before any middleware).
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from w3lib.url import safe_url_string

from fetch.guard import safe_url

logger = logging.getLogger(__name__)

#: Stats key counting redirects to a scheme the crawler does not fetch.
UNSUPPORTED_KEY = "kliping/skipped/unsupported_redirect"
#: Statuses Scrapy's ``RedirectMiddleware`` follows.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
FETCHED_SCHEMES = frozenset({"http", "https"})


class UnsupportedRedirect(IgnoreRequest):
    """A redirect to a scheme the crawler does not fetch; counted and logged where it was raised."""


def redirect_target(request: Request, response: Response) -> str | None:
    """Where ``response`` redirects ``request`` as Scrapy's ``RedirectMiddleware`` reads it, or
    None when it is no redirect Scrapy would act on."""
    location = response.headers.get("Location")
    if response.status not in REDIRECT_STATUSES or not location:
        return None
    if request.meta.get("dont_redirect") or request.meta.get("handle_httpstatus_all"):
        return None
    if response.status in request.meta.get("handle_httpstatus_list", ()):
        return None
    target = safe_url_string(location)
    if location.startswith(b"//"):
        target = urlsplit(request.url).scheme + "://" + target.lstrip("/")
    return urljoin(request.url, target)


class UnsupportedRedirects:
    """Downloader middleware just outside Scrapy's ``RedirectMiddleware`` (600): see the module
    docstring."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UnsupportedRedirects:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        try:
            target = redirect_target(request, response)
            scheme = urlsplit(target).scheme.lower() if target is not None else None
        except ValueError:
            target, scheme = "(unreadable Location)", ""
        handled = getattr(self.crawler.spider, "handle_httpstatus_list", ())
        if target is None or scheme in FETCHED_SCHEMES or response.status in handled:
            return response
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(UNSUPPORTED_KEY)
        shown = target if len(target) <= 200 else target[:200] + "..."
        logger.warning(
            "unsupported redirect: %s answered %d to %s (only http and https are fetched)",
            safe_url(request.url),
            response.status,
            shown,
        )
        raise UnsupportedRedirect(f"redirect to an unsupported scheme: {shown}")


__all__ = ["UNSUPPORTED_KEY", "UnsupportedRedirect", "UnsupportedRedirects", "redirect_target"]
