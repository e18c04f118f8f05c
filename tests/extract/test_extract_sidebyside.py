"""``make eval``'s table: kliping beside Trafilatura (same settings, plain) on every suite."""

from __future__ import annotations

from kliping_extract_pages import PAGES

from extract.options import DEFAULT_OPTIONS
from extract.sidebyside import WHO, Timer, extractors, heldout_suite, render


def test_a_gold_suite_is_scored_for_all_three_extractors_and_rendered_side_by_side() -> None:
    timer = Timer()
    suite = heldout_suite(PAGES / "heldout2", extractors(DEFAULT_OPTIONS, timer))
    assert set(suite) == set(WHO)
    assert suite["kliping"]["articles"] == suite["traf-plain"]["articles"] >= 15
    report = {
        "suites": {"heldout2": suite},
        "kliping_pages": timer.pages,
        "kliping_seconds": timer.total,
        "slowest": {"seconds": timer.slowest[0], "url": timer.slowest[1]},
    }
    table = render(report)
    assert "kliping" in table.splitlines()[0] and "traf-same" in table and "traf-plain" in table
    assert "heldout2 (18): token F1" in table and "slowest page" in table
    assert timer.pages == suite["kliping"]["articles"]
