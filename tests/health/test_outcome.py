"""Health in the run's outcome: exit code 7 only when nothing worse happened, and one summary line
per alarm naming the outlet and what moved."""

from __future__ import annotations

from typing import Any

import pytest

from cli.common import EXIT_FAILURES, EXIT_HEALTH, EXIT_INVARIANT, EXIT_OK
from cli.outcome import exit_code
from monitor.summary import BROKEN, HEALTH, build_summary, render_table

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


def test_alarms_make_a_clean_run_exit_7() -> None:
    assert exit_code(stats(), EXIT_OK) == EXIT_HEALTH
    assert exit_code({HEALTH: {"judged": True, "alarms": []}}, EXIT_OK) == EXIT_OK


@pytest.mark.parametrize(
    ("extra", "code", "errors_fail", "expected"),
    [
        ({}, EXIT_FAILURES, False, EXIT_FAILURES),  # an unreachable outlet
        ({"kliping/errors/http_503": 2}, EXIT_OK, True, EXIT_FAILURES),
        ({BROKEN: ["articles_written"]}, EXIT_OK, False, EXIT_INVARIANT),
        ({"kliping/stopped": "no space left on /data"}, EXIT_OK, False, EXIT_FAILURES),
    ],
)
def test_anything_worse_wins_over_7(
    extra: dict[str, Any], code: int, errors_fail: bool, expected: int
) -> None:
    assert exit_code(stats(**extra), code, errors_fail=errors_fail) == expected


def test_the_table_has_one_line_per_alarm() -> None:
    table = render_table(build_summary(stats(), run_id="r", spider="outlet"))
    lines = [line for line in table.splitlines() if line.startswith("HEALTH ALARM")]
    assert [line.split(None, 2)[2] for line in lines] == [a["message"] for a in ALARMS]


def test_a_healthy_run_says_so_and_a_run_without_health_says_nothing() -> None:
    healthy = {HEALTH: {"judged": True, "outlets": {"a": {}, "b": {}}, "alarms": []}}
    assert "health                    ok, 2 outlet(s) judged" in render_table(build_summary(healthy))
    assert "health" not in render_table(build_summary({}))
