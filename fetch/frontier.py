"""Hooks the durable frontier (:mod:`state.frontier`) to Scrapy: a killed crawl resumes where it was.

- ``request_scheduled``: a request whose callback is named in ``KLIPING_FRONTIER_CALLBACKS`` (the
  article callbacks: ``parse_article``, ``parse_page``) is recorded as pending, with its seen key
  (:mod:`lifecycle.keys`); one the same job already settled before a restart is dropped
  (``kliping/skipped/done_before_restart``).
- ``response_received``: a redirected request is re-keyed under its final URL (the URL its text
  record and recovery know it by), so an article reached by a redirect is not fetched again.
- ``spider_opened``: the job's pending requests whose article the seen store already has are
  settled without a fetch (a kill between marking seen and settling; another worker of a shared
  frontier saved it: ``kliping/frontier/reconciled``); the rest are scheduled again with their
  callback looked up by name on the spider and their keys in ``meta``, so a resumed request is
  settled and marked seen like a fresh one. A request that stays pending although a run fetched
  it (it failed) is tried by at most ``KLIPING_FRONTIER_MAX_ATTEMPTS`` runs, then given up
  (``kliping/skipped/frontier_gave_up``).

Settling a request is not done here: :class:`lifecycle.extension.RunLifecycle` settles each
article once it is durable (docs/reliability.md, "The run's lifecycle"), and ends the run
through :meth:`FrontierExtension.end`.

Spiders need no code for this. A spider may define ``frontier_job()`` (the identity of a job,
default: its name and arguments) and ``frontier_kwargs(data)`` (check or rebuild ``cb_kwargs`` from
their JSON form; KeyError or ValueError skips the row) and ``frontier_errback(callback_name)``
(the errback of a resumed request; default: its ``request_failed``); ``settings.outlets.Outlet``
values are stored by name and come back as the name.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from fetch.shutdown import STOPPED_META
from lifecycle.keys import FRONTIER_META, SEEN_META, ArticleKeys
from lifecycle.settle import reconcile
from lifecycle.stops import stopping_on_failure
from settings.runinfo import run_id
from state import SeenStore
from state.frontier import Frontier, frontier_path

logger = logging.getLogger(__name__)


def _errback_for(spider: Spider, callback_name: str) -> Any:
    pick = getattr(spider, "frontier_errback", None)
    errback = pick(callback_name) if pick is not None else None
    return errback or getattr(spider, "request_failed", None)


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
        # Frontier URLs whose download ended in this run and that are not settled (yet, or ever:
        # those count an attempt at the end). Settled URLs leave it, so it holds what is in flight
        # and what failed, not every URL of the run.
        self.unsettled: set[str] = set()
        self.run_id = run_id(crawler.settings)
        connect = crawler.signals.connect
        connect(self.spider_opened, signal=signals.spider_opened)
        connect(self.request_scheduled, signal=signals.request_scheduled)
        connect(self.request_left_downloader, signal=signals.request_left_downloader)
        connect(self.response_received, signal=signals.response_received)

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

    def seen_store(self) -> SeenStore | None:
        from lifecycle.extension import RunLifecycle

        try:
            lifecycle = self.crawler.get_extension(RunLifecycle)
        except (KeyError, RuntimeError):
            return None
        return lifecycle.store if lifecycle is not None else None

    def spider_opened(self, spider: Spider) -> None:
        with stopping_on_failure(self.crawler, str(self.frontier.path)):
            self.resume(spider)

    def resume(self, spider: Spider) -> None:
        """Register the run, settle what is already seen, and schedule what the job still owes."""
        self.job = job_key(spider)
        self.frontier.start_run(self.run_id, self.job, spider.name)
        store = self.seen_store()
        if store is not None:
            reconciled = reconcile(self.frontier, store, self.job)
            if reconciled:
                self.count("kliping/frontier/reconciled", reconciled)
                logger.info("%d owed article(s) already seen: settled without fetching", reconciled)
        engine = self.crawler.engine
        assert engine is not None
        for owed in self.frontier.pending(self.job):
            if owed.attempts >= self.max_attempts:
                self.frontier.give_up(self.job, owed.url)
                self.count("kliping/skipped/frontier_gave_up")
                logger.warning("giving up on %s after %d attempts", owed.url, owed.attempts)
                continue
            request = self.resumed_request(
                spider, owed.url, owed.callback, owed.cb_kwargs, ArticleKeys(owed.url, owed.seen_key)
            )
            if request is None:
                self.count("kliping/skipped/frontier_unreadable")
                logger.warning("cannot resume %s: its callback or arguments no longer exist", owed.url)
                continue
            engine.crawl(request)
            self.count("kliping/frontier/resumed")

    def resumed_request(
        self,
        spider: Spider,
        url: str,
        callback_name: str,
        cb_kwargs: str,
        keys: ArticleKeys | None = None,
    ) -> Request | None:
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
            # The errback the spider gives requests of this callback (a story's page: its own, which
            # tells a page taken down from a failure and keeps a partial story); else the generic one.
            errback=_errback_for(spider, callback_name),
            cb_kwargs=kwargs,
            # The keys it was scheduled with: settled and marked seen like a fresh request.
            meta=(keys or ArticleKeys(url)).meta() | {FRONTIER_META: url},
            priority=10,  # owed work first
        )

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        with stopping_on_failure(self.crawler, str(self.frontier.path)):
            self.record(request)

    def record(self, request: Request) -> None:
        """Owe an article request from the moment it is scheduled (IgnoreRequest: settled before)."""
        callback = getattr(request.callback, "__name__", None)
        if callback not in self.callbacks:
            return
        if FRONTIER_META in request.meta:
            return  # a retry, a redirect, a story's next page or a resumed request: already recorded
        if self.frontier.is_done(self.job, request.url):
            self.count("kliping/skipped/done_before_restart")
            raise IgnoreRequest(f"settled before a restart: {request.url}")
        kwargs = encode_kwargs(request.cb_kwargs)
        if kwargs is None:
            return
        self.frontier.add_pending(self.job, request.url, callback, kwargs, request.meta.get(SEEN_META))
        request.meta[FRONTIER_META] = request.url

    def request_left_downloader(self, request: Request, spider: Spider) -> None:
        url = request.meta.get(FRONTIER_META)
        # A download cancelled at the stop deadline is not the page's fault: no attempt counted.
        if url and not request.meta.get(STOPPED_META):
            self.unsettled.add(url)

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        with stopping_on_failure(self.crawler, str(self.frontier.path)):
            self.rekey(response, request)

    def rekey(self, response: Response, request: Request) -> None:
        """Re-key a redirected request under the URL it landed on.

        Text records (and so recovery after a kill) know an article by its final URL. Recording
        the final URL as owed before settling the first one means a kill at any point leaves the
        article owed under one of them, and a recovered text record settles it.
        """
        url = request.meta.get(FRONTIER_META)
        if not url or url == response.url or not request.meta.get("redirect_urls"):
            return  # not a redirect (a story's next page keeps its first page's key)
        callback = getattr(request.callback, "__name__", None)
        kwargs = encode_kwargs(request.cb_kwargs)
        if callback is None or kwargs is None:
            return
        self.frontier.add_pending(self.job, response.url, callback, kwargs, request.meta.get(SEEN_META))
        self.frontier.mark_done([url], self.job)
        request.meta[FRONTIER_META] = response.url
        self.unsettled.discard(url)
        self.unsettled.add(response.url)
        self.count("kliping/frontier/redirected")

    def settled(self, urls: Iterable[str]) -> None:
        """The lifecycle settled these frontier URLs: they count no attempt."""
        self.unsettled.difference_update(urls)

    def excused(self, urls: Iterable[str]) -> None:
        """These owed frontier URLs were abandoned at a stop, not failed: they count no attempt."""
        self.unsettled.difference_update(urls)

    def end(self, *, finished: bool, needs_recovery: bool, owed: Iterable[str]) -> None:
        """End the run in the frontier, after its last file is closed and its last article settled.

        A finished job owing nothing is forgotten; one with ``owed`` articles (fetched, their
        processing failed) keeps them pending with one more attempt, and its settled rows, so its
        next run fetches only those (:meth:`state.frontier.Frontier.finish`). A run that stopped
        early counts an attempt for each request it fetched without settling (a killed run counts
        nothing: the kill is not the page's fault). A run whose output needs recovery stays registered, so the
        next start recovers it as a killed run.
        """
        if not finished:
            for url in self.unsettled:
                self.frontier.count_attempt(self.job, url)
        self.frontier.finish(
            None if needs_recovery else self.run_id, self.job if finished else None, owed if finished else ()
        )

    def close(self) -> None:
        self.frontier.close()


__all__ = [
    "FrontierExtension",
    "decode_kwargs",
    "encode_kwargs",
    "job_key",
]
