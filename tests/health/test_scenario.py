"""Know when an outlet breaks: four scheduled crawls of a synthetic web that changes between runs.

Run 1 and run 2 are healthy; before run 3 one outlet redesigns (its new pages come out empty or
without dates) and another's feed dies (it answers 200 and lists nothing); before run 4 both are
fixed. Each alarm names the right outlet and what moved, in the run's summary (table and
summary.json), in the Prometheus metrics, in the health store and in the report; healthy runs fire
none. The crawls run once for the module; each test reads one behaviour off them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli.common import EXIT_HEALTH, EXIT_OK
from replayweb import ReplayWeb
from state.health import SqliteHealthStore
from tests.browser import Chromium, artefact_dir, chromium_binary
from tests.conftest import Kliping, Result
from tests.health.healthweb import CONTROL, FEED_DIES, OUTLETS, REDESIGNS, HealthWeb, feed_url


@dataclass
class Run:
    result: Result
    summary: dict[str, Any]
    metrics: str


@dataclass
class Scenario:
    cwd: Path
    runs: list[Run]
    report: Path


def crawl(kliping: Kliping, web: HealthWeb, n: int) -> Run:
    result = kliping(
        "crawl", *OUTLETS, "--proxy", web.proxy_url, "--output", f"out{n}",
        "-s", f"KLIPING_OUTLETS_DIRS={web.outlets_dir}", "-s", "AUTOTHROTTLE_ENABLED=0",
        "-s", "KLIPING_EXTRACT_WORKERS=1", "-s", "KLIPING_METRICS_TEXTFILE=metrics/kliping.prom",
    )  # fmt: skip
    (path,) = (kliping.cwd / f"out{n}" / "runs").glob("*/summary.json")
    metrics = (kliping.cwd / "metrics" / "kliping.prom").read_text(encoding="utf-8")
    return Run(result, json.loads(path.read_text(encoding="utf-8")), metrics)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    cwd = tmp_path_factory.mktemp("health")
    kliping = Kliping(cwd)
    with ReplayWeb() as replay:
        web = HealthWeb(replay, cwd / "outlets")
        runs = []
        for n in (1, 2):
            web.publish()
            runs.append(crawl(kliping, web, n))
        web.redesign(REDESIGNS)
        web.kill_feed(FEED_DIES)
        web.publish()
        runs.append(crawl(kliping, web, 3))
        report = cwd / "report.html"
        made = kliping("report", "-o", str(report))
        assert made.code == EXIT_OK, made.stderr
        web.restore()
        web.publish()
        runs.append(crawl(kliping, web, 4))
    yield Scenario(cwd, runs, report)


def alarms(run: Run) -> list[dict[str, Any]]:
    return list(run.summary["health"]["alarms"])


def alarm_lines(run: Run) -> list[str]:
    return re.findall(r"^HEALTH ALARM +(.*)$", run.result.stderr, re.M)


def alarm_series(run: Run) -> list[str]:
    return sorted(line for line in run.metrics.splitlines() if line.startswith("kliping_health_alarm{"))


def test_healthy_runs_fire_no_alarm(scenario: Scenario) -> None:
    for run in (scenario.runs[0], scenario.runs[1]):
        assert run.result.code == EXIT_OK, run.result.stderr
        assert alarms(run) == []
        assert alarm_lines(run) == []
        assert re.search(r"^health +ok, 3 outlet\(s\) judged$", run.result.stderr, re.M)
        assert alarm_series(run) == []
        assert "kliping_health_alarms 0.0" in run.metrics
    assert scenario.runs[1].summary["health"]["judged"] is True


def test_a_redesign_and_a_dead_feed_exit_7_with_one_alarm_each(scenario: Scenario) -> None:
    run = scenario.runs[2]
    assert run.result.code == EXIT_HEALTH, run.result.stderr
    assert sorted((a["outlet"], a["kind"]) for a in alarms(run)) == [
        (FEED_DIES, "listing"),
        (REDESIGNS, "drift"),
    ]
    assert len(alarm_lines(run)) == 2
    assert re.search(r"^exit code +7$", run.result.stderr, re.M)


def test_the_redesign_alarm_names_the_outlet_and_the_metrics_that_moved(scenario: Scenario) -> None:
    run = scenario.runs[2]
    (drift,) = [a for a in alarms(run) if a["outlet"] == REDESIGNS]
    assert {"empty_text_share", "missing_date_share"} <= set(drift["metrics"])
    (line,) = [line for line in alarm_lines(run) if line.startswith(f"{REDESIGNS}:")]
    assert re.search(r"text empty 50% \(3 of 6 stories; usual 0%, alarm above 15%\)", line), line
    assert re.search(r"date missing 100% \(3 of 3 articles", line), line
    outlet = run.summary["health"]["outlets"][REDESIGNS]
    assert outlet["empty_text_share"] == 0.5
    assert outlet["missing_date_share"] == 1.0


def test_the_dead_feed_alarm_names_the_outlet_and_the_feed(scenario: Scenario) -> None:
    run = scenario.runs[2]
    (listing,) = [a for a in alarms(run) if a["outlet"] == FEED_DIES]
    assert listing["metrics"] == ["listings_alive"]
    assert listing["message"] == (
        f"{FEED_DIES}: feed {feed_url(FEED_DIES)} died: no link in it (alive in 2 of its last 2 runs); "
        "no new article this run"
    )
    # One alarm for one cause: the missing articles are explained, not reported again as stale.
    assert [a["kind"] for a in alarms(run) if a["outlet"] == FEED_DIES] == ["listing"]


def test_the_alarms_are_in_the_metrics(scenario: Scenario) -> None:
    run = scenario.runs[2]
    assert alarm_series(run) == [
        f'kliping_health_alarm{{kind="drift",outlet="{REDESIGNS}"}} 1.0',
        f'kliping_health_alarm{{kind="listing",outlet="{FEED_DIES}"}} 1.0',
    ]
    assert (
        f'kliping_health_alarm_metric{{kind="drift",metric="empty_text_share",outlet="{REDESIGNS}"}} 1.0'
        in (run.metrics)
    )
    assert f'kliping_outlet_listings_alive{{outlet="{FEED_DIES}"}} 0.0' in run.metrics
    assert f'kliping_outlet_new_articles{{outlet="{CONTROL}"}} 6.0' in run.metrics
    assert "kliping_health_alarms 2.0" in run.metrics


def test_the_alarms_are_in_the_health_store(scenario: Scenario) -> None:
    store = SqliteHealthStore(scenario.cwd / "data" / "state" / "health.sqlite")
    try:
        rows = store.outlet_rows(0)
        runs = store.run_rows(0)
    finally:
        store.close()
    assert len(runs) == 4
    assert [len(r.alarms) for r in runs] == [0, 0, 2, 0]
    assert sorted(r.outlet for r in rows) == sorted(OUTLETS * 4)
    third = {r.outlet: r for r in rows if r.run_id == runs[2].run_id}
    assert [a["kind"] for a in third[REDESIGNS].alarms] == ["drift"]
    assert third[CONTROL].alarms == []
    assert third[CONTROL].metrics["new_articles"] == 6


def test_a_fixed_outlet_fires_no_alarm_on_the_next_run(scenario: Scenario) -> None:
    run = scenario.runs[3]
    assert run.result.code == EXIT_OK, run.result.stderr
    assert alarms(run) == []
    assert alarm_series(run) == []


def test_the_report_holds_the_alarms_and_the_store_numbers_in_chromium(
    scenario: Scenario, tmp_path: Path
) -> None:
    binary = chromium_binary()
    if binary is None:
        pytest.skip("chromium not installed (`make debs` installs Debian's chromium package)")
    store = SqliteHealthStore(scenario.cwd / "data" / "state" / "health.sqlite")
    try:
        rows = [r for r in store.outlet_rows(0)]
    finally:
        store.close()
    with Chromium(binary) as browser:
        browser.open(scenario.report)
        assert browser.evaluate("document.body.dataset.chartsDrawn") == "10"
        texts = browser.evaluate("[...document.querySelectorAll('#alarms tbody tr')].map(r => r.innerText)")
        charts = browser.evaluate(
            "Object.fromEntries([...document.querySelectorAll('.js-plotly-plot')].map(g => "
            "[g.id, g.data.map(t => ({name: t.name, x: t.x, y: t.y}))]))"
        )
        browser.screenshot(artefact_dir(tmp_path) / "health-report-scenario.png")
    assert len(texts) == 2
    assert any(REDESIGNS in t and "text empty 50%" in t for t in texts)
    assert any(FEED_DIES in t and feed_url(FEED_DIES) in t for t in texts)
    # Three runs were in the store when the report was made.
    reported = [r for r in rows if r.finished <= scenario.report.stat().st_mtime]
    empty = {t["name"]: t["y"] for t in charts["chart-empty-text"]}
    expected = [r.metrics["empty_text_share"] for r in reported if r.outlet == REDESIGNS]
    assert empty[REDESIGNS] == pytest.approx(expected)
    assert (empty["alarm"], len(expected)) == ([0.5], 3)
    per_day = {t["name"]: sum(t["y"]) for t in charts["chart-articles-per-day"]}
    for outlet in OUTLETS:
        assert per_day[outlet] == sum(r.metrics["new_articles"] for r in reported if r.outlet == outlet)
