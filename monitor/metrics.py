"""Prometheus metrics of a run and of its outlets' health: a textfile for node_exporter's textfile
collector, and/or a push to a Pushgateway. No Scrapy here.

Every name and label is listed in docs/operating.md ("Metrics"). Outlet series (``kliping_outlet_*``
and the outlet alarms) come only from a run that judged its outlets' health: every run on one
machine, and for workers sharing a frontier the worker that ended the round, whose figures are the
round's (all workers' added up). Run series (``kliping_run_*``, ``kliping_store_*``) are each
worker's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, push_to_gateway, write_to_textfile

#: Outlet metric (monitor.health.metrics) -> (series name, help, extra labels).
OUTLET_SERIES: dict[str, tuple[str, str, dict[str, str]]] = {
    "new_articles": ("kliping_outlet_new_articles", "New articles written (text records)", {}),
    "stories": ("kliping_outlet_stories", "Article pages handed to extraction", {}),
    "listings": ("kliping_outlet_listings", "Configured listings (discovery sources) read", {}),
    "listings_alive": ("kliping_outlet_listings_alive", "Listings that gave at least one link", {}),
    "listing_pages": ("kliping_outlet_listing_pages", "Listing responses read (child sitemaps too)", {}),
    "empty_text_share": ("kliping_outlet_empty_text_ratio", "Share of stories with no article text", {}),
    "extract_failed": ("kliping_outlet_extraction_failures", "Stories the extractor failed on", {}),
    "short_text_share": ("kliping_outlet_short_text_ratio", "Share of articles with short text", {}),
    "missing_title_share": (
        "kliping_outlet_missing_ratio",
        "Share of articles missing a field",
        {"field": "title"},
    ),
    "missing_date_share": (
        "kliping_outlet_missing_ratio",
        "Share of articles missing a field",
        {"field": "date"},
    ),
    "missing_author_share": (
        "kliping_outlet_missing_ratio",
        "Share of articles missing a field",
        {"field": "author"},
    ),
    "schema_invalid_share": (
        "kliping_outlet_schema_invalid_ratio",
        "Share of records failing extract/article.schema.json",
        {},
    ),
    "boilerplate_line_share": (
        "kliping_outlet_boilerplate_line_ratio",
        "Share of article text lines recurring across the run's articles (template text)",
        {},
    ),
    "median_text_chars": ("kliping_outlet_text_chars_median", "Median article text length (characters)", {}),
    "http_error_rate": (
        "kliping_outlet_http_error_ratio",
        "Share of requests answered 4xx/5xx or not answered",
        {},
    ),
    "responses": ("kliping_outlet_responses", "Responses received", {}),
    "bytes": ("kliping_outlet_response_bytes", "Bytes of response bodies received", {}),
    "fetch_seconds": ("kliping_outlet_fetch_seconds", "Seconds spent waiting for responses", {}),
}
#: Extra outlet facts (not in monitor.health.metrics) -> (series name, help).
OUTLET_FACTS = {
    "runs_without_new": (
        "kliping_outlet_runs_without_new_articles",
        "Runs in a row (the last included) without a new article",
    ),
    "last_new_article": (
        "kliping_outlet_last_new_article_timestamp_seconds",
        "When a run last found a new article (Unix time)",
    ),
}
#: Run facts -> (series name, help).
RUN_SERIES = {
    "finished": ("kliping_run_finished_timestamp_seconds", "When the run ended (Unix time)"),
    "duration": ("kliping_run_duration_seconds", "How long the run took"),
    "articles_written": ("kliping_run_articles_written", "Text records written by the run"),
    "errors": ("kliping_run_errors", "Errors counted by the run (kliping/errors/*)"),
    "store_failed": ("kliping_store_upload_failures", "Uploads to the output store that failed"),
    "store_spooled": ("kliping_store_spooled_files", "Files left in the spool for a later upload"),
    "workers": ("kliping_run_workers", "Workers whose figures make up the judged round"),
}


@dataclass
class MetricsInput:
    """What one run exports."""

    #: Whether this run judged its outlets (outlet series are exported only then).
    judged: bool
    #: Outlet -> its metrics (monitor.health.metrics) plus OUTLET_FACTS keys.
    outlets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Alarms as dicts (monitor.health.Alarm.to_dict()).
    alarms: Iterable[Mapping[str, Any]] = ()
    #: RUN_SERIES keys -> values (None: not exported).
    run: Mapping[str, Any] = field(default_factory=dict)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None if value is None else float(value)
    return float(value) if isinstance(value, int | float) else None


def outlet_registry(data: MetricsInput) -> CollectorRegistry:
    """The outlet series and outlet alarms (empty unless the run judged its outlets)."""
    registry = CollectorRegistry()
    if not data.judged:
        return registry
    gauges: dict[str, Gauge] = {}

    def gauge(name: str, doc: str, labels: Iterable[str]) -> Gauge:
        if name not in gauges:
            gauges[name] = Gauge(name, doc, list(labels), registry=registry)
        return gauges[name]

    for outlet, values in sorted(data.outlets.items()):
        for key, (name, doc, extra) in OUTLET_SERIES.items():
            number = _number(values.get(key))
            if number is not None:
                gauge(name, doc, ["outlet", *extra]).labels(outlet=outlet, **extra).set(number)
        for key, (name, doc) in OUTLET_FACTS.items():
            number = _number(values.get(key))
            if number is not None:
                gauge(name, doc, ["outlet"]).labels(outlet=outlet).set(number)
    alarm = gauge(
        "kliping_health_alarm",
        "1 for each health alarm of an outlet: kind listing, stale or drift",
        ["outlet", "kind"],
    )
    moved = gauge(
        "kliping_health_alarm_metric",
        "1 for each metric named by an outlet's alarm",
        ["outlet", "kind", "metric"],
    )
    for item in data.alarms:
        if item.get("kind") == "store":
            continue
        alarm.labels(outlet=item["outlet"], kind=item["kind"]).set(1)
        for metric in item.get("metrics") or []:
            moved.labels(outlet=item["outlet"], kind=item["kind"], metric=metric).set(1)
    return registry


def run_registry(data: MetricsInput) -> CollectorRegistry:
    """This worker's run series, its store alarms and how many alarms it raised."""
    registry = CollectorRegistry()
    for key, (name, doc) in RUN_SERIES.items():
        number = _number(data.run.get(key))
        if number is not None:
            Gauge(name, doc, registry=registry).set(number)
    alarms = list(data.alarms)
    Gauge("kliping_health_judged", "1 when this run judged its outlets' health", registry=registry).set(
        1 if data.judged else 0
    )
    Gauge("kliping_health_alarms", "Health alarms this run raised (all kinds)", registry=registry).set(
        len(alarms)
    )
    store = Gauge(
        "kliping_health_store_alarm",
        "1 for each store alarm: what failed (output store uploads, health state)",
        ["metric"],
        registry=registry,
    )
    for item in alarms:
        if item.get("kind") == "store":
            for metric in item.get("metrics") or ["store"]:
                store.labels(metric=metric).set(1)
    return registry


class _Both(CollectorRegistry):
    """The two registries as one, for the textfile."""

    def __init__(self, *parts: CollectorRegistry) -> None:
        super().__init__(auto_describe=False)
        self.parts = parts

    def collect(self) -> Any:
        for part in self.parts:
            yield from part.collect()


def write_textfile(path: str | Path, data: MetricsInput) -> Path:
    """Write every series to ``path`` (atomically: a temporary file renamed over it)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_to_textfile(str(target), _Both(outlet_registry(data), run_registry(data)))
    return target


def push(gateway: str, job: str, instance: str, data: MetricsInput, timeout: float) -> None:
    """Push to a Pushgateway: the outlet series under ``{job}`` (only from a run that judged, so a
    worker that did not never replaces the round's figures), the run series under
    ``{job, instance}``. Raises OSError (``urllib.error.URLError`` included) when it does not answer."""
    if data.judged:
        push_to_gateway(gateway, job=job, registry=outlet_registry(data), timeout=timeout)
    push_to_gateway(
        gateway, job=job, registry=run_registry(data), grouping_key={"instance": instance}, timeout=timeout
    )


__all__ = ["OUTLET_FACTS", "OUTLET_SERIES", "RUN_SERIES", "MetricsInput", "push", "write_textfile"]
