"""Scrapy extension that watches a run: progress while it goes, a reconciled summary when it ends.

Progress: every ``KLIPING_PROGRESS_INTERVAL`` seconds one log line (pages, articles, rates, per
outlet) on the ``kliping.progress`` logger, and a status line redrawn in place when stderr is a
terminal. A wait on another system past ``KLIPING_STALL_WARNING`` seconds (:mod:`monitor.waits`:
an S3 upload, a Redis call) is logged as a warning when it gets there and named in every progress
line while it lasts, which is then a warning too.

At the end (``engine_stopped``, after every component has closed and put its numbers in the
stats) it checks the run's invariants, prints the summary table on stderr and writes
``<output>/runs/<run id>/summary.json``. A broken invariant is an ERROR and is listed in the stats
under ``kliping/invariants/broken`` so ``kliping`` exits non-zero.
"""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.internet import task

from monitor import waits
from monitor.progress import StatusLine, bar_wanted
from monitor.summary import (
    BROKEN,
    DOWNLOADED,
    SUMMARY_PATH,
    broken_invariants,
    build_summary,
    render_table,
    write_summary,
)
from settings.outlets import Outlet, OutletConfigError, load_outlets, outlet_for_url
from settings.runinfo import local_dir, run_id

logger = logging.getLogger("kliping.progress")
summary_logger = logging.getLogger("kliping.summary")


