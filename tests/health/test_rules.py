"""The health rules (monitor/health.py) as a spec: what alarms, what does not, with little history."""

from __future__ import annotations

import pytest

from monitor.health import (
    Expectations,
    HealthConfig,
    LineSampler,
    ListingFigures,
    OutletFigures,
    OutletRun,
    judge,
    metrics,
    wilson,
)
from settings.outlets import Outlet

FEED = "https://www.contoh.id/rss"
INDEX = "https://www.contoh.id/terkini"
HOUR = 3600.0


def figures(
    articles: int = 20,
    *,
    empty: int = 0,
    no_date: int = 0,
    no_author: int = 0,
    chars: int = 1500,
    feed_links: int = 20,
    feed_status: int | None = 200,
    index_links: int | None = None,
) -> OutletFigures:
    f = OutletFigures(stories=articles + empty, articles=articles, empty_text=empty)
    f.missing_date, f.missing_author = no_date, no_author
    f.attempts = f.responses = articles + empty + 2
    for _ in range(articles):
        f.add_text_length(chars)
    f.listings[FEED] = ListingFigures(FEED, "feed", pages=1, links=feed_links, status=feed_status)
    if index_links is not None:
        f.listings[INDEX] = ListingFigures(INDEX, "index", pages=1, links=index_links, status=200)
    return f


def history(*runs: OutletFigures, every: float = HOUR, now: float = 100 * HOUR) -> list[OutletRun]:
    """Earlier runs, most recent first, one every ``every`` seconds before ``now``."""
    return [OutletRun(f"run-{i}", "contoh", now - (i + 1) * every, f) for i, f in enumerate(runs)]


def kinds(alarms: list) -> list[tuple[str, list[str]]]:
    return [(a.kind, a.metrics) for a in alarms]


NOW = 100 * HOUR


def test_a_healthy_run_like_its_history_fires_nothing() -> None:
    assert judge("contoh", figures(), history(figures(), figures()), now=NOW) == []


def test_empty_text_jumping_from_0_to_40_percent_is_drift_with_one_earlier_run() -> None:
    alarms = judge("contoh", figures(30, empty=20), history(figures()), now=NOW)
    assert kinds(alarms) == [("drift", ["empty_text_share"])]
    assert alarms[0].message == (
        "contoh: drifted: text empty 40% (20 of 50 stories; usual 0%, alarm above 15%)"
    )


def test_one_of_three_is_not_enough_to_alarm_but_three_of_three_is() -> None:
    past = history(figures(3), figures(3))
    assert judge("contoh", figures(2, no_date=1), past, now=NOW) == []
    assert judge("contoh", figures(1, no_date=1), past, now=NOW) == []
    assert kinds(judge("contoh", figures(3, no_date=3), past, now=NOW)) == [("drift", ["missing_date_share"])]


def test_a_noisy_history_widens_the_band() -> None:
    noisy = history(*(figures(20, no_author=n) for n in (2, 8, 4, 6, 3, 7)))
    assert judge("contoh", figures(20, no_author=10), noisy, now=NOW) == []
    steady = history(*(figures(20, no_author=0) for _ in range(6)))
    assert kinds(judge("contoh", figures(20, no_author=10), steady, now=NOW)) == [
        ("drift", ["missing_author_share"])
    ]


def test_a_share_falling_is_not_an_alarm() -> None:
    assert judge("contoh", figures(20, no_author=0), history(figures(20, no_author=20)), now=NOW) == []


def test_a_band_from_the_outlet_file_replaces_the_learned_one_from_the_first_run() -> None:
    never_named = Expectations(bands={"missing_author_share": (0.0, 1.0)})
    past = history(figures(20, no_author=0))
    assert judge("contoh", figures(20, no_author=20), past, now=NOW, expect=never_named) == []
    strict = Expectations(bands={"missing_date_share": (0.0, 0.05)})
    alarms = judge("contoh", figures(40, no_date=10), [], now=NOW, expect=strict)
    assert kinds(alarms) == [("drift", ["missing_date_share"])]
    assert "band 0%-5% set in its outlet file" in alarms[0].message


def test_no_learned_alarm_before_the_minimum_history() -> None:
    config = HealthConfig(min_runs=3)
    assert judge("contoh", figures(30, empty=20), history(figures(), figures()), now=NOW, config=config) == []
    assert judge(
        "contoh", figures(30, empty=20), history(figures(), figures(), figures()), now=NOW, config=config
    )


def test_runs_that_stopped_early_are_no_baseline() -> None:
    stopped = OutletRun("stopped", "contoh", NOW - HOUR, figures(10, empty=30), complete=False)
    assert kinds(judge("contoh", figures(30, empty=20), [stopped], now=NOW)) == []


def test_median_text_length_halving_is_drift_and_small_runs_are_not_judged() -> None:
    past = history(figures(chars=2000), figures(chars=2100))
    alarms = judge("contoh", figures(chars=600), past, now=NOW)
    assert kinds(alarms) == [("drift", ["median_text_chars"])]
    small = history(figures(3, chars=2000), figures(3, chars=2100))
    assert judge("contoh", figures(2, chars=600), small, now=NOW) == []


