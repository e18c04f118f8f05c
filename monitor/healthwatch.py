"""Scrapy extension that keeps each outlet's health: it counts what a crawl saw of every outlet,
judges the run against the outlet's own history when the engine stops, records the run in the
health store, exports the metrics, and leaves a ``health`` section for the run summary.

Counting is by signals: ``listing_read`` (the outlet spider), ``request_left_downloader`` and
``response_downloaded`` (HTTP errors, bytes, time), ``item_scraped`` and ``item_dropped`` (text,
title, date, author; empty text). Only crawls of configured outlets are judged (a spider with
``outlet_health = True``); a run that stopped early is recorded but not judged.

With a shared frontier (``KLIPING_STATE=redis://...``) each worker adds its figures to its round
as it leaves it (``fetch.rounds.round_leaving``), and the worker that ends the round judges the
round's figures, all workers' added up. Rules: :mod:`monitor.health`; store: :mod:`state.health`;
metrics: :mod:`monitor.metrics`; docs/operating.md ("Health").
"""

from __future__ import annotations

import importlib.util
import logging
import os
import time
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from monitor.health import (
    Alarm,
    Expectations,
    HealthConfig,
    LineSampler,
    ListingFigures,
    OutletFigures,
    OutletRun,
    expectations,
    judge,
    metrics,
)
from monitor.summary import HEALTH
from pipelines.extract import ExtractionFailed, NotAnArticle
from settings.outlets import Outlet, OutletConfigError, load_outlets, outlet_for_url
from settings.runinfo import hostname_token, run_id
from spiders.signals import listing_read
from state import StateError, redact
from state.health import HealthStore, OutletRow, RunRow, health_uri, open_health_store

logger = logging.getLogger("kliping.health")

#: Records validated against the JSON Schema: every one of an outlet's first VALIDATE_FIRST in a
#: run, then one in VALIDATE_EVERY.
VALIDATE_FIRST = 20
VALIDATE_EVERY = 10
#: Errors a health store may raise besides StateError (a full disk, a locked or damaged file).
_STORE_ERRORS: tuple[type[BaseException], ...] = (StateError, OSError)


def _store_errors() -> tuple[type[BaseException], ...]:
    import sqlite3

    return (*_STORE_ERRORS, sqlite3.Error)


