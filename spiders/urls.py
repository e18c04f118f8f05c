"""The spider for a one-off URL list: ``scrapy crawl urls -a file=links.txt``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response

from fetch.canonical import canonical_url
from settings.outlets import outlet_for_url
from spiders.items import StoryItem
from spiders.pages import StorySpider
from spiders.params import UrlsSpiderParams, parse_params
from spiders.urllist import read_url_list, report_lines

logger = logging.getLogger(__name__)


class UrlsSpider(StorySpider):
    """Fetches every good line of a URL list once; bad lines are reported as ``FILE:LINE: reason``.

    A URL of a configured outlet's article gets that outlet's pagination and extraction hints.
    """

    name = "urls"
    marks_seen = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        ours, theirs = self.split_args(kwargs)
        self.report_bad_lines = str(ours.pop("report_bad_lines", "1")) not in ("0", "false", "no")
        self.params = parse_params(UrlsSpiderParams, ours)
        super().__init__(*args, **theirs)

    async def start(self) -> AsyncIterator[Any]:
        good, bad = read_url_list(self.params.file, max_length=self.settings.getint("URLLENGTH_LIMIT"))
        if self.report_bad_lines:
            for line in report_lines(bad):
                logger.error("%s", line)
        self.count("kliping/bad_input/url_lines", len(bad))
        outlets = self.outlets()
        for entry in good:
            outlet = outlet_for_url(entry.url, outlets)
            story_url = canonical_url(entry.url, outlet.canonical) if outlet is not None else None
            if outlet is not None and story_url is not None and outlet.is_article(story_url):
                # An article of a configured outlet: fetched as the crawl fetches it (all its
                # pages, or its single-page variant) and extracted with the outlet's hints.
                yield self.first_page_request(outlet, story_url)
                continue
            yield Request(
                entry.url,
                callback=self.parse_page,
                errback=self.request_failed,
                cb_kwargs={
                    "outlet": outlet.name if outlet else None,
                    "hints": outlet.hints(entry.url) if outlet else {},
                },
            )

    def parse_page(
        self, response: Response, outlet: str | None, hints: dict[str, Any]
    ) -> Iterator[StoryItem]:
        story = self.story_from(response, outlet, hints)
        if story is not None:
            yield story
