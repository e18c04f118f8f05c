"""Hooks the durable frontier (:mod:`state.frontier`) to Scrapy: a killed crawl resumes where it was.

- ``request_scheduled``: a request whose callback is named in ``KLIPING_FRONTIER_CALLBACKS`` (the
  article callbacks: ``parse_article``, ``parse_page``) is recorded as pending; one the same job
  already settled before a restart is dropped (``kliping/skipped/done_before_restart``).
- ``response_received``: a redirected request is re-keyed under its final URL (the URL its text
  record and recovery know it by), so an article reached by a redirect is not fetched again.
- ``item_scraped`` / ``item_dropped`` / ``item_error``: the story behind the item is in the WARC
  (the extract pipeline writes its story record first), so its request is settled; except an item
  dropped with an exception marked ``owed`` (its extraction failed or was abandoned at a stop):
  that request stays pending and the next run fetches and extracts it again.
  :class:`FrontierSpiderMiddleware` settles requests whose callback yields no item (not HTML).
- ``spider_opened``: the job's pending requests from a killed or stopped run are scheduled again
  with their callback looked up by name on the spider; a request that stays pending although a run
  fetched it (it failed) is tried by at most ``KLIPING_FRONTIER_MAX_ATTEMPTS`` runs, then given up
  (``kliping/skipped/frontier_gave_up``).
- ``spider_closed`` with reason ``finished`` and no work owed: the job owes nothing, its rows are
  forgotten. A run that left work owed (an extraction that failed) keeps its job for the next run.

Spiders need no code for this. A spider may define ``frontier_job()`` (the identity of a job,
default: its name and arguments) and ``frontier_kwargs(data)`` (check or rebuild ``cb_kwargs`` from
their JSON form; KeyError or ValueError skips the row); ``settings.outlets.Outlet`` values are
stored by name and come back as the name.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from fetch.shutdown import STOPPED_META
from settings.runinfo import run_id
from state.frontier import Frontier, frontier_path

logger = logging.getLogger(__name__)

#: ``request.meta`` key holding the frontier URL of a request (kept across redirects and retries).
FRONTIER_META_KEY = "kliping_frontier"


def _encode(value: Any) -> Any:
    from settings.outlets import Outlet

    if isinstance(value, Outlet):
        return {"$outlet": value.name}
    raise TypeError(f"cannot store {type(value).__name__} in the frontier")


def encode_kwargs(cb_kwargs: dict[str, Any]) -> str | None:
    """``cb_kwargs`` as JSON, or None when they cannot be stored (the request is then not tracked)."""
    try:
        return json.dumps(cb_kwargs, default=_encode, sort_keys=True)
    except (TypeError, ValueError):
        return None


def decode_kwargs(text: str) -> dict[str, Any]:
    """``cb_kwargs`` back from JSON; an outlet stored by :func:`encode_kwargs` comes back as its
    name, which is what outlet spiders' requests carry (the spider looks the config up)."""

    def hook(obj: dict[str, Any]) -> Any:
        return obj["$outlet"] if set(obj) == {"$outlet"} else obj

    data: dict[str, Any] = json.loads(text, object_hook=hook)
    return data


def job_key(spider: Spider) -> str:
    """The identity of a crawl job: what must match for a restart to resume it."""
    custom = getattr(spider, "frontier_job", None)
    if callable(custom):
        return str(custom())
    params = getattr(spider, "params", None)
    dump = getattr(params, "model_dump", None)
    args = dump(mode="json") if callable(dump) else {}
    return f"{spider.name}:{json.dumps(args, sort_keys=True, default=str)}"