def test_new_articles_falling_to_under_a_quarter_is_drift() -> None:
    past = history(figures(40), figures(44), figures(38), figures(41), figures(36))
    assert kinds(judge("contoh", figures(6), past, now=NOW)) == [("drift", ["new_articles"])]
    assert judge("contoh", figures(15), past, now=NOW) == []
    # A run limited on purpose (--max-articles) is not judged on its volume.
    assert judge("contoh", figures(6), past, now=NOW, volume=False) == []
    # A run after a stopped one may catch up on little: with a short history, no judgement.
    assert judge("contoh", figures(2), past[:2], now=NOW) == []
    # A day of hourly runs swings widely: the band follows.
    swinging = history(*(figures(n) for n in (60, 8, 45, 5, 70, 10, 52, 6)))
    assert judge("contoh", figures(4), swinging, now=NOW) == []


def test_a_listing_that_died_is_one_alarm_naming_it_and_why() -> None:
    past = history(figures(index_links=5), figures(index_links=5))
    now = figures(0, feed_links=0, feed_status=404, index_links=0)
    now.listings[INDEX].links = 5  # the index still lists (old) articles
    alarms = judge("contoh", now, past, now=NOW)
    assert kinds(alarms) == [("listing", ["listings_alive"])]
    assert alarms[0].message == (
        f"contoh: feed {FEED} died: HTTP 404 (alive in 2 of its last 2 runs); no new article this run"
    )


def test_an_outlet_none_of_whose_listings_gives_a_link_alarms_on_its_first_run() -> None:
    alarms = judge("contoh", figures(0, feed_links=0), [], now=NOW)
    assert kinds(alarms) == [("listing", ["listings_alive"])]
    assert (
        alarms[0].message == f"contoh: none of its 1 listings gave a link (feed {FEED}: no link in it); "
        "no new article this run"
    )


def test_an_unreachable_outlet_is_left_to_the_crawl_s_own_report() -> None:
    unreachable = figures(0, feed_links=0, feed_status=None)
    unreachable.listings[FEED].pages = 0
    assert judge("contoh", unreachable, history(figures()), now=NOW) == []


def test_staleness_is_learned_from_the_outlet_s_own_quiet_spells() -> None:
    busy = history(figures(), figures(), figures())
    assert judge("contoh", figures(0), busy, now=NOW) == []  # one quiet run: not yet (at least 2)
    after_one_quiet = history(figures(0), figures(), figures(), now=NOW)
    alarms = judge("contoh", figures(0), after_one_quiet, now=NOW)
    assert kinds(alarms) == [("stale", ["new_articles"])]
    assert alarms[0].message.startswith("contoh: no new article for 2 runs / 2.0 h (stale after 2 runs")
    # An outlet that often goes three runs without news is stale only after four.
    sleepy = history(figures(0), figures(0), figures(), figures(0), figures(0), figures(0), figures())
    assert judge("contoh", figures(0), sleepy, now=NOW) == []


def test_staleness_in_hours_from_the_outlet_file() -> None:
    daily = Expectations(stale_after_hours=24)
    quiet_since = history(figures(0), figures(), every=10 * HOUR)  # last new article 20 h ago
    assert judge("contoh", figures(0), quiet_since, now=NOW, expect=daily) == []
    quiet_longer = history(figures(0), figures(), every=15 * HOUR)  # 30 h ago
    assert kinds(judge("contoh", figures(0), quiet_longer, now=NOW, expect=daily)) == [
        ("stale", ["new_articles"])
    ]


def test_wilson_interval_is_honest_about_small_samples() -> None:
    low, high = wilson(1, 3)
    assert low < 0.1 and high > 0.75
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(40, 100)[0] == pytest.approx(0.309, abs=0.005)


def test_figures_of_workers_add_up() -> None:
    a, b = figures(10, empty=2), figures(5, feed_links=0, feed_status=None)
    b.listings[FEED].pages = 0
    merged = a.merge(b)
    assert (merged.articles, merged.stories, merged.empty_text) == (15, 17, 2)
    assert merged.listings[FEED].alive and merged.listings[FEED].status == 200
    assert sum(merged.text_chars.values()) == 15
    assert OutletFigures.from_dict(merged.to_dict()) == merged


def test_the_median_text_length_is_read_from_the_histogram_within_five_percent() -> None:
    f = OutletFigures()
    for chars in (300, 900, 1000, 1100, 5000):
        f.add_text_length(chars)
    assert f.median_text_chars() == pytest.approx(1000, rel=0.05)
    assert metrics(OutletFigures())["median_text_chars"] is None


def test_lines_recurring_across_articles_are_boilerplate_like() -> None:
    sampler = LineSampler()
    for n in range(10):
        sampler.add(
            f"Paragraf pertama berita {n}.\nParagraf kedua {n}.\nUnduh aplikasi Kabar Contoh di ponsel Anda."
        )
    assert sampler.counts() == (30, 10)
    distinct = LineSampler()
    for n in range(10):
        distinct.add(f"Paragraf pertama berita {n}.\nParagraf kedua {n}.")
    assert distinct.counts() == (20, 0)


def test_the_outlet_file_health_table_is_validated() -> None:
    base = {"name": "contoh", "hosts": ["contoh.id"], "article_pattern": "/berita/"}
    outlet = Outlet.model_validate(
        {**base, "health": {"stale_after_hours": 12, "bands": {"new_articles": [5, 500]}}}
    )
    assert outlet.health.bands == {"new_articles": (5.0, 500.0)}
    with pytest.raises(ValueError, match="unknown metric 'empty'"):
        Outlet.model_validate({**base, "health": {"bands": {"empty": [0, 1]}}})
    with pytest.raises(ValueError, match=r"low 0\.5 is above high 0\.1"):
        Outlet.model_validate({**base, "health": {"bands": {"empty_text_share": [0.5, 0.1]}}})