class HealthWatch:
    """Per-outlet health of a crawl (see the module docstring)."""

    def __init__(
        self,
        crawler: Crawler,
        *,
        uri: str,
        keep_days: float,
        config: HealthConfig,
        short_chars: int,
        outlets: dict[str, Outlet],
        run: str,
        textfile: str,
        pushgateway: str,
        job: str,
        push_timeout: float,
        round_keep: int,
        validate: bool,
    ) -> None:
        self.crawler = crawler
        self.uri = uri
        self.keep_days = keep_days
        self.config = config
        self.short_chars = short_chars
        self.outlets = outlets
        self.run_id = run
        self.textfile = textfile
        self.pushgateway = pushgateway
        self.job = job
        self.push_timeout = push_timeout
        self.round_keep = round_keep
        self.figures: dict[str, OutletFigures] = defaultdict(OutletFigures)
        self.samplers: dict[str, LineSampler] = defaultdict(LineSampler)
        self.judging = False
        self.limited = False
        self.selected: list[str] = []
        self.started = time.time()
        self.contributed = False
        self._validator: Any = None if validate else False
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.listing_read, signal=listing_read)
        crawler.signals.connect(self.request_left, signal=signals.request_left_downloader)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)
        if urlsplit(uri).scheme in ("redis", "rediss"):
            # Only a shared state has rounds; fetch.rounds imports scrapy-redis.
            from fetch.rounds import round_leaving

            crawler.signals.connect(self.round_leaving, signal=round_leaving)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthWatch:
        settings = crawler.settings
        if not settings.getbool("KLIPING_HEALTH_ENABLED"):
            raise NotConfigured("KLIPING_HEALTH_ENABLED is off")
        try:
            outlets = load_outlets(settings.getlist("KLIPING_OUTLETS_DIRS"))
        except OutletConfigError:
            outlets = {}  # the spider reports the bad config
        return cls(
            crawler,
            uri=health_uri(settings),
            keep_days=settings.getfloat("KLIPING_HEALTH_KEEP_DAYS"),
            config=HealthConfig(
                window=settings.getint("KLIPING_HEALTH_WINDOW"),
                min_runs=settings.getint("KLIPING_HEALTH_MIN_RUNS"),
                stale_min_runs=settings.getint("KLIPING_HEALTH_STALE_MIN_RUNS"),
            ),
            short_chars=settings.getint("KLIPING_HEALTH_SHORT_TEXT_CHARS"),
            outlets=outlets,
            run=run_id(settings),
            textfile=str(settings.get("KLIPING_METRICS_TEXTFILE") or ""),
            pushgateway=str(settings.get("KLIPING_METRICS_PUSHGATEWAY") or ""),
            job=str(settings.get("KLIPING_METRICS_JOB") or "kliping"),
            push_timeout=settings.getfloat("KLIPING_METRICS_TIMEOUT"),
            round_keep=settings.getint("KLIPING_REDIS_ROUND_KEEP"),
            validate=settings.getbool("KLIPING_HEALTH_VALIDATE"),
        )

    # --- counting -----------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.time()
        self.judging = bool(getattr(spider, "outlet_health", False))
        # A run told to stop at N articles per outlet finds fewer on purpose: its volume is not judged.
        self.limited = getattr(getattr(spider, "params", None), "max_articles", None) is not None
        selected = getattr(spider, "selected", None)
        if self.judging and callable(selected):
            try:
                self.selected = [outlet.name for outlet in selected()]
            except Exception:  # the spider reports bad arguments itself
                self.selected = []
            for name in self.selected:
                for source in self.outlets[name].discovery if name in self.outlets else ():
                    self.figures[name].listings.setdefault(
                        source.url, ListingFigures(source.url, source.kind)
                    )

    def _outlet(self, url: str) -> str | None:
        outlet = outlet_for_url(url, self.outlets) if self.outlets else None
        return outlet.name if outlet else None

    def listing_read(
        self,
        outlet: str,
        source: str,
        kind: str,
        url: str,
        status: int | None,
        links: int,
        error: str | None,
    ) -> None:
        listing = self.figures[outlet].listings.setdefault(source, ListingFigures(source, kind))
        listing.pages += 1 if status is not None else 0
        listing.links += links
        if url == source:
            listing.status = status
            listing.error = error

    def request_left(self, request: Request, spider: Spider) -> None:
        name = self._outlet(request.url)
        if name is not None:
            self.figures[name].attempts += 1

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        name = self._outlet(response.url)
        if name is None:
            return
        figures = self.figures[name]
        figures.responses += 1
        # A robots.txt that is not there allows everything (RFC 9309): not an error of the outlet.
        if response.status >= 400 and not (
            response.status == 404 and urlsplit(response.url).path == "/robots.txt"
        ):
            figures.http_errors += 1
        figures.bytes += len(response.body)
        latency = request.meta.get("download_latency")
        if isinstance(latency, int | float):
            figures.fetch_seconds += float(latency)

    def item_scraped(self, item: Any, response: Response, spider: Spider) -> None:
        if not isinstance(item, Mapping):
            return
        name = str(item.get("outlet") or self._outlet(str(item.get("url") or "")) or "")
        if not name:
            return
        figures = self.figures[name]
        text = str(item.get("text") or "")
        figures.stories += 1
        figures.articles += 1
        figures.add_text_length(len(text))
        figures.short_text += len(text) < self.short_chars
        figures.missing_title += not item.get("title")
        figures.missing_date += not item.get("published")
        figures.missing_author += not item.get("authors")
        # Validation costs milliseconds a record: the first ones of each outlet, then one in ten.
        if figures.articles <= VALIDATE_FIRST or figures.articles % VALIDATE_EVERY == 0:
            validator = self.validator()
            if validator is not None:
                figures.schema_checked += 1
                figures.schema_invalid += not validator.is_valid(dict(item))
        self.samplers[name].add(text)

    def item_dropped(self, item: Any, response: Response, exception: BaseException, spider: Spider) -> None:
        name = getattr(item, "outlet", None)
        if not name:
            return
        if isinstance(exception, NotAnArticle):
            self.figures[name].stories += 1
            self.figures[name].empty_text += 1
        elif isinstance(exception, ExtractionFailed):
            self.figures[name].stories += 1
            self.figures[name].extract_failed += 1

    def validator(self) -> Any:
        """The JSON Schema validator of text records, built on first use (None when unavailable)."""
        if self._validator is None:
            self._validator = _record_validator() or False
        return self._validator or None

    def outlet_figures(self) -> dict[str, OutletFigures]:
        """This process's figures per outlet, the sampled lines counted in."""
        names = set(self.selected) | (set(self.figures) if not self.selected else set())
        result = {}
        for name in sorted(names):
            figures = self.figures[name]
            figures.lines, figures.boilerplate_lines = (
                self.samplers[name].counts() if name in self.samplers else (0, 0)
            )
            result[name] = figures
        return result

    # --- a shared round -----------------------------------------------------------------------

    def round_leaving(self, round_id: str, worker: str) -> None:
        """Add this worker's figures to the round before it leaves (the last worker out reads them)."""
        if not self.judging:
            return
        try:
            store = open_health_store(self.uri, self.keep_days)
            try:
                contribute = getattr(store, "contribute", None)
                if contribute is not None:
                    figures = {name: f.to_dict() for name, f in self.outlet_figures().items()}
                    contribute(round_id, worker, figures, self.round_keep)
                    self.contributed = True
            finally:
                store.close()
        except _store_errors() as exc:
            logger.warning("health: cannot add this worker's figures to round %s: %s", round_id, exc)

    # --- the end ------------------------------------------------------------------------------

    def engine_stopped(self) -> None:
        stats = self.crawler.stats
        if stats is None:
            return
        if not self.judging:
            return  # a URL list says nothing about an outlet over time
        now = time.time()
        all_stats = stats.get_stats()
        complete = all_stats.get("finish_reason") == "finished" and not all_stats.get("kliping/stopped")
        run_alarms = store_alarms(all_stats, self.crawler.settings.get("KLIPING_OUTPUT"))
        section: dict[str, Any] = {
            "judged": False,
            "scope": "run",
            "run_id": self.run_id,
            "store": redact(self.uri),
            "outlets": {},
            "alarms": [],
        }
        judged: dict[str, OutletFigures] = {}
        facts: dict[str, dict[str, Any]] = {}
        outlet_alarms: list[Alarm] = []
        workers = 1
        try:
            store = open_health_store(self.uri, self.keep_days)
        except _store_errors() as exc:
            store = None
            run_alarms.append(health_store_alarm(self.uri, exc))
        if store is not None:
            try:
                # Workers of a shared frontier are judged together, by round; a run with no round
                # (a Redis health store beside a local frontier) is judged alone.
                if store.shared and all_stats.get("kliping/redis/round"):
                    judged, workers, why = self._round_figures(store, all_stats)
                    section["scope"] = "round"
                    section["run_id"] = str(all_stats.get("kliping/redis/round") or self.run_id)
                    if why:
                        section["why"] = why
                else:
                    judged = self.outlet_figures()
                if not complete:
                    section["why"] = "the run stopped early: recorded, not judged"
                run = section["run_id"]
                for name, figures in judged.items():
                    history = [_outlet_run(row) for row in store.history(name, self.config.window + 1)]
                    history = [h for h in history if h.run_id != run]
                    facts[name] = _facts(figures, history, now)
                    if complete:
                        outlet_alarms += judge(
                            name,
                            figures,
                            history,
                            now=now,
                            expect=self._expectations(name),
                            config=self.config,
                            volume=not self.limited,
                        )
                if judged:
                    section["judged"] = complete
                    self._record(store, run, now, complete, judged, outlet_alarms, run_alarms, workers)
            except _store_errors() as exc:
                run_alarms.append(health_store_alarm(self.uri, exc))
            finally:
                store.close()
        alarms = [a.to_dict() for a in outlet_alarms + run_alarms]
        section["alarms"] = alarms
        section["outlets"] = {
            name: {**metrics(figures), **facts.get(name, {})} for name, figures in judged.items()
        }
        section["metrics"] = self._export(section, all_stats, now, workers)
        for alarm in alarms:
            logger.warning("health alarm: %s", alarm["message"])
        stats.set_value(HEALTH, section)

    def _expectations(self, name: str) -> Expectations:
        outlet = self.outlets.get(name)
        return expectations(outlet.health) if outlet is not None else Expectations()

    def _round_figures(
        self, store: HealthStore, stats: Mapping[str, Any]
    ) -> tuple[dict[str, OutletFigures], int, str | None]:
        """The round's figures when this worker ended the round (and claimed its judgement), else
        none: the worker that ends the round judges it."""
        round_id = str(stats.get("kliping/redis/round") or "")
        if not round_id or not stats.get("kliping/redis/round_ended"):
            return {}, 1, "another worker of the round is still at work: the last one out judges the round"
        worker = f"{hostname_token()}-{os.getpid()}"
        if not self.contributed:
            self.round_leaving(round_id, worker)
        if not store.claim_judgement(round_id, worker, self.round_keep):  # type: ignore[attr-defined]
            return {}, 1, "the round was judged by another worker"
        merged: dict[str, OutletFigures] = {}
        contributions = store.contributions(round_id)  # type: ignore[attr-defined]
        for per_outlet in contributions.values():
            for name, data in per_outlet.items():
                figures = OutletFigures.from_dict(data)
                merged[name] = merged[name].merge(figures) if name in merged else figures
        return dict(sorted(merged.items())), max(len(contributions), 1), None

    def _record(
        self,
        store: HealthStore,
        run: str,
        now: float,
        complete: bool,
        judged: Mapping[str, OutletFigures],
        outlet_alarms: list[Alarm],
        run_alarms: list[Alarm],
        workers: int,
    ) -> None:
        rows = [
            OutletRow(
                run_id=run,
                outlet=name,
                finished=now,
                complete=complete,
                figures=figures.to_dict(),
                metrics=metrics(figures),
                alarms=[a.to_dict() for a in outlet_alarms if a.outlet == name],
            )
            for name, figures in judged.items()
        ]
        info = {"spider": "outlet", "workers": workers, "host": hostname_token()}
        alarms = [a.to_dict() for a in outlet_alarms + run_alarms]
        store.record(RunRow(run, self.started, now, complete, alarms, info), rows)

    def _export(
        self, section: Mapping[str, Any], stats: Mapping[str, Any], now: float, workers: int
    ) -> dict[str, Any]:
        """Write the textfile and push to the Pushgateway, as configured; what happened, for the summary."""
        done: dict[str, Any] = {}
        if not (self.textfile or self.pushgateway):
            return done
        from monitor.metrics import MetricsInput, push, write_textfile

        start = stats.get("start_time")
        errors = sum(v for k, v in stats.items() if k.startswith("kliping/errors/") and isinstance(v, int))
        data = MetricsInput(
            judged=bool(section["judged"]),
            outlets=section["outlets"],
            alarms=section["alarms"],
            run={
                "finished": now,
                "duration": (now - start.timestamp()) if isinstance(start, datetime) else None,
                "articles_written": stats.get("item_scraped_count", 0),
                "errors": errors,
                "store_failed": stats.get("kliping/store/failed", 0),
                "store_spooled": stats.get("kliping/store/spooled"),
                "workers": workers if section["judged"] else None,
            },
        )
        if self.textfile:
            try:
                done["textfile"] = str(write_textfile(self.textfile, data))
            except OSError as exc:
                done["textfile_error"] = f"{self.textfile}: {exc.strerror or exc}"
                logger.warning("metrics: cannot write %s: %s", self.textfile, exc.strerror or exc)
        if self.pushgateway:
            try:
                push(self.pushgateway, self.job, hostname_token(), data, self.push_timeout)
                done["pushgateway"] = redact(self.pushgateway)
            except OSError as exc:
                done["pushgateway_error"] = f"{redact(self.pushgateway)}: {exc}"
                logger.warning("metrics: cannot push to %s: %s", redact(self.pushgateway), exc)
        return done


