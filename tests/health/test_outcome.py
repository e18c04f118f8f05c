"""Health in the run's outcome: exit code 7 only when nothing worse happened, and one summary line
per alarm naming the outlet and what moved."""

from __future__ import annotations

from typing import Any

import pytest

from cli.common import EXIT_FAILURES, EXIT_HEALTH, EXIT_INVARIANT, EXIT_NO_SPACE, EXIT_OK
from cli.outcome import decide
from monitor.summary import HEALTH, build_summary, render_table

ALARMS = [
    {
        "outlet": "kabarsatu",
        "kind": "drift",
        "metrics": ["empty_text_share"],
        "message": "kabarsatu: drifted: x",
    },
    {
        "outlet": "kabardua",
        "kind": "listing",
        "metrics": ["listings_alive"],
        "message": "kabardua: feed y died",
    },
]


def stats(**extra: Any) -> dict[str, Any]:
    return {HEALTH: {"judged": True, "outlets": {"kabarsatu": {}, "kabardua": {}}, "alarms": ALARMS}, **extra}


def outcome_of(stats: dict[str, Any], spider: str = "outlet") -> int:
    return decide(build_summary({"downloader/request_count": 100, **stats}, spider=spider)).code


def test_alarms_make_a_clean_run_exit_7() -> None:
    assert outcome_of(stats()) == EXIT_HEALTH
    assert outcome_of({HEALTH: {"judged": True, "alarms": []}}) == EXIT_OK


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"kliping/unreachable_outlets": ["kabartiga: could not reach any listing"]}, EXIT_FAILURES),
        ({"kliping/errors/http_503": 20}, EXIT_FAILURES),  # above KLIPING_MAX_ERROR_RATE
        ({"kliping/monitor/responses_downloaded": 5}, EXIT_INVARIANT),  # fetched, never archived
        (
            {"kliping/stopped": "no space left on /data", "kliping/stopped_reason": "no_space"},
            EXIT_NO_SPACE,
        ),
    ],
)
def test_anything_worse_wins_over_7(extra: dict[str, Any], expected: int) -> None:
    assert outcome_of(stats(**extra)) == expected


def test_the_table_has_one_line_per_alarm() -> None:
    table = render_table(build_summary(stats(), run_id="r", spider="outlet"))
    lines = [line for line in table.splitlines() if line.startswith("HEALTH ALARM")]
    assert [line.split(None, 2)[2] for line in lines] == [a["message"] for a in ALARMS]


def test_a_healthy_run_says_so_and_a_run_without_health_says_nothing() -> None:
    healthy = {HEALTH: {"judged": True, "outlets": {"a": {}, "b": {}}, "alarms": []}}
    assert "health                    ok, 2 outlet(s) judged" in render_table(build_summary(healthy))
    assert "health" not in render_table(build_summary({}))
