"""The one spider for every outlet, driven by its config: ``scrapy crawl outlet -a outlet=detik``.

Each run reads every discovery source again (robots.txt, sitemaps, feeds, index pages), turns the
article links into canonical URLs, and requests only those the seen store does not know and that
``--since`` and ``--max-articles`` allow. A story split across pages is fetched as its single-page
variant or page by page, and handed on as one :class:`StoryItem`.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, time
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from fetch.canonical import canonical_url, with_query
from fetch.runkeys import RunKeys
from pipelines.seen import SEEN_KEY, SeenTracker
from settings.outlets import Discovery, Outlet, load_outlets
from spiders.base import KlipingSpider, describe_failure
from spiders.discovery import Link
from spiders.discovery.feed import links_from_feed
from spiders.discovery.index import links_from_index
from spiders.discovery.robots import sitemaps_from_robots
from spiders.discovery.sitemap import links_from_sitemap
from spiders.items import Page, StoryItem
from spiders.params import OutletSpiderParams, ParamsError, parse_params
from spiders.signals import listing_read
from state import SeenStore

logger = logging.getLogger(__name__)


class OutletSpider(KlipingSpider):
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
        self.unreached: dict[str, list[str]] = defaultdict(list)
        self.queued: dict[str, int] = defaultdict(int)
        # Stories already decided this run, by a 16-byte digest of their URL, on disk: a first run
        # over sitemaps of 100,000 articles would otherwise hold them all in memory.
        self.taken = RunKeys()
        self.seen: SeenStore | None = None
        self._outlets: dict[str, Outlet] | None = None

    def check_input(self) -> None:
        self.selected()

    def selected(self) -> list[Outlet]:
        outlets = self.outlets()
        names = self.params.outlet or tuple(outlets)
        unknown = [n for n in names if n not in outlets]
        if unknown:
            raise ParamsError(f"unknown outlet {unknown[0]!r} (known: {', '.join(sorted(outlets))})")
        return [outlets[n] for n in names]

    def outlets(self) -> dict[str, Outlet]:
        """Every configured outlet by name, read once per run."""
        if self._outlets is None:
            self._outlets = dict(load_outlets(self.settings.getlist("KLIPING_OUTLETS_DIRS")))
        return self._outlets

    def outlet(self, name: str) -> Outlet:
        """The outlet a request names. Requests carry the name, not the config: the disk queue and
        Redis pickle every pending request, and an outlet's config is much larger than its name."""
        return self.outlets()[name]

    def frontier_kwargs(self, data: dict[str, Any]) -> dict[str, Any]:
        """``cb_kwargs`` of a request resumed from the frontier; KeyError (the row is skipped) when
        it names an outlet that is no longer configured."""
        self.outlet(data["outlet"])
        return data

    async def start(self) -> AsyncIterator[Any]:
        tracker = self.crawler.get_extension(SeenTracker)
        self.seen = tracker.store if tracker is not None else None
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
        self.count("kliping/discovery/articles")
        if outlet.pagination.mode == "single_page":
            return self.page_request(
                outlet, url, with_query(url, outlet.pagination.single_page_query), [], follow=False
            )
        return self.page_request(outlet, url, url, [], follow=outlet.pagination.mode == "follow")

    # --- articles -------------------------------------------------------------------------------

    def page_request(
        self, outlet: Outlet, story_url: str, url: str, pages: list[Page], follow: bool
    ) -> Request:
        return Request(
            url,
            callback=self.parse_article,
            errback=self.page_failed,
            meta={SEEN_KEY: story_url},
            cb_kwargs={"outlet": outlet.name, "story_url": story_url, "pages": pages, "follow": follow},
        )

    def parse_article(
        self, response: Response, outlet: str, story_url: str, pages: list[Page], follow: bool
    ) -> Iterator[StoryItem | Request]:
        config = self.outlet(outlet)
        if not isinstance(response, HtmlResponse):
            self.count("kliping/skipped/not_html")
            if pages:
                yield self.story(config, story_url, pages)
            return
        pages = [*pages, self.page_from(response)]
        following = self.next_page(response, config, story_url, pages) if follow else None
        if following is not None:
            yield self.page_request(config, story_url, following, pages, follow=True)
            return
        if len(pages) > 1:
            self.count("kliping/articles/multi_page")
        yield self.story(config, story_url, pages)

    def next_page(self, response: Response, outlet: Outlet, story_url: str, pages: list[Page]) -> str | None:
        """The URL of the story's next page, or None on its last page."""
        if len(pages) >= outlet.pagination.max_pages:
            return None
        fetched = {p.url for p in pages}
        for href in response.css(outlet.pagination.next_selector).getall():
            url = urljoin(response.url, href.strip())
            # A "next" link to another story (some layouts use rel=next for the next article) is not a page.
            if url not in fetched and canonical_url(url, outlet.canonical) == story_url:
                return url
        return None

    def story(self, outlet: Outlet, story_url: str, pages: list[Page]) -> StoryItem:
        return StoryItem(pages=pages, outlet=outlet.name, hints=outlet.hints(story_url), url=story_url)

    def page_failed(self, failure: Failure) -> Iterator[StoryItem | Request]:
        request: Request = failure.request  # type: ignore[attr-defined]
        kwargs = request.cb_kwargs
        outlet = self.outlet(kwargs["outlet"])
        pages: list[Page] = kwargs["pages"]
        story_url: str = kwargs["story_url"]
        self.request_failed(failure)
        single = outlet.pagination.mode == "single_page" and not pages and request.url != story_url
        if single and outlet.pagination.fallback_follow and isinstance(failure.value, HttpError):
            # No all-in-one variant for this story (a one-page story, or a site section without it).
            self.count("kliping/pagination/single_page_fallback")
            yield self.page_request(outlet, story_url, story_url, [], follow=True)
        elif pages:
            # Keep what was fetched; the story stays unseen so a later run can fetch it whole.
            self.count("kliping/errors/partial_story")
            yield self.story(outlet, story_url, pages)

    def listing_failed(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]
        outlet = self.outlet(request.cb_kwargs["outlet"])
        source: Discovery = request.cb_kwargs["source"]
        error = failure.value
        http = isinstance(error, HttpError)
        self.crawler.signals.send_catch_log(
            listing_read, outlet=outlet.name, source=source.url, kind=source.kind, url=_asked(request),
            status=error.response.status if isinstance(error, HttpError) else None, links=0,
            error=describe_failure(failure),
        )  # fmt: skip
        if http:
            # The site answered: the listing is stale or gone (an error, counted), the outlet reachable.
            self.reached[outlet.name] += 1
        else:
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
        self.taken.close()


def _asked(message: Request | Response) -> str:
    """The URL first asked for, before any redirect."""
    redirects = message.meta.get("redirect_urls") or [message.url]
    return str(redirects[0])


__all__ = ["OutletSpider"]