class FrontierExtension:
    """Scrapy extension that keeps article requests in the durable frontier (see the module doc)."""

    def __init__(
        self, crawler: Crawler, frontier: Frontier, callbacks: Iterable[str], max_attempts: int
    ) -> None:
        self.crawler = crawler
        self.frontier = frontier
        self.callbacks = set(callbacks)
        self.max_attempts = max_attempts
        self.job = ""
        self.finished = False
        # Frontier URLs whose download ended in this run and that are not settled (yet, or ever:
        # those count an attempt at the end). Settled URLs leave it, so it holds what is in flight
        # and what failed, not every URL of the run.
        self.unsettled: set[str] = set()
        # Frontier URLs whose work this run failed (an extraction over its budget): they stay
        # pending, so a run that owes them has not finished its job.
        self.owed: set[str] = set()
        self.run_id = run_id(crawler.settings)
        connect = crawler.signals.connect
        connect(self.spider_opened, signal=signals.spider_opened)
        connect(self.request_scheduled, signal=signals.request_scheduled)
        connect(self.request_left_downloader, signal=signals.request_left_downloader)
        connect(self.response_received, signal=signals.response_received)
        connect(self.item_settled, signal=signals.item_scraped)
        connect(self.item_settled, signal=signals.item_dropped)
        connect(self.item_settled, signal=signals.item_error)
        connect(self.spider_closed, signal=signals.spider_closed)
        connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierExtension:
        settings = crawler.settings
        if not settings.getbool("KLIPING_FRONTIER_ENABLED"):
            raise NotConfigured("KLIPING_FRONTIER_ENABLED is off")
        return cls(
            crawler,
            Frontier(frontier_path(settings)),
            settings.getlist("KLIPING_FRONTIER_CALLBACKS"),
            settings.getint("KLIPING_FRONTIER_MAX_ATTEMPTS"),
        )

    def count(self, key: str, n: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, n)

    def spider_opened(self, spider: Spider) -> None:
        self.job = job_key(spider)
        self.frontier.start_run(self.run_id, self.job, spider.name)
        engine = self.crawler.engine
        assert engine is not None
        for owed in self.frontier.pending(self.job):
            if owed.attempts >= self.max_attempts:
                self.frontier.give_up(self.job, owed.url)
                self.count("kliping/skipped/frontier_gave_up")
                logger.warning("giving up on %s after %d attempts", owed.url, owed.attempts)
                continue
            request = self.resumed_request(spider, owed.url, owed.callback, owed.cb_kwargs)
            if request is None:
                self.count("kliping/skipped/frontier_unreadable")
                logger.warning("cannot resume %s: its callback or arguments no longer exist", owed.url)
                continue
            engine.crawl(request)
            self.count("kliping/frontier/resumed")

    def resumed_request(self, spider: Spider, url: str, callback_name: str, cb_kwargs: str) -> Request | None:
        """The request a pending row stands for, or None when the spider can no longer take it (its
        callback is gone, or ``frontier_kwargs`` rejects the arguments, e.g. an outlet removed)."""
        callback = getattr(spider, callback_name, None)
        if callback is None:
            return None
        try:
            kwargs = decode_kwargs(cb_kwargs)
            rebuild = getattr(spider, "frontier_kwargs", None)
            if rebuild is not None:
                kwargs = rebuild(kwargs)
        except (KeyError, ValueError):
            return None
        return Request(
            url,
            callback=callback,
            errback=getattr(spider, "request_failed", None),
            cb_kwargs=kwargs,
            meta={FRONTIER_META_KEY: url},
            priority=10,  # owed work first
        )

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        callback = getattr(request.callback, "__name__", None)
        if callback not in self.callbacks:
            return
        if FRONTIER_META_KEY in request.meta:
            return  # a retry, a redirect or a resumed request: already recorded under its first URL
        if self.frontier.is_done(self.job, request.url):
            self.count("kliping/skipped/done_before_restart")
            raise IgnoreRequest(f"settled before a restart: {request.url}")
        kwargs = encode_kwargs(request.cb_kwargs)
        if kwargs is None:
            return
        self.frontier.add_pending(self.job, request.url, callback, kwargs)
        request.meta[FRONTIER_META_KEY] = request.url

    def request_left_downloader(self, request: Request, spider: Spider) -> None:
        url = request.meta.get(FRONTIER_META_KEY)
        # A download cancelled at the stop deadline is not the page's fault: no attempt counted.
        if url and not request.meta.get(STOPPED_META):
            self.unsettled.add(url)

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        """Re-key a redirected request under the URL it landed on.

        Text records (and so recovery after a kill) know an article by its final URL. Recording
        the final URL as owed before settling the first one means a kill at any point leaves the
        article owed under one of them, and a recovered text record settles it.
        """
        url = request.meta.get(FRONTIER_META_KEY)
        if not url or url == response.url:
            return
        callback = getattr(request.callback, "__name__", None)
        kwargs = encode_kwargs(request.cb_kwargs)
        if callback is None or kwargs is None:
            return
        self.frontier.add_pending(self.job, response.url, callback, kwargs)
        self.frontier.mark_done([url], self.job)
        request.meta[FRONTIER_META_KEY] = response.url
        self.unsettled.discard(url)
        self.unsettled.add(response.url)
        self.count("kliping/frontier/redirected")

    def settle(self, response: Response | None) -> None:
        url = response.meta.get(FRONTIER_META_KEY) if response is not None else None
        if url:
            self.frontier.mark_done([url], self.job)
            self.unsettled.discard(url)

    def item_settled(
        self, item: Any, response: Response | None = None, exception: BaseException | None = None, **_: Any
    ) -> None:
        if getattr(exception, "owed", False):
            # Its extraction failed or was abandoned (pipelines.extract): the request stays pending
            # for the next run, and the job is not done. A stop's abandon is not the page's fault:
            # no attempt counted.
            url = response.meta.get(FRONTIER_META_KEY) if response is not None else None
            if url:
                self.owed.add(url)
                if not getattr(exception, "counts_attempt", True):
                    self.unsettled.discard(url)
            return
        self.settle(response)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if reason == "finished" and not self.owed:
            # Forgotten at engine_stopped, with the run's end: not before the last file is closed.
            self.finished = True
            return
        # An attempt is a run that fetched the request (or failed to) and ended without settling it.
        # A killed run counts nothing: the kill is not the page's fault.
        for url in self.unsettled:
            self.frontier.count_attempt(self.job, url)

    def engine_stopped(self) -> None:
        # Last: feeds and WARCs are closed by now, so this run needs no recovery (unless a write failed).
        from archive.space import NEEDS_RECOVERY_KEY

        stats = self.crawler.stats
        needs_recovery = stats is not None and stats.get_value(NEEDS_RECOVERY_KEY)
        self.frontier.finish(None if needs_recovery else self.run_id, self.job if self.finished else None)
        self.frontier.close()


class FrontierSpiderMiddleware:
    """Settles the frontier request of a response whose callback yielded no item (not HTML...)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierSpiderMiddleware:
        if not crawler.settings.getbool("KLIPING_FRONTIER_ENABLED"):
            raise NotConfigured("KLIPING_FRONTIER_ENABLED is off")
        return cls(crawler)

    def _settle_if_empty(self, response: Response, yielded_item: bool) -> None:
        if yielded_item or FRONTIER_META_KEY not in response.meta:
            return
        ext = self.crawler.get_extension(FrontierExtension)
        if ext is not None:
            ext.settle(response)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        yielded_item = False
        for obj in result:
            yielded_item = yielded_item or not isinstance(obj, Request)
            yield obj
        self._settle_if_empty(response, yielded_item)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        yielded_item = False
        async for obj in result:
            yielded_item = yielded_item or not isinstance(obj, Request)
            yield obj
        self._settle_if_empty(response, yielded_item)


__all__ = [
    "FRONTIER_META_KEY",
    "FrontierExtension",
    "FrontierSpiderMiddleware",
    "decode_kwargs",
    "encode_kwargs",
    "job_key",
]
