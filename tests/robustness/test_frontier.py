"""The durable frontier: what a job owes survives the process; a finished job is forgotten."""

from __future__ import annotations

from pathlib import Path

from fetch.frontier import decode_kwargs, encode_kwargs
from settings.outlets import load_outlets
from state.frontier import Frontier, this_host


def test_pending_requests_survive_a_new_connection_in_order(tmp_path: Path) -> None:
    db = tmp_path / "frontier.sqlite"
    first = Frontier(db)
    first.add_pending("job", "https://x.id/a", "parse_page", '{"outlet": null}')
    first.add_pending("job", "https://x.id/b", "parse_page")
    first.mark_done(["https://x.id/a"], "job")
    # No close: as if killed.
    again = Frontier(db)
    assert [p.url for p in again.pending("job")] == ["https://x.id/b"]
    assert again.is_done("job", "https://x.id/a") and not again.is_done("job", "https://x.id/b")
    assert again.pending("other job") == []


def test_a_finished_job_is_forgotten(tmp_path: Path) -> None:
    frontier = Frontier(tmp_path / "f.sqlite")
    frontier.add_pending("job", "https://x.id/a", "parse_page")
    frontier.forget_job("job")
    assert frontier.pending("job") == [] and not frontier.is_done("job", "https://x.id/a")


def test_recovery_settles_urls_in_every_job(tmp_path: Path) -> None:
    frontier = Frontier(tmp_path / "f.sqlite")
    frontier.add_pending("a", "https://x.id/1", "parse_page")
    frontier.add_pending("b", "https://x.id/1", "parse_article")
    frontier.mark_done(["https://x.id/1"])
    assert frontier.is_done("a", "https://x.id/1") and frontier.is_done("b", "https://x.id/1")


def test_a_run_whose_process_is_gone_is_a_killed_run(tmp_path: Path) -> None:
    frontier = Frontier(tmp_path / "f.sqlite")
    frontier.db.execute(
        "INSERT INTO runs (run_id, job, spider, host, pid, started) VALUES ('dead', 'j', 's', ?, ?, '')",
        (this_host(), 2**22 + 11),
    )
    frontier.db.execute(
        "INSERT INTO runs (run_id, job, spider, host, pid, started) VALUES ('live', 'j', 's', ?, 1, '')",
        (this_host(),),
    )
    assert [r.run_id for r in frontier.killed_runs()] == ["dead"]
    frontier.end_run("dead")
    assert [r.run_id for r in frontier.running()] == ["live"]


def test_callback_arguments_round_trip_outlets_by_name() -> None:
    outlets = load_outlets([])
    name = sorted(outlets)[0]
    text = encode_kwargs({"outlet": outlets[name], "hints": {"a": 1}})
    assert text is not None
    back = decode_kwargs(text, [])
    assert back["outlet"].name == name and back["hints"] == {"a": 1}
    assert encode_kwargs({"x": object()}) is None
