"""Send every request through one forward proxy (``KLIPING_PROXY``), e.g. the offline replay web."""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class ProxyMiddleware:
    """Downloader middleware that sets ``meta['proxy']`` on every request that has none."""

    def __init__(self, proxy: str) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProxyMiddleware:
        proxy = crawler.settings.get("KLIPING_PROXY")
        if not proxy:
            raise NotConfigured  # no message: Scrapy would log a warning for the usual case
        return cls(proxy)

    def process_request(self, request: Request) -> None:
        request.meta.setdefault("proxy", self.proxy)
