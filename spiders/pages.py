"""Fetching an outlet's article as one story, whichever spider found its URL.

A story split across pages is fetched as the outlet's config says (``[pagination]``): its
single-page variant (``?page=all``, falling back to the pages one by one), its pages followed by
their next links and joined, or one page. The ``outlet`` spider uses it for the articles its
listings name, the ``urls`` spider for every URL of a list that belongs to a configured outlet.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from fetch.canonical import canonical_url, with_query
from lifecycle.keys import SEEN_META
from settings.outlets import Outlet, load_outlets
from spiders.base import KlipingSpider, describe_failure
from spiders.items import Page, StoryItem

logger = logging.getLogger(__name__)


class StorySpider(KlipingSpider):
    """A spider that fetches outlets' articles page by page into one :class:`StoryItem` each."""

    #: Whether a stored story is marked seen (the crawl: yes; a one-off URL list: no).
    marks_seen = True

    _outlets: dict[str, Outlet] | None = None

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

    def frontier_errback(self, callback_name: str) -> Any:
        """The errback of a request resumed from the frontier: a story's page fails as it would
        have in the run that scheduled it (gone, partial story, single-page fallback)."""
        return self.page_failed if callback_name == "parse_article" else None

    def first_page_request(self, outlet: Outlet, url: str) -> Request:
        """The first request for the story at (canonical) ``url``, as the outlet's pagination says."""
        if outlet.pagination.mode == "single_page":
            return self.page_request(
                outlet, url, with_query(url, outlet.pagination.single_page_query), [], follow=False
            )
        return self.page_request(outlet, url, url, [], follow=outlet.pagination.mode == "follow")

    def page_request(
        self, outlet: Outlet, story_url: str, url: str, pages: list[Page], follow: bool
    ) -> Request:
        return Request(
            url,
            callback=self.parse_article,
            errback=self.page_failed,
            # The crawl marks a story seen once it is safely stored; a scrape of a list does not.
            meta={SEEN_META: story_url} if self.marks_seen else {},
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
        single = outlet.pagination.mode == "single_page" and not pages and request.url != story_url
        if single and outlet.pagination.fallback_follow and isinstance(failure.value, HttpError):
            # No all-in-one variant for this story (a one-page story, or a site section without it):
            # the pages are fetched one by one, so this is no failure (and no error).
            self.count("kliping/pagination/single_page_fallback")
            logger.debug("no single-page variant %s (%s)", request.url, describe_failure(failure))
            yield self.page_request(outlet, story_url, story_url, [], follow=True)
            return
        self.request_failed(failure)
        self.failed_article(outlet.name, failure, first_page=not pages)
        if pages:
            # Keep what was fetched; the story stays unseen so a later run can fetch it whole.
            self.count("kliping/errors/partial_story")
            yield self.story(outlet, story_url, pages)

    def failed_article(self, outlet: str, failure: Failure, *, first_page: bool) -> None:
        """Called for an article request that failed for good (the outlet spider counts them)."""


__all__ = ["StorySpider"]
