"""robots.txt as RFC 9309 reads it when it cannot be had.

RFC 9309 §2.3.1.4: a robots.txt that answers a server error (5xx), or cannot be fetched at all
(connection refused or reset, timeout, DNS), is *unreachable*, and the crawler must assume complete
disallow. Scrapy's own middleware reads both as allow-all, so a site that is struggling would get
the whole crawl at once. Here nothing else is fetched from that host for the rest of the run: each
of its requests is skipped as forbidden by robots.txt (``skipped.robots`` in the run summary), and
the next run asks again. Nothing is lost: the articles behind them were never fetched, so they are
not in the seen store, and the next run's discovery finds them again (a killed run's frontier
resumes them too). With several workers on a shared frontier (docs/scale.md) each worker reads
robots.txt for itself, so the verdict holds for the requests the worker that met it takes; the
others are fetched by the workers that read the rules.

A robots.txt that answers 4xx is *unavailable* (allow-all), one that is not text is parsed for
what it holds, and one cut at ``DOWNLOAD_MAXSIZE`` reads as allow-all: all three as Scrapy does.

robots.txt is fetched once per host and run. Discovery reads the same file for its ``Sitemap:``
lines: a spider's request for a host's ``/robots.txt`` is answered with the response this
middleware already fetched (and archived), not fetched a second time.
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached

from fetch.faults import RobotsUnreachable, describe_exception

logger = logging.getLogger(__name__)

#: Stats prefix counting, by status, the robots.txt responses handed to discovery a second time.
SHARED_STATUS = "kliping/robots/shared/"


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's ``RobotsTxtMiddleware`` with RFC 9309's complete disallow for a host whose robots.txt
    is unreachable (5xx after retries, or no response at all); see the module docstring."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        #: hosts (netloc) whose robots.txt was unreachable this run, and the real reason why
        self.unreachable: dict[str, str] = {}
        #: each host's robots.txt response, for discovery's request of the same file
        self.fetched: dict[str, Response] = {}

    # Scrapy's returns None; returning a Response (the shared robots.txt) is the public middleware contract.
    async def process_request(  # type: ignore[override]
        self, request: Request, spider: object = None
    ) -> Response | None:
        if request.meta.get("dont_obey_robotstxt") or request.url.startswith(("data:", "file:")):
            return None
        rp = await self.robot_parser(request)
        self.process_request_2(rp, request)
        return self.shared_response(request)

    def shared_response(self, request: Request) -> Response | None:
        """The response this middleware fetched for ``request``'s robots.txt, when ``request`` asks
        for that very file (discovery's robots source): returned from ``process_request``, it is not
        downloaded again (nor archived twice)."""
        url = urlparse_cached(request)
        fetched = self.fetched.get(url.netloc)
        if fetched is None or url.path != "/robots.txt" or url.query or request.method != "GET":
            return None
        if request.url != fetched.url:
            return None
        # Scrapy's downloader stats will count this response again: the summary takes it back out.
        self._stats.inc_value(f"{SHARED_STATUS}{fetched.status}")
        return fetched.replace(request=request, flags=[*fetched.flags, "robots-shared"])

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._refuse(netloc, f"robots.txt answered HTTP {response.status}")
        else:
            self.fetched[netloc] = response
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        # A robots.txt over DOWNLOAD_MAXSIZE was reached: it is too big, not unreachable.
        if not isinstance(exc, IgnoreRequest | DownloadCancelledError):
            self._refuse(netloc, describe_exception(exc))
        super()._robots_error(exc, netloc)

    def _refuse(self, netloc: str, why: str) -> None:
        self.unreachable[netloc] = why
        # INFO: the spider reports it once per outlet (an outlet has several hosts).
        logger.info(
            "%s unreachable (%s): nothing is fetched from it this run (RFC 9309: unreachable "
            "robots.txt means complete disallow); the next run asks again",
            netloc,
            why,
        )

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        netloc = urlparse_cached(request).netloc
        if netloc in self.unreachable:
            # Counted by the errback as skipped.host_unreachable, not as forbidden by robots.txt:
            # the site forbade nothing, it could not be reached.
            raise RobotsUnreachable(netloc, self.unreachable[netloc])
        super().process_request_2(rp, request)


__all__ = ["RobotsTxtMiddleware", "RobotsUnreachable"]
