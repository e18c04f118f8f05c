"""The one spider for every outlet, driven by its config: ``scrapy crawl outlet -a outlet=detik``.

Each run reads every discovery source again (robots.txt, sitemaps, feeds, index pages), turns the
article links into canonical URLs, and requests only those the seen store does not know and that
``--since`` and ``--max-articles`` allow. A story split across pages is fetched as its single-page
variant or page by page, and handed on as one :class:`StoryItem`.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from scrapy import Request
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from fetch.canonical import canonical_url
from fetch.faults import RobotsUnreachable, failure_reason
from fetch.robots import RobotsTxtMiddleware
from fetch.runkeys import RunKeys
from lifecycle.extension import RunLifecycle
from settings.outlets import Discovery, Outlet, outlet_for_url
from spiders.base import describe_failure
from spiders.discovery import Link
from spiders.discovery.feed import links_from_feed
from spiders.discovery.index import links_from_index
from spiders.discovery.robots import sitemaps_from_robots
from spiders.discovery.sitemap import links_from_sitemap
from spiders.pages import StorySpider
from spiders.params import OutletSpiderParams, ParamsError, parse_params
from spiders.signals import listing_read
from state import SeenStore

logger = logging.getLogger(__name__)


class OutletSpider(StorySpider):
    """Reads each outlet's listings, then fetches the new article pages they link to."""

    name = "outlet"
    #: Its runs are judged for each outlet's health (monitor.healthwatch).
    outlet_health = True
    # Listings link to pages that are gone (404) every day: counted in the run summary, and
    # logged one by one only with -v, so a scheduled run's log shows what needs attention.
    http_failure_log_level = logging.INFO

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        ours, theirs = self.split_args(kwargs)
        self.params = parse_params(OutletSpiderParams, ours)
        super().__init__(*args, **theirs)
        self.reached: dict[str, int] = defaultdict(int)
        #: outlet -> (host, real reason) of every listing that could not be fetched
        self.unreached: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.queued: dict[str, int] = defaultdict(int)
        #: outlet -> counts the run's outcome reads (docs/operating.md, Exit codes)
        self.health: dict[str, Counter[str]] = defaultdict(Counter)
        # Stories already decided this run, by a 16-byte digest of their URL, on disk: a first run
        # over sitemaps of 100,000 articles would otherwise hold them all in memory.
        self.taken = RunKeys()
        self.seen: SeenStore | None = None

    def check_input(self) -> None:
        self.selected()

    def selected(self) -> list[Outlet]:
        outlets = self.outlets()
        names = self.params.outlet or tuple(outlets)
        unknown = [n for n in names if n not in outlets]
        if unknown:
            raise ParamsError(f"unknown outlet {unknown[0]!r} (known: {', '.join(sorted(outlets))})")
        return [outlets[n] for n in names]

    async def start(self) -> AsyncIterator[Any]:
        lifecycle = self.crawler.get_extension(RunLifecycle)
        self.seen = lifecycle.store if lifecycle is not None else None
        for outlet in self.selected():
            for source in outlet.discovery:
                yield self.listing_request(outlet, source.kind, source.url, source)

    # --- discovery ------------------------------------------------------------------------------

    def listing_request(self, outlet: Outlet, kind: str, url: str, source: Discovery) -> Request:
        return Request(
            url,
            callback=self.parse_listing,
            errback=self.listing_failed,
            dont_filter=kind == "robots",
            cb_kwargs={"outlet": outlet.name, "kind": kind, "source": source},
            priority=10,
        )

    def parse_listing(
        self, response: Response, outlet: str, kind: str, source: Discovery
    ) -> Iterator[Request]:
        config = self.outlet(outlet)
        self.reached[config.name] += 1
        self.count("kliping/discovery/listings")
        links: list[Link]
        if kind == "robots":
            links = sitemaps_from_robots(response.body, response.url)
        elif kind == "sitemap":
            links = links_from_sitemap(response.body)
        elif kind == "feed":
            links = links_from_feed(response.body)
        else:
            pattern = source.link_pattern or config.article_pattern
            links = links_from_index(response.body, response.url, pattern)
        self.crawler.signals.send_catch_log(
            listing_read, outlet=outlet, source=source.url, kind=source.kind, url=_asked(response),
            status=response.status, links=len(links), error=None,
        )  # fmt: skip
        for link in links:
            if link.is_listing:
                if not source.follows_sitemap(link.url):
                    self.count("kliping/skipped/sitemap_not_followed")
                elif not self.is_recent(config, link):
                    self.count("kliping/skipped/before_since")
                else:
                    yield self.listing_request(config, "sitemap", link.url, source)
                continue
            request = self.article_request(config, link)
            if request is not None:
                yield request

    def is_recent(self, outlet: Outlet, link: Link) -> bool:
        """False when ``--since`` is given and the listing dates the link before it."""
        since = self.params.since
        if not since or not link.published:
            return True
        zone = ZoneInfo(outlet.timezone_for(link.url))
        published = link.published if link.published.tzinfo else link.published.replace(tzinfo=zone)
        return published >= datetime.combine(since, time.min, tzinfo=zone)

    def article_request(self, outlet: Outlet, link: Link) -> Request | None:
        """The request for a listed article, or None (counted) when it is not to be fetched."""
        url = canonical_url(link.url, outlet.canonical)
        if not outlet.is_article(url):
            self.count("kliping/skipped/not_article_url")
            return None
        key = hashlib.blake2b(url.encode("utf-8"), digest_size=16).digest()
        if key in self.taken:
            return None
        self.health[outlet.name]["article_links"] += 1
        if not self.is_recent(outlet, link):
            self.count("kliping/skipped/before_since")
            return None
        # Another listing may link the same story: decided once per run.
        self.taken.add(key)
        if self.seen is not None and self.seen.is_seen(url):
            self.count("kliping/skipped/already_seen")
            return None
        limit = self.params.max_articles
        if limit is not None and self.queued[outlet.name] >= limit:
            self.count("kliping/skipped/max_articles")
            return None
        self.queued[outlet.name] += 1
        self.health[outlet.name]["requested"] += 1
        self.count("kliping/discovery/articles")
        return self.first_page_request(outlet, url)

    def failed_article(self, outlet: str, failure: Failure, *, first_page: bool) -> None:
        """An article request that failed: *gone* when a listing links a page the site answers
        404 or 410 for (taken down, or never there), otherwise *failed*."""
        value = failure.value
        if first_page and isinstance(value, HttpError) and value.response.status in GONE_STATUSES:
            self.health[outlet]["gone"] += 1
            self.count("kliping/articles/gone")
        elif value is not None and (
            isinstance(value, RobotsUnreachable) or failure_reason(value).section == "errors"
        ):
            self.health[outlet]["failed"] += 1

    def listing_failed(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]
        outlet = self.outlet(request.cb_kwargs["outlet"])
        source: Discovery = request.cb_kwargs["source"]
        error = failure.value
        self.crawler.signals.send_catch_log(
            listing_read, outlet=outlet.name, source=source.url, kind=source.kind, url=_asked(request),
            status=error.response.status if isinstance(error, HttpError) else None, links=0,
            error=describe_failure(failure),
        )  # fmt: skip
        if isinstance(error, HttpError):
            # The site answered: the listing is stale or gone (an error, counted), the outlet reachable.
            self.reached[outlet.name] += 1
            if request.cb_kwargs.get("kind") == "robots" and error.response.status < 500:
                # No robots.txt (RFC 9309: allow all): a source with no Sitemap lines, not an error.
                self.count("kliping/discovery/no_robots_txt")
                return
        else:
            host = urlsplit(request.url).netloc
            self.unreached[outlet.name].append((host, describe_failure(failure)))
        self.request_failed(failure)

    def closed(self, reason: str) -> None:
        robots = self.crawler.get_downloader_middleware(RobotsTxtMiddleware)
        down_hosts = robots.unreachable if robots is not None else {}
        unreachable, partly = [], []
        for outlet in self.selected():
            name = outlet.name
            health = self.health[name]
            health["listings_reached"] = self.reached[name]
            if self.unreached[name] and not self.reached[name]:
                unreachable.append(
                    f"{name}: could not reach any listing: {reasons_by_host(self.unreached[name])}"
                )
                continue
            hosts = [
                (h, why) for h, why in down_hosts.items() if outlet_for_url(f"http://{h}/", {name: outlet})
            ]
            if hosts:
                partly.append(f"{name}: nothing fetched this run from {reasons_by_host(hosts)}")
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("kliping/unreachable_outlets", unreachable)
            self.crawler.stats.set_value("kliping/partly_unreachable_outlets", partly)
            self.crawler.stats.set_value(
                OUTLET_HEALTH, {name: dict(counts) for name, counts in sorted(self.health.items())}
            )
        # One line per outlet: the real reason, its hosts; the run summary and exit code follow.
        for line in unreachable:
            logger.error("%s", line)
        for line in partly:
            logger.warning("%s", line)
        self.taken.close()


#: Article pages a site answers with these are gone (taken down), not a failure of the crawl.
GONE_STATUSES = (404, 410)
#: Stats key of the per-outlet counts the run's outcome reads.
OUTLET_HEALTH = "kliping/outlet_health"


def _asked(message: Request | Response) -> str:
    """The URL first asked for, before any redirect."""
    redirects = message.meta.get("redirect_urls") or [message.url]
    return str(redirects[0])


def reasons_by_host(failures: list[tuple[str, str]], most: int = 3) -> str:
    """``DNS lookup failed (a.example, b.example); timed out (c.example)``: each reason once, with
    at most ``most`` hosts named, so a line stays short however many listings an outlet has."""
    by_reason: dict[str, list[str]] = {}
    for host, why in failures:
        hosts = by_reason.setdefault(why, [])
        if host not in hosts:
            hosts.append(host)
    parts = []
    for why, hosts in by_reason.items():
        named = ", ".join(hosts[:most]) + (f" and {len(hosts) - most} more" if len(hosts) > most else "")
        parts.append(f"{why} ({named})")
    return "; ".join(parts)


__all__ = ["GONE_STATUSES", "OUTLET_HEALTH", "OutletSpider", "reasons_by_host"]
