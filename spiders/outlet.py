"""The one spider for every outlet, driven by its config: ``scrapy crawl outlet -a outlet=detik``."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, time
from typing import Any

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from settings.outlets import Discovery, Outlet, load_outlets
from spiders.base import KlipingSpider, describe_failure
from spiders.discovery import Link
from spiders.discovery.feed import links_from_feed
from spiders.discovery.index import links_from_index
from spiders.discovery.robots import sitemaps_from_robots
from spiders.discovery.sitemap import links_from_sitemap
from spiders.items import StoryItem
from spiders.params import OutletSpiderParams, ParamsError, parse_params

logger = logging.getLogger(__name__)


class OutletSpider(KlipingSpider):
    """Reads each outlet's listings, then fetches the article pages they link to."""

    name = "outlet"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        ours, theirs = self.split_args(kwargs)
        self.params = parse_params(OutletSpiderParams, ours)
        super().__init__(*args, **theirs)
        self.reached: dict[str, int] = defaultdict(int)
        self.unreached: dict[str, list[str]] = defaultdict(list)
        self.queued: dict[str, int] = defaultdict(int)

    def selected(self) -> list[Outlet]:
        outlets = load_outlets(self.settings.getlist("KLIPING_OUTLETS_DIRS"))
        names = self.params.outlet or tuple(outlets)
        unknown = [n for n in names if n not in outlets]
        if unknown:
            raise ParamsError(f"unknown outlet {unknown[0]!r} (known: {', '.join(sorted(outlets))})")
        return [outlets[n] for n in names]

    async def start(self) -> AsyncIterator[Any]:
        for outlet in self.selected():
            for source in outlet.discovery:
                yield self.listing_request(outlet, source.kind, source.url, source)

    def listing_request(
        self, outlet: Outlet, kind: str, url: str, source: Discovery | None = None
    ) -> Request:
        return Request(
            url,
            callback=self.parse_listing,
            errback=self.listing_failed,
            dont_filter=kind == "robots",
            cb_kwargs={"outlet": outlet, "kind": kind, "source": source},
            priority=10,
        )

    def parse_listing(
        self, response: Response, outlet: Outlet, kind: str, source: Discovery | None
    ) -> Iterator[Request]:
        self.reached[outlet.name] += 1
        links: list[Link]
        if kind == "robots":
            links = sitemaps_from_robots(response.body, response.url)
        elif kind == "sitemap":
            links = links_from_sitemap(response.body)
        elif kind == "feed":
            links = links_from_feed(response.body)
        else:
            pattern = (source.link_pattern if source else None) or outlet.article_pattern
            links = links_from_index(response.body, response.url, pattern)
        for link in links:
            if link.is_listing:
                yield self.listing_request(outlet, "sitemap", link.url)
            elif self.wanted(outlet, link):
                yield Request(
                    link.url,
                    callback=self.parse_article,
                    errback=self.request_failed,
                    cb_kwargs={"outlet": outlet},
                )

    def wanted(self, outlet: Outlet, link: Link) -> bool:
        if not outlet.is_article(link.url):
            self.count("kliping/skipped/not_article_url")
            return False
        since = self.params.since
        if since and link.published:
            published = link.published if link.published.tzinfo else link.published.replace(tzinfo=UTC)
            if published < datetime.combine(since, time.min, tzinfo=UTC):
                self.count("kliping/skipped/before_since")
                return False
        limit = self.params.max_articles
        if limit is not None and self.queued[outlet.name] >= limit:
            self.count("kliping/skipped/max_articles")
            return False
        self.queued[outlet.name] += 1
        return True

    def parse_article(self, response: Response, outlet: Outlet) -> Iterator[StoryItem]:
        story = self.story_from(response, outlet.name, outlet.hints())
        if story is not None:
            yield story

    def listing_failed(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]
        outlet: Outlet = request.cb_kwargs["outlet"]
        self.unreached[outlet.name].append(f"{request.url} ({describe_failure(failure)})")
        self.request_failed(failure)

    def closed(self, reason: str) -> None:
        lines = []
        for name, failures in sorted(self.unreached.items()):
            if not self.reached[name]:
                lines.append(f"{name}: could not reach any listing: {', '.join(failures)}")
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("kliping/unreachable_outlets", lines)
        for line in lines:
            logger.error("%s", line)
