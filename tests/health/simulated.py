"""A simulated fortnight of crawls for the report tests (and the screenshot in docs/operating.md):
three made-up outlets, two runs a day, judged by the real rules and recorded in a real health
store. On day 10 ``kabarsatu`` redesigns (most pages empty, dates gone); on day 12 ``kabardua``'s
feed dies. Seeded, so every call gives the same rows.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from monitor.health import ListingFigures, OutletFigures, OutletRun, judge, metrics
from state.health import HealthStore, OutletRow, RunRow

OUTLETS = ("kabarsatu", "kabardua", "kabartiga")
DAY = 86400.0


def _figures(rng: random.Random, outlet: str, day: int) -> OutletFigures:
    redesigned = outlet == "kabarsatu" and day >= 10
    dead_feed = outlet == "kabardua" and day >= 12
    base = {"kabarsatu": 40, "kabardua": 25, "kabartiga": 60}[outlet]
    stories = 0 if dead_feed else max(base + rng.randint(-8, 8), 1)
    empty = int(stories * rng.uniform(0.55, 0.7)) if redesigned else min(rng.randint(0, 1), stories)
    articles = stories - empty
    f = OutletFigures(stories=stories, articles=articles, empty_text=empty)
    f.missing_date = articles if redesigned else rng.randint(0, 1)
    f.missing_author = rng.randint(0, max(articles // 8, 1)) if articles else 0
    f.missing_title = 0
    f.short_text = rng.randint(0, max(articles // 10, 1)) if articles else 0
    f.lines = articles * 12
    f.boilerplate_lines = rng.randint(0, articles // 4) if articles else 0
    for _ in range(articles):
        f.add_text_length(int(rng.gauss(2400 if not redesigned else 1500, 500)) + 200)
    f.attempts = stories + 3 + rng.randint(0, 2)
    f.responses = f.attempts - rng.randint(0, 1)
    f.http_errors = rng.randint(0, 2)
    f.bytes = f.responses * rng.randint(60_000, 90_000)
    f.fetch_seconds = f.responses * rng.uniform(0.2, 0.6)
    feed = f"https://www.{outlet}.id/rss"
    f.listings[feed] = ListingFigures(feed, "feed", pages=1, links=0 if dead_feed else 20, status=200)
    if outlet != "kabardua":
        index = f"https://www.{outlet}.id/terkini"
        f.listings[index] = ListingFigures(index, "index", pages=1, links=30, status=200)
    return f


def fill(store: HealthStore, now: float, days: int = 14, runs_per_day: int = 2, seed: int = 24) -> None:
    """Record ``days`` days of runs ending before ``now`` in ``store``."""
    rng = random.Random(seed)
    history: dict[str, list[OutletRun]] = {outlet: [] for outlet in OUTLETS}
    start = now - days * DAY
    for day in range(days):
        for k in range(runs_per_day):
            finished = start + day * DAY + (k + 0.5) * DAY / runs_per_day
            stamp = datetime.fromtimestamp(finished - 600, UTC).strftime("%Y%m%dT%H%M%SZ")
            run_id = f"{stamp}-sim-{day * runs_per_day + k}"
            rows, all_alarms = [], []
            for outlet in OUTLETS:
                figures = _figures(rng, outlet, day)
                alarms = judge(outlet, figures, history[outlet][::-1], now=finished)
                history[outlet].append(OutletRun(run_id, outlet, finished, figures))
                all_alarms += [a.to_dict() for a in alarms]
                rows.append(
                    OutletRow(
                        run_id,
                        outlet,
                        finished,
                        True,
                        figures.to_dict(),
                        metrics(figures),
                        [a.to_dict() for a in alarms],
                    )
                )
            store.record(
                RunRow(run_id, finished - 600, finished, True, all_alarms, {"spider": "outlet"}), rows
            )
