"""``kliping report``: one HTML file that renders in headless Chromium with no network, whose charts
hold the numbers of the health store, and in which nothing a page sent can run or add markup."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import pytest

from cli.common import EXIT_BAD_INPUT, EXIT_OK
from monitor.report import day_of
from state.health import OutletRow, RunRow, SqliteHealthStore
from tests.browser import Chromium, artefact_dir, chromium_binary
from tests.conftest import Kliping
from tests.health import simulated

HOSTILE = '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">&amp;'


@pytest.fixture
def store_dir(kliping: Kliping) -> Path:
    """A workdir whose health store holds a simulated fortnight, plus one run with hostile strings."""
    path = kliping.cwd / "data" / "state" / "health.sqlite"
    store = SqliteHealthStore(path)
    now = time.time()
    try:
        simulated.fill(store, now - 3600)
        alarm = {"outlet": "kabartiga", "kind": "listing", "metrics": ["listings_alive"], "message": HOSTILE}
        row = store.history("kabartiga", 1)[0]
        hostile = OutletRow("hostile-run", "kabartiga", now - 60, True, row.figures, row.metrics, [alarm])
        store.record(RunRow("hostile-run", now - 120, now - 60, True, [alarm], {}), [hostile])
    finally:
        store.close()
    return kliping.cwd


def rows(cwd: Path) -> list[OutletRow]:
    store = SqliteHealthStore(cwd / "data" / "state" / "health.sqlite")
    try:
        return store.outlet_rows(0)
    finally:
        store.close()


def run_rows(cwd: Path) -> list[RunRow]:
    store = SqliteHealthStore(cwd / "data" / "state" / "health.sqlite")
    try:
        return store.run_rows(0)
    finally:
        store.close()


def browser_or_skip() -> str:
    binary = chromium_binary()
    if binary is None:
        pytest.skip("chromium not installed (`make debs` installs Debian's chromium package)")
    return binary


def test_the_report_renders_offline_with_the_store_s_numbers(
    kliping: Kliping, store_dir: Path, tmp_path: Path
) -> None:
    result = kliping("report")
    assert result.code == EXIT_OK, result.stderr
    page = store_dir / "data" / "report.html"
    stored, runs = rows(store_dir), run_rows(store_dir)
    alarms = sum(len(run.alarms) for run in runs)
    assert (len(runs), result.stderr) == (29, f"data/report.html: 29 run(s), {alarms} alarm(s)\n")
    with Chromium(browser_or_skip()) as browser:
        browser.open(page)
        assert browser.evaluate("document.body.dataset.chartsDrawn") == "10"
        assert browser.evaluate("document.querySelectorAll('.js-plotly-plot .main-svg').length") >= 20
        charts = browser.evaluate(
            "Object.fromEntries([...document.querySelectorAll('.js-plotly-plot')].map(g => "
            "[g.id, g.data.map(t => ({name: t.name, x: t.x, y: t.y}))]))"
        )
        last_run = browser.evaluate(
            "[...document.querySelectorAll('#last-run tbody tr')]"
            ".map(r => [...r.children].map(c => c.innerText))"
        )
        shot = browser.screenshot(artefact_dir(tmp_path) / "health-report.png")
        asked = list(browser.urls)
    assert shot.stat().st_size > 50_000
    assert asked == [page.resolve().as_uri()], "the report must need no network"

    per_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in stored:
        per_day[row.outlet][day_of(row.finished)] += row.metrics["new_articles"]
    drawn = {t["name"]: dict(zip(t["x"], t["y"], strict=True)) for t in charts["chart-articles-per-day"]}
    assert drawn == {outlet: {d: per_day[outlet].get(d, 0) for d in drawn[outlet]} for outlet in per_day}
    assert sum(sum(days.values()) for days in drawn.values()) == sum(
        r.metrics["new_articles"] for r in stored
    )

    empty = {t["name"]: t["y"] for t in charts["chart-empty-text"]}
    assert empty["kabarsatu"] == [r.metrics["empty_text_share"] for r in stored if r.outlet == "kabarsatu"]
    drifted = [
        r
        for r in stored
        if any(a["kind"] == "drift" and "empty_text_share" in a["metrics"] for a in r.alarms)
    ]
    assert drifted and empty["alarm"] == [r.metrics["empty_text_share"] for r in drifted]
    dead = {t["name"]: t["y"] for t in charts["chart-dead-listings"]}
    assert dead["kabardua"][-1] == 1

    assert [cells[0] for cells in last_run] == ["kabartiga"]  # the hostile run is the last one
    assert last_run[0][1] == str(stored[-1].metrics["new_articles"])


def test_strings_from_pages_are_shown_as_text_and_never_run(kliping: Kliping, store_dir: Path) -> None:
    assert kliping("report", "-o", "r.html").code == EXIT_OK
    source = (store_dir / "r.html").read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in source and "<img src=x" not in source
    with Chromium(browser_or_skip()) as browser:
        browser.open(store_dir / "r.html")
        assert browser.evaluate("typeof window.__pwned") == "undefined"
        assert browser.evaluate("document.querySelectorAll('img').length") == 0
        shown = browser.evaluate("[...document.querySelectorAll('#alarms td')].map(c => c.innerText)")
    assert HOSTILE in shown


def test_since_keeps_the_runs_of_the_period(kliping: Kliping, store_dir: Path) -> None:
    result = kliping("report", "--since", "3d", "-o", "r.html")
    assert result.code == EXIT_OK, result.stderr
    since = time.time() - 3 * 86400
    recent = [run for run in run_rows(store_dir) if run.finished >= since]
    assert len(recent) == 7  # two a day for three days, and the hostile one
    assert result.stderr.startswith("r.html: 7 run(s)")
    source = (store_dir / "r.html").read_text(encoding="utf-8")
    older = {row.run_id for row in rows(store_dir) if row.finished < since}
    assert older and not any(run_id in source for run_id in older)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--since", "yesterday"],
            "kliping report: --since 'yesterday': expected YYYY-MM-DD, or a span such as 30d or 12h",
        ),
        (
            ["-s", "KLIPING_WORKDIR=nowhere"],
            "kliping report: nowhere/state/health.sqlite: no health recorded yet",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(kliping: Kliping, args: list[str], line: str) -> None:
    result = kliping("report", *args)
    assert result.code == EXIT_BAD_INPUT
    assert result.stderr.startswith(line), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