class RunMonitor:
    """Counts pages and articles per outlet, reports progress, and closes the run with its summary."""

    def __init__(
        self,
        crawler: Crawler,
        *,
        interval: float,
        bar: bool,
        summary: bool,
        runs_dir: Path,
        run: str,
        outlets: dict[str, Outlet],
        archiving: bool,
        max_error_rate: float = 0.05,
        stream: TextIO | None = None,
        stall_warning: float = 0.0,
    ) -> None:
        self.max_error_rate = max_error_rate
        self.crawler = crawler
        self.interval = interval
        self.summary_enabled = summary
        self.runs_dir = runs_dir
        self.run_id = run
        self.outlets = outlets
        self.archiving = archiving
        self.stream = stream or sys.stderr
        self.pages: Counter[str] = Counter()
        self.articles: Counter[str] = Counter()
        self.started = time.monotonic()
        self.stall_warning = stall_warning
        self._warned: set[tuple[str, float]] = set()
        self.spider_name = ""
        self._tasks: list[task.LoopingCall] = []
        self._closing_tasks: list[task.LoopingCall] = []
        self._status = StatusLine(self.stream) if bar else None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunMonitor:
        settings = crawler.settings
        try:
            outlets = load_outlets(settings.getlist("KLIPING_OUTLETS_DIRS"))
        except OutletConfigError:
            outlets = {}  # the spider reports the bad config; the monitor falls back to host names
        return cls(
            crawler,
            interval=settings.getfloat("KLIPING_PROGRESS_INTERVAL"),
            bar=bar_wanted(str(settings.get("KLIPING_PROGRESS_BAR") or "auto"), sys.stderr),
            summary=settings.getbool("KLIPING_RUN_SUMMARY"),
            runs_dir=Path(local_dir(settings, "runs")),
            run=run_id(settings),
            outlets=outlets,
            archiving=settings.getbool("KLIPING_WARC_ENABLED"),
            max_error_rate=settings.getfloat("KLIPING_MAX_ERROR_RATE"),
            stall_warning=settings.getfloat("KLIPING_STALL_WARNING"),
        )

    # --- counting ------------------------------------------------------------------------------

    def _outlet(self, url: str) -> str:
        outlet = outlet_for_url(url, self.outlets) if self.outlets else None
        return outlet.name if outlet else (urlsplit(url).hostname or "?")

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(DOWNLOADED)
        self.pages[self._outlet(response.url)] += 1

    def item_scraped(self, item: Any, response: Response, spider: Spider) -> None:
        name = item.get("outlet") if isinstance(item, dict) else None
        url = item.get("url") if isinstance(item, dict) else None
        self.articles[str(name or (self._outlet(str(url)) if url else "?"))] += 1

    # --- progress ------------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        self.spider_name = spider.name
        self.started = time.monotonic()
        if self.interval > 0:
            self._start(self.log_progress, self.interval)
        if self._status is not None:
            self._start(self.draw_status, 1.0)
        if self.stall_warning > 0:
            self._start(self.check_stalls, min(5.0, self.stall_warning))
        # The log lines go on while the spider closes (files closed, uploaded): a stall there shows.
        self._closing_tasks = [loop for loop in self._tasks if loop.f != self.draw_status]

    def _start(self, func: Any, every: float) -> None:
        loop = task.LoopingCall(func)
        loop.start(every, now=True)
        self._tasks.append(loop)

    def progress_text(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        pages, articles = sum(self.pages.values()), sum(self.articles.values())
        text = (
            f"{pages} pages ({pages / elapsed * 60:.1f}/min), "
            f"{articles} articles ({articles / elapsed * 60:.1f}/min)"
        )
        outlets = sorted(set(self.pages) | set(self.articles))
        if outlets:
            text += "; " + ", ".join(f"{o} {self.pages[o]}/{self.articles[o]}" for o in outlets[:8])
            if len(outlets) > 8:
                text += f", +{len(outlets) - 8} more"
        if stalls := self.stalls():
            text += f"; STALLED: waiting on {waits.describe(stalls)}"
        return text

    def stalls(self) -> list[waits.Wait]:
        return waits.stalled(self.stall_warning) if self.stall_warning > 0 else []

    def log_progress(self) -> None:
        level = logging.WARNING if self.stalls() else logging.INFO
        logger.log(level, "progress: %s", self.progress_text())

    def check_stalls(self) -> None:
        """Warn once about each wait that has just become a stall (between progress lines too)."""
        for wait in self.stalls():
            key = (wait.what, wait.since)
            if key not in self._warned:
                self._warned.add(key)
                logger.warning(
                    "stalled: waiting %.0f s on %s (KLIPING_STALL_WARNING); it has its own timeout",
                    wait.age(),
                    wait.what,
                )

    def draw_status(self) -> None:
        if self._status is not None:
            self._status.draw(self.progress_text())

    def _stop(self, loops: list[task.LoopingCall]) -> None:
        for loop in loops:
            if loop.running:
                loop.stop()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self._stop([loop for loop in self._tasks if loop not in self._closing_tasks])
        if self._status is not None:
            self.draw_status()
            self._status.finish()
        if self.interval > 0:
            self.log_progress()

    # --- summary -------------------------------------------------------------------------------

    def engine_stopped(self) -> None:
        self._stop(self._tasks)
        self._tasks.clear()
        stats = self.crawler.stats
        if stats is None:
            return
        per_outlet = {
            name: {"pages": self.pages[name], "articles": self.articles[name]}
            for name in set(self.pages) | set(self.articles)
        }
        summary = build_summary(
            stats.get_stats(),
            run_id=self.run_id,
            spider=self.spider_name,
            archiving=self.archiving,
            per_outlet=per_outlet,
        )
        broken = broken_invariants(summary)
        stats.set_value(BROKEN, broken)
        for name in broken:
            summary_logger.error("invariant %s FAILED: %s", name, _explain(name, summary))
        # The exit code and why, in the summary: a scheduler reads the same decision kliping exits with.
        from cli.outcome import OUTCOME_KEY, decide

        outcome = decide(summary, max_error_rate=self.max_error_rate)
        summary["outcome"] = outcome.as_dict()
        stats.set_value(OUTCOME_KEY, summary["outcome"])
        if not self.summary_enabled:
            return
        try:
            path = write_summary(summary, self.runs_dir / (self.run_id or "unnamed"))
        except OSError as exc:
            # A full disk must not hide the summary: the table still goes to stderr.
            summary_logger.error("cannot write the run summary under %s: %s", self.runs_dir, exc.strerror)
            self.stream.write(render_table(summary) + "\n")
            self.stream.flush()
            return
        stats.set_value(SUMMARY_PATH, str(path))
        self.crawler.signals.send_catch_log(summary_written, path=path)
        self.stream.write(render_table(summary) + f"\nsummary: {path}\n")
        self.stream.flush()


#: Signal sent with ``path=`` once ``summary.json`` is written (a remote store uploads it).
summary_written = object()


def _explain(name: str, summary: Mapping[str, Any]) -> str:
    if name == "responses_archived":
        return (
            f"{summary['responses']['fetched']} responses fetched but "
            f"{summary['warc']['response_records']} response records archived"
        )
    if name == "articles_written":
        return (
            f"{summary['articles']['extracted']} articles extracted but "
            f"{summary['articles']['written']} text records written"
        )
    return "check failed"