def _outlet_run(row: OutletRow) -> OutletRun:
    return OutletRun(
        run_id=row.run_id,
        outlet=row.outlet,
        finished=row.finished,
        figures=OutletFigures.from_dict(row.figures),
        complete=row.complete,
    )


def _facts(figures: OutletFigures, history: list[OutletRun], now: float) -> dict[str, Any]:
    """Runs in a row without a new article (this one included) and when one was last found."""
    if figures.articles:
        return {"runs_without_new": 0, "last_new_article": now}
    streak = 1
    for run in history:
        if run.figures.articles:
            return {"runs_without_new": streak, "last_new_article": run.finished}
        streak += 1
    return {"runs_without_new": streak, "last_new_article": None}


def store_alarms(stats: Mapping[str, Any], output: Any) -> list[Alarm]:
    """One alarm when uploads to the output store failed or left files in the spool."""
    failed = int(stats.get("kliping/store/failed") or 0)
    left = int(stats.get("kliping/store/spooled") or 0)
    if not failed and not left:
        return []
    where = redact(str(output or "the output store"))
    parts = []
    if failed:
        parts.append(f"{failed} upload(s) failed")
    if left:
        parts.append(f"{left} file(s) left in the spool (`kliping upload` sends them)")
    return [
        Alarm(
            "",
            "store",
            ["store_uploads"],
            f"store {where}: " + ", ".join(parts),
            [{"failed": failed, "spooled": left}],
        )
    ]


def health_store_alarm(uri: str, error: BaseException) -> Alarm:
    """The alarm of a health store that cannot be used: this run's health is not recorded."""
    # A StateError names the store already; other errors (sqlite3, OSError) do not.
    problem = str(error) if isinstance(error, StateError) else f"{redact(uri)}: {error}"
    return Alarm("", "store", ["health_state"], f"health state {problem}; this run's health is not recorded")


def _record_validator() -> Any:
    """A validator of text records against extract/article.schema.json, read without importing the
    ``extract`` package (it brings Trafilatura, which the crawl's process never loads)."""
    try:
        import json

        import jsonschema

        spec = importlib.util.find_spec("extract")
        if spec is None or spec.loader is None or not spec.submodule_search_locations:
            return None
        path = os.path.join(next(iter(spec.submodule_search_locations)), "article.schema.json")
        schema = json.loads(spec.loader.get_data(path))  # type: ignore[attr-defined]
        return jsonschema.Draft202012Validator(schema)
    except Exception as exc:
        logger.warning("health: records are not validated: %s", exc)
        return None


__all__ = ["HealthWatch", "health_store_alarm", "store_alarms"]
