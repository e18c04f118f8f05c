"""Scrapy's scheduler with the run's pending requests on disk instead of in memory.

A sitemap can list a hundred thousand articles, all scheduled within seconds of reading it while
extraction works through them for hours: in memory that is a Request object each, and the crawl's
memory grows with the size of the outlet. Scrapy already has disk queues, but only for a paused
and resumable ``JOBDIR`` (which also persists the duplicate filter: not what a scheduled run that
resumes through :mod:`fetch.frontier` wants). This scheduler uses them for one run only: a
directory ``<KLIPING_WORKDIR>/queue/<run id>`` that is removed when the run ends, and by the
next run when a killed one left it behind.

With ``JOBDIR`` set it is Scrapy's scheduler unchanged; in shared-frontier mode
(:mod:`fetch.rounds`) the queue is in Redis and this class is not used.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.utils.job import job_dir
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred

from lifecycle.stops import stop_for
from settings.runinfo import run_ended_here, run_id, workdir

logger = logging.getLogger(__name__)


def queue_root(settings: Any) -> Path:
    """The directory that holds one queue directory per running crawl."""
    return Path(workdir(settings), "queue")


def remove_leftovers(root: Path) -> list[Path]:
    """Remove the queue directories of runs of this host that ended without removing theirs."""
    removed = []
    if root.is_dir():
        for path in sorted(root.iterdir()):
            if path.is_dir() and run_ended_here(path.name):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


class DiskQueueScheduler(Scheduler):
    """:class:`scrapy.core.scheduler.Scheduler` whose queue lives on disk for the run only.

    ``KLIPING_QUEUE_ON_DISK`` switches it off (Scrapy's memory queue). A request that cannot be
    pickled (a callback that is not a spider method, an object in ``meta`` that cannot be
    stored) stays in memory, counted as ``scheduler/unserializable`` and logged once.
    """

    def __init__(self, *args: Any, run_queue: Path | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.run_queue = run_queue
        # Set when a write to the disk queue failed (a full disk): it is not read again, and
        # what it held is the frontier's to resume at the next run.
        self.disk_failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DiskQueueScheduler:
        settings = crawler.settings
        jobdir = job_dir(settings)
        run_queue = None
        if jobdir is None and settings.getbool("KLIPING_QUEUE_ON_DISK"):
            root = queue_root(settings)
            for path in remove_leftovers(root):
                logger.info("removed the request queue a stopped run left: %s", path)
            run_queue = root / (run_id(settings) or "run")
            jobdir = str(run_queue)
        dupefilter_cls = load_object(settings["DUPEFILTER_CLASS"])
        return cls(
            dupefilter=build_from_crawler(dupefilter_cls, crawler),
            jobdir=jobdir,
            dqclass=load_object(settings["SCHEDULER_DISK_QUEUE"]),
            mqclass=load_object(settings["SCHEDULER_MEMORY_QUEUE"]),
            # Say once why a request stayed in memory: a user's middleware may have caused it.
            logunser=True,
            stats=crawler.stats,
            pqclass=load_object(settings["SCHEDULER_PRIORITY_QUEUE"]),
            crawler=crawler,
            run_queue=run_queue,
        )

    def _dqpush(self, request: Request) -> bool:
        if self.disk_failed:
            return False
        try:
            return bool(super()._dqpush(request))
        except OSError as exc:
            # Half a record may be in the queue file: never read it again; the run stops with one
            # line, and the next one resumes the articles from the frontier.
            self.disk_failed = True
            if self.crawler is None or not stop_for(self.crawler, exc, str(self.run_queue)):
                raise
            return False

    def _dqpop(self) -> Request | None:
        return None if self.disk_failed else super()._dqpop()

    def __len__(self) -> int:
        return len(self.mqs) if self.disk_failed else super().__len__()

    def close(self, reason: str) -> Deferred[None] | None:
        try:
            if self.disk_failed:
                return self.df.close(reason)
            try:
                return super().close(reason)
            except OSError as exc:
                # Saving the queue's state failed (a full disk): it is removed below anyway.
                if self.crawler is None or not stop_for(self.crawler, exc, str(self.run_queue)):
                    raise
                return self.df.close(reason)
        finally:
            if self.run_queue is not None:
                # Requests still queued at a stop are the frontier's to resume, not this directory's.
                shutil.rmtree(self.run_queue, ignore_errors=True)


__all__ = ["DiskQueueScheduler", "queue_root", "remove_leftovers"]
