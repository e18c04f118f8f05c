"""An outlet's health: what one run saw of it, the metrics derived from that, and the rules that
judge a run against the outlet's own history. Pure functions and plain data: no Scrapy, no I/O.

- :class:`OutletFigures` are the counts of one run (or one worker's part of a shared round); they
  add up (:meth:`OutletFigures.merge`), so the workers of a round give one set of figures.
- :func:`metrics` turns them into the numbers that are judged, exported and plotted.
- :func:`judge` compares a run with the outlet's earlier runs and returns its alarms: a listing that
  died, no new article for longer than usual (stale), a metric out of its usual band (drift).

The band rule (docs/operating.md, "Health"): a share is judged against the median of the outlet's
last runs, widened by four robust standard deviations (1.4826 x MAD) and never narrower than the
metric's tolerance; the run's own share must lie above the band by its Wilson interval, so a run
with few articles needs a large move. That holds from the first earlier run on: with one or two
runs of history the tolerance is the band, and the Wilson bound keeps 1 of 3 articles from
alarming where 3 of 3 does.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from hashlib import blake2b
from typing import Any

# --------------------------------------------------------------------------------------- figures

#: Buckets per doubling of the text-length histogram: a median read from it is within ~4.5 %.
_BUCKETS_PER_OCTAVE = 8


def length_bucket(chars: int) -> int:
    """The histogram bucket of a text of ``chars`` characters."""
    return int(_BUCKETS_PER_OCTAVE * math.log2(max(chars, 0) + 1))


def bucket_value(bucket: int) -> float:
    """The length a bucket stands for (its geometric middle)."""
    return float(2 ** ((bucket + 0.5) / _BUCKETS_PER_OCTAVE) - 1)


@dataclass
class ListingFigures:
    """One configured discovery source of an outlet in one run, with the sitemaps it led to."""

    url: str
    kind: str
    #: Responses read for it (the source itself and its child sitemaps).
    pages: int = 0
    #: Links found under it (articles and child sitemaps).
    links: int = 0
    #: HTTP status of the source URL itself; None when it got no answer (or was not read).
    status: int | None = None
    #: Why the source itself failed, when it did.
    error: str | None = None

    @property
    def alive(self) -> bool:
        """A listing is alive when it gave at least one link."""
        return self.links > 0

    @property
    def read(self) -> bool:
        """Whether this run read it or tried and failed; a source no worker of a round got to (its
        request filtered as another's, or held by a worker that was killed) is not judged."""
        return self.pages > 0 or self.error is not None

    def merge(self, other: ListingFigures) -> ListingFigures:
        # Workers of a round share the duplicate filter, so a source is read by one of them (robots.txt
        # by each): the best reading counts, not a sum.
        best = self if (self.links, self.status or 0) >= (other.links, other.status or 0) else other
        return ListingFigures(
            url=self.url,
            kind=self.kind,
            pages=self.pages + other.pages,
            links=max(self.links, other.links),
            status=best.status if best.status is not None else (self.status or other.status),
            error=None if best.alive else (best.error or self.error or other.error),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "kind": self.kind,
            "pages": self.pages,
            "links": self.links,
            "status": self.status,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListingFigures:
        return cls(
            url=str(data["url"]),
            kind=str(data.get("kind") or "?"),
            pages=int(data.get("pages") or 0),
            links=int(data.get("links") or 0),
            status=data.get("status"),
            error=data.get("error"),
        )


@dataclass
class OutletFigures:
    """What one run (or one worker) saw of one outlet: counts that add up across workers."""

    #: Article pages handed to extraction (one story may span several pages).
    stories: int = 0
    #: Stories that became a text record: the run's new articles.
    articles: int = 0
    #: Stories whose page held no article text (dropped as "not an article").
    empty_text: int = 0
    #: Stories the extractor failed on.
    extract_failed: int = 0
    #: Articles with fewer characters than the short-text threshold.
    short_text: int = 0
    missing_title: int = 0
    missing_date: int = 0
    missing_author: int = 0
    #: Records validated against extract/article.schema.json (a sample), and those that failed.
    schema_checked: int = 0
    schema_invalid: int = 0
    #: Lines of the sampled articles' text, and those that look like template text.
    lines: int = 0
    boilerplate_lines: int = 0
    #: Histogram of article text lengths: bucket (:func:`length_bucket`) -> articles.
    text_chars: dict[int, int] = field(default_factory=dict)
    #: Requests that left the downloader (every attempt, retries included) and responses received.
    attempts: int = 0
    responses: int = 0
    #: Responses with an HTTP status of 400 or more.
    http_errors: int = 0
    #: Bytes of response bodies, and seconds spent waiting for responses (download latency).
    bytes: int = 0
    fetch_seconds: float = 0.0
    #: Configured discovery sources by URL.
    listings: dict[str, ListingFigures] = field(default_factory=dict)

    _COUNTS = (
        "stories", "articles", "empty_text", "extract_failed", "short_text", "missing_title",
        "missing_date", "missing_author", "schema_checked", "schema_invalid", "lines",
        "boilerplate_lines", "attempts", "responses", "http_errors", "bytes",
    )  # fmt: skip

    def merge(self, other: OutletFigures) -> OutletFigures:
        merged = OutletFigures()
        for name in self._COUNTS:
            setattr(merged, name, getattr(self, name) + getattr(other, name))
        merged.fetch_seconds = self.fetch_seconds + other.fetch_seconds
        merged.text_chars = dict(Counter(self.text_chars) + Counter(other.text_chars))
        merged.listings = dict(self.listings)
        for url, listing in other.listings.items():
            merged.listings[url] = merged.listings[url].merge(listing) if url in merged.listings else listing
        return merged

    def add_text_length(self, chars: int) -> None:
        bucket = length_bucket(chars)
        self.text_chars[bucket] = self.text_chars.get(bucket, 0) + 1

    def median_text_chars(self) -> float | None:
        total = sum(self.text_chars.values())
        if not total:
            return None
        middle = (total + 1) / 2
        seen = 0
        for bucket in sorted(self.text_chars):
            seen += self.text_chars[bucket]
            if seen >= middle:
                return round(bucket_value(bucket))
        return None  # pragma: no cover (the loop always reaches the middle)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: getattr(self, name) for name in self._COUNTS}
        data["fetch_seconds"] = round(self.fetch_seconds, 3)
        data["text_chars"] = {str(k): v for k, v in sorted(self.text_chars.items())}
        data["listings"] = [listing.to_dict() for listing in self.listings.values()]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutletFigures:
        figures = cls()
        for name in cls._COUNTS:
            setattr(figures, name, int(data.get(name) or 0))
        figures.fetch_seconds = float(data.get("fetch_seconds") or 0.0)
        figures.text_chars = {int(k): int(v) for k, v in (data.get("text_chars") or {}).items()}
        listings = [ListingFigures.from_dict(item) for item in data.get("listings") or []]
        figures.listings = {listing.url: listing for listing in listings}
        return figures


class LineSampler:
    """Finds template text in an outlet's articles: a line that recurs in many articles of one run.

    Footers, bylines, "Baca juga" labels and app promotions that the extraction rules miss come out
    identical in article after article; story text does not. The first ``sample`` articles of a run
    are kept as hashes of their lines; a line found in at least ``max(3, 10 %)`` of them is
    boilerplate-like. Memory: eight bytes per line of the sample.
    """

    def __init__(self, sample: int = 300, min_articles: int = 3, share: float = 0.1) -> None:
        self.sample = sample
        self.min_articles = min_articles
        self.share = share
        self.articles: list[tuple[int, ...]] = []

    @staticmethod
    def _key(line: str) -> int:
        normal = " ".join(line.split()).casefold()
        return int.from_bytes(blake2b(normal.encode("utf-8"), digest_size=8).digest(), "big")

    def add(self, text: str) -> None:
        if len(self.articles) < self.sample:
            self.articles.append(tuple(self._key(line) for line in text.splitlines() if line.strip()))

    def counts(self) -> tuple[int, int]:
        """(lines, boilerplate-like lines) over the sampled articles."""
        if not self.articles:
            return 0, 0
        found = Counter(key for lines in self.articles for key in set(lines))
        floor = max(self.min_articles, math.ceil(self.share * len(self.articles)))
        lines = sum(len(article) for article in self.articles)
        repeated = sum(1 for article in self.articles for key in article if found[key] >= floor)
        return lines, repeated


# --------------------------------------------------------------------------------------- metrics


def _share(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def metrics(figures: OutletFigures) -> dict[str, float | int | None]:
    """The numbers judged, exported and plotted for one outlet in one run (None: no data)."""
    listings = list(figures.listings.values())
    failed_attempts = max(figures.attempts - figures.responses, 0)
    return {
        "new_articles": figures.articles,
        "stories": figures.stories,
        "listings": len(listings),
        "listings_alive": sum(1 for listing in listings if listing.alive),
        "listing_pages": sum(listing.pages for listing in listings),
        "empty_text_share": _share(figures.empty_text, figures.stories),
        "extract_failed": figures.extract_failed,
        "short_text_share": _share(figures.short_text, figures.articles),
        "missing_title_share": _share(figures.missing_title, figures.articles),
        "missing_date_share": _share(figures.missing_date, figures.articles),
        "missing_author_share": _share(figures.missing_author, figures.articles),
        "schema_invalid_share": _share(figures.schema_invalid, figures.schema_checked),
        "boilerplate_line_share": _share(figures.boilerplate_lines, figures.lines),
        "median_text_chars": figures.median_text_chars(),
        "http_error_rate": _share(figures.http_errors + failed_attempts, figures.attempts),
        "responses": figures.responses,
        "bytes": figures.bytes,
        "fetch_seconds": round(figures.fetch_seconds, 3),
    }


# ----------------------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class ShareRule:
    """A share that alarms when it rises above its usual band."""

    metric: str
    numerator: str
    denominator: str
    #: The narrowest band above the usual value (absolute share).
    tolerance: float
    #: How the metric reads in an alarm line.
    label: str
    #: What the denominator counts, for the alarm line.
    of: str


SHARE_RULES = (
    ShareRule("empty_text_share", "empty_text", "stories", 0.15, "text empty", "stories"),
    ShareRule("short_text_share", "short_text", "articles", 0.2, "text short", "articles"),
    ShareRule("missing_title_share", "missing_title", "articles", 0.15, "title missing", "articles"),
    ShareRule("missing_date_share", "missing_date", "articles", 0.15, "date missing", "articles"),
    ShareRule("missing_author_share", "missing_author", "articles", 0.25, "author missing", "articles"),
    ShareRule("schema_invalid_share", "schema_invalid", "schema_checked", 0.05, "invalid records", "checked"),
    ShareRule("boilerplate_line_share", "boilerplate_lines", "lines", 0.1, "boilerplate-like lines", "lines"),
    ShareRule("http_error_rate", "_errors", "attempts", 0.15, "HTTP errors", "requests"),
)
#: Median text length: judged on a log scale, band at least a factor of 2 either way.
LENGTH_METRIC = "median_text_chars"
LENGTH_FACTOR = 2.0
#: New articles: alarms when a run finds far fewer than usual (a quarter at the least; 0 is
#: staleness), judged once the outlet has VOLUME_MIN_RUNS earlier runs.
VOLUME_METRIC = "new_articles"
VOLUME_FACTOR = 4.0
VOLUME_MIN_RUNS = 5
#: A share is judged only on at least this many stories, articles, lines or requests: one article
#: without a date says nothing about an outlet (its Wilson bound, 21 %, would still pass a band).
MIN_SAMPLE = 3
#: Runs below these sizes are not judged on the length and volume rules.
MIN_ARTICLES = 3
MIN_USUAL_VOLUME = 8
#: Robust standard deviations between the usual value and the edge of its band.
BAND_WIDTH = 4.0
#: z of the Wilson interval around a run's share (95 %).
WILSON_Z = 1.96


@dataclass(frozen=True)
class HealthConfig:
    """How much history is read and needed (the ``KLIPING_HEALTH_*`` settings)."""

    #: Earlier runs of an outlet the bands and the staleness are learned from.
    window: int = 20
    #: Earlier runs needed before a learned band or staleness is judged.
    min_runs: int = 1
    #: A learned staleness never alarms before this many runs in a row without a new article.
    stale_min_runs: int = 2


@dataclass(frozen=True)
class Expectations:
    """What the outlet's own file says is usual (its ``[health]`` table); None: learn it."""

    stale_after_runs: int | None = None
    stale_after_hours: float | None = None
    bands: Mapping[str, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class OutletRun:
    """One earlier run of an outlet, as the health store keeps it."""

    run_id: str
    outlet: str
    #: When the run ended (seconds since the epoch).
    finished: float
    figures: OutletFigures
    #: False for a run that stopped early: kept for the report, left out of every baseline.
    complete: bool = True

    @cached_property
    def metrics(self) -> dict[str, float | int | None]:
        return metrics(self.figures)

    def metric(self, name: str) -> float | int | None:
        return self.metrics[name]


@dataclass
class Alarm:
    """Something moved: ``kind`` is ``listing``, ``stale``, ``drift`` or ``store``."""

    outlet: str
    kind: str
    metrics: list[str]
    message: str
    details: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outlet": self.outlet,
            "kind": self.kind,
            "metrics": list(self.metrics),
            "message": self.message,
            "details": list(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Alarm:
        return cls(
            outlet=str(data.get("outlet") or ""),
            kind=str(data.get("kind") or ""),
            metrics=[str(m) for m in data.get("metrics") or []],
            message=str(data.get("message") or ""),
            details=list(data.get("details") or []),
        )


def wilson(successes: int, trials: int, z: float = WILSON_Z) -> tuple[float, float]:
    """The Wilson score interval of a share: honest about small samples (1 of 3 is not 33 %)."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def robust_band(values: Sequence[float], tolerance: float) -> tuple[float, float, float]:
    """(usual, low, high): the median of ``values`` and a band of ``BAND_WIDTH`` robust standard
    deviations around it, at least ``tolerance`` wide on each side."""
    usual = statistics.median(values)
    mad = statistics.median(abs(v - usual) for v in values)
    half = max(BAND_WIDTH * 1.4826 * mad, tolerance)
    return usual, usual - half, usual + half


def _count(figures: OutletFigures, name: str) -> int:
    if name == "_errors":
        return figures.http_errors + max(figures.attempts - figures.responses, 0)
    return int(getattr(figures, name))


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _judge_shares(
    current: OutletFigures, past: Sequence[OutletRun], expect: Expectations, config: HealthConfig
) -> list[dict[str, Any]]:
    moves = []
    for rule in SHARE_RULES:
        trials = _count(current, rule.denominator)
        if trials < MIN_SAMPLE:
            continue
        hits = _count(current, rule.numerator)
        share = hits / trials
        if rule.metric in expect.bands:
            low, high = expect.bands[rule.metric]
            usual, learned = None, False
        else:
            values = [v for r in past if (v := r.metric(rule.metric)) is not None]
            if len(values) < config.min_runs:
                continue
            usual, low, high = robust_band([float(v) for v in values], rule.tolerance)
            learned = True
        lower, upper = wilson(hits, trials)
        if lower > high or (not learned and upper < low):
            where = (
                f"usual {_pct(usual)}, alarm above {_pct(high)}"
                if usual is not None
                else (f"band {_pct(low)}-{_pct(high)} set in its outlet file")
            )
            moves.append(
                {
                    "metric": rule.metric,
                    "value": round(share, 4),
                    "usual": None if usual is None else round(usual, 4),
                    "low": round(max(low, 0.0), 4),
                    "high": round(min(high, 1.0), 4),
                    "text": f"{rule.label} {_pct(share)} ({hits} of {trials} {rule.of}; {where})",
                }
            )
    return moves


def _judge_length(
    current: OutletFigures, past: Sequence[OutletRun], expect: Expectations, config: HealthConfig
) -> list[dict[str, Any]]:
    value = current.median_text_chars()
    if value is None or current.articles < MIN_ARTICLES:
        return []
    if LENGTH_METRIC in expect.bands:
        low, high = expect.bands[LENGTH_METRIC]
        usual = None
    else:
        values = [
            float(v)
            for r in past
            if r.figures.articles >= MIN_ARTICLES and (v := r.figures.median_text_chars())
        ]
        if len(values) < config.min_runs:
            return []
        centre, lo, hi = robust_band([math.log2(v) for v in values], math.log2(LENGTH_FACTOR))
        usual, low, high = 2**centre, 2**lo, 2**hi
    if low <= value <= high:
        return []
    where = f"usual {usual:,.0f}" if usual is not None else "band set in its outlet file"
    return [
        {
            "metric": LENGTH_METRIC,
            "value": value,
            "usual": None if usual is None else round(usual),
            "low": round(low),
            "high": round(high),
            "text": f"median text {value:,.0f} chars ({where}; band {low:,.0f}-{high:,.0f})",
        }
    ]


def _judge_volume(
    current: OutletFigures, past: Sequence[OutletRun], expect: Expectations, config: HealthConfig
) -> list[dict[str, Any]]:
    value = current.articles
    if value == 0:
        return []  # no new article at all is staleness, judged on its own
    if VOLUME_METRIC in expect.bands:
        low, high = expect.bands[VOLUME_METRIC]
        if low <= value <= high:
            return []
        usual = None
    else:
        # News volume swings with the hour and the day, and a run after a stopped one catches up:
        # judged on a log scale, only with a longer history, and only a fall far below the band.
        values = [r.figures.articles for r in past]
        if len(values) < max(config.min_runs, VOLUME_MIN_RUNS):
            return []
        usual = statistics.median(values)
        _, lo, _ = robust_band([math.log2(v + 1) for v in values], math.log2(VOLUME_FACTOR))
        low, high = 2**lo - 1, math.inf
        if usual < MIN_USUAL_VOLUME or value >= low:
            return []
    where = f"usual {usual:.0f}" if usual is not None else f"band {low:.0f}-{high:.0f} set in its outlet file"
    return [
        {
            "metric": VOLUME_METRIC,
            "value": value,
            "usual": usual,
            "low": round(low, 1),
            "high": None if math.isinf(high) else high,
            "text": f"new articles {value} ({where}, alarm below {low:.0f})"
            if usual is not None
            else (f"new articles {value} ({where})"),
        }
    ]


def _why_dead(listing: ListingFigures) -> str:
    if listing.error:
        return listing.error
    if listing.status is not None and listing.status >= 400:
        return f"HTTP {listing.status}"
    if listing.status is None:
        return "not read"
    return "no link in it"


def _judge_listings(outlet: str, current: OutletFigures, past: Sequence[OutletRun]) -> Alarm | None:
    listings = [listing for listing in current.listings.values() if listing.read]
    if not listings or all(listing.status is None and not listing.pages for listing in listings):
        return None  # nothing answered: the outlet is unreachable, which the crawl reports itself
    died = []
    for listing in listings:
        if listing.alive:
            continue
        before = [
            r.figures.listings[listing.url]
            for r in past
            if listing.url in r.figures.listings and r.figures.listings[listing.url].read
        ]
        alive_before = sum(1 for b in before if b.alive)
        if alive_before and alive_before * 2 >= len(before):
            died.append(
                (
                    listing,
                    f"{listing.kind} {listing.url} died: {_why_dead(listing)} "
                    f"(alive in {alive_before} of its last {len(before)} runs)",
                )
            )
    tail = "; no new article this run" if current.articles == 0 else ""
    if died:
        return Alarm(
            outlet,
            "listing",
            ["listings_alive"],
            f"{outlet}: " + "; ".join(text for _, text in died) + tail,
            [{"url": listing.url, "kind": listing.kind, "status": listing.status} for listing, _ in died],
        )
    if not any(listing.alive for listing in listings):
        why = ", ".join(f"{listing.kind} {listing.url}: {_why_dead(listing)}" for listing in listings)
        return Alarm(
            outlet,
            "listing",
            ["listings_alive"],
            f"{outlet}: none of its {len(listings)} listings gave a link ({why}){tail}",
            [{"url": listing.url, "kind": listing.kind, "status": listing.status} for listing in listings],
        )
    return None


def _zero_streaks(past: Sequence[OutletRun]) -> int:
    longest = streak = 0
    for run in past:
        streak = streak + 1 if run.figures.articles == 0 else 0
        longest = max(longest, streak)
    return longest


def _longest_gap_hours(past: Sequence[OutletRun]) -> float:
    times = sorted(run.finished for run in past if run.figures.articles > 0)
    return max((b - a for a, b in itertools.pairwise(times)), default=0.0) / 3600


def _judge_stale(
    outlet: str,
    current: OutletFigures,
    past: Sequence[OutletRun],
    now: float,
    expect: Expectations,
    config: HealthConfig,
) -> Alarm | None:
    if current.articles > 0:
        return None
    streak, last_new = 1, None
    for run in past:
        if run.figures.articles > 0:
            last_new = run.finished
            break
        streak += 1
    learned = expect.stale_after_runs is None and expect.stale_after_hours is None
    if learned:
        if len(past) < config.min_runs:
            return None
        runs_needed = max(config.stale_min_runs, 1 + _zero_streaks(past))
        hours_needed = 1.5 * _longest_gap_hours(past)
        source = f"learned from its last {len(past)} runs"
    else:
        runs_needed = expect.stale_after_runs or 1
        hours_needed = expect.stale_after_hours or 0.0
        source = "set in its outlet file"
    if streak < runs_needed:
        return None
    if last_new is not None:
        hours = (now - last_new) / 3600
    else:
        # No new article anywhere in the window: at least as long as the window reaches back.
        hours = (now - min((r.finished for r in past), default=now)) / 3600
    if hours < hours_needed:
        return None
    since = f"{streak} runs" if last_new is not None else f"at least {streak} runs"
    expected = f"{runs_needed} runs" + (f" / {hours_needed:.1f} h" if hours_needed else "")
    failed = _count(current, "_errors")
    why = f"; {failed} of its {current.attempts} requests failed" if failed * 2 > current.attempts else ""
    return Alarm(
        outlet,
        "stale",
        ["new_articles"],
        f"{outlet}: no new article for {since} / {hours:.1f} h (stale after {expected}, {source}){why}",
        [
            {
                "runs": streak,
                "hours": round(hours, 2),
                "runs_needed": runs_needed,
                "hours_needed": hours_needed,
            }
        ],
    )


def judge(
    outlet: str,
    current: OutletFigures,
    history: Iterable[OutletRun],
    *,
    now: float,
    expect: Expectations | None = None,
    config: HealthConfig | None = None,
    volume: bool = True,
) -> list[Alarm]:
    """The alarms of ``outlet``'s run ``current`` against its earlier runs ``history`` (most recent
    first; incomplete runs are left out). At most one alarm per kind; a dead listing explains the
    missing articles, so it silences the staleness and volume rules for the run. ``volume`` False
    (a run limited to N articles per outlet) leaves the number of new articles unjudged."""
    expect = expect or Expectations()
    config = config or HealthConfig()
    past = [run for run in history if run.complete][: config.window]
    alarms: list[Alarm] = []
    listing = _judge_listings(outlet, current, past)
    if listing is not None:
        alarms.append(listing)
    moves = _judge_shares(current, past, expect, config) + _judge_length(current, past, expect, config)
    if listing is None and volume:
        moves += _judge_volume(current, past, expect, config)
        stale = _judge_stale(outlet, current, past, now, expect, config)
        if stale is not None:
            alarms.append(stale)
    if moves:
        alarms.append(
            Alarm(
                outlet,
                "drift",
                [move["metric"] for move in moves],
                f"{outlet}: drifted: " + "; ".join(move["text"] for move in moves),
                [{k: v for k, v in move.items() if k != "text"} for move in moves],
            )
        )
    return alarms


def expectations(health: Any) -> Expectations:
    """The :class:`Expectations` of an outlet config's ``health`` table (settings.outlets.Health)."""
    if health is None:
        return Expectations()
    return Expectations(
        stale_after_runs=health.stale_after_runs,
        stale_after_hours=health.stale_after_hours,
        bands=dict(health.bands),
    )


__all__ = [
    "SHARE_RULES",
    "Alarm",
    "Expectations",
    "HealthConfig",
    "LineSampler",
    "ListingFigures",
    "OutletFigures",
    "OutletRun",
    "expectations",
    "judge",
    "metrics",
    "robust_band",
    "wilson",
]
