"""Scrapy's duplicate filter with the run's request fingerprints on disk instead of in a set."""

from __future__ import annotations

from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.request import RequestFingerprinterProtocol

from fetch.runkeys import RunKeys


class RunKeysDupeFilter(RFPDupeFilter):
    """:class:`scrapy.dupefilters.RFPDupeFilter` (the default ``DUPEFILTER_CLASS`` of kliping's
    scheduler) whose fingerprints live in :class:`fetch.runkeys.RunKeys`: the crawl's memory stays
    flat however many URLs its sitemaps list. With ``JOBDIR`` Scrapy's ``requests.seen`` file is
    read and appended as before; the shared frontier uses scrapy-redis's filter instead."""

    def __init__(
        self,
        path: str | None = None,
        debug: bool = False,
        *,
        fingerprinter: RequestFingerprinterProtocol | None = None,
    ) -> None:
        super().__init__(path, debug, fingerprinter=fingerprinter)
        keys = RunKeys()
        keys.update(self._fingerprints)
        # RFPDupeFilter.request_seen only tests membership and adds: RunKeys does both.
        self._fingerprints = keys  # type: ignore[assignment]
        self._keys = keys

    def close(self, reason: str) -> None:
        super().close(reason)
        self._keys.close()


__all__ = ["RunKeysDupeFilter"]
