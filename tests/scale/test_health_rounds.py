"""Health with a shared frontier: each worker adds its figures to the round in Redis, and the worker
that ends the round judges the round's figures, all workers' added up, records them in Redis and
exports them; the other worker says who judges. ``kliping report --state redis://...`` reads them."""

from __future__ import annotations

import json
from pathlib import Path

from replayweb import ReplayWeb
from state.health_redis import RedisHealthStore
from tests.scale import newsweb
from tests.scale.conftest import Workers, wait_until
from tests.scale.test_frontier import (
    PATIENT,
    SHARED,
    crawl_args,
    hold_first_article,
    queued,
    workers_in_round,
)

TEXTFILE = ["-s", "KLIPING_METRICS_TEXTFILE=metrics/kliping.prom"]


def health_of(worker_dir: Path) -> dict:
    (path,) = (worker_dir / "data" / "runs").glob("*/summary.json")
    return dict(json.loads(path.read_text(encoding="utf-8"))["health"])


def test_the_last_worker_out_judges_the_round_on_every_worker_s_figures(
    news_web: tuple[ReplayWeb, list[str]], redis_uri: str, workers: Workers, tmp_path: Path
) -> None:
    web, articles = news_web
    outlets = newsweb.write_outlet(tmp_path / "outlets").parent
    args = crawl_args(web, outlets, newsweb.OUTLET, "--state", redis_uri, *SHARED, *PATIENT, *TEXTFILE)
    # Both workers take part by construction (as in test_frontier): a queues the articles and is
    # stopped while b takes what is queued; then both finish.
    with hold_first_article(web, len(articles)) as first_article:
        a = workers.start("a", *args)
        first_article.wait_held("worker a to ask for its first article")
        wait_until(lambda: queued(redis_uri) >= len(articles) - 2, 60, "worker a to queue the articles")
        a.pause()
    b = workers.start("b", *args)
    wait_until(lambda: workers_in_round(redis_uri) == 2, 60, "worker b to join a's round")
    wait_until(lambda: queued(redis_uri) == 0, 120, "worker b to take every queued request")
    a.resume()
    assert a.wait() == 0, a.stderr
    assert b.wait() == 0, b.stderr
    assert a.rows() and b.rows()

    healths = {name: health_of(w.cwd) for name, w in (("a", a), ("b", b))}
    judges = [name for name, h in healths.items() if h["judged"]]
    assert len(judges) == 1, healths
    judge, other = judges[0], ({"a", "b"} - set(judges)).pop()
    assert (
        healths[other]["why"]
        == "another worker of the round is still at work: the last one out judges the round"
    )
    assert healths[other]["outlets"] == {}
    judged = healths[judge]
    assert judged["scope"] == "round"
    assert judged["alarms"] == []
    assert judged["outlets"][newsweb.OUTLET]["new_articles"] == len(articles) == len(a.rows()) + len(b.rows())
    assert judged["outlets"][newsweb.OUTLET]["listings_alive"] == 2

    store = RedisHealthStore.from_uri(redis_uri)
    try:
        (row,) = store.history(newsweb.OUTLET, 5)
        contributions = store.contributions(judged["run_id"])
    finally:
        store.close()
    assert row.run_id == judged["run_id"]
    assert row.metrics["new_articles"] == len(articles)
    assert len(contributions) == 2
    assert sorted(c[newsweb.OUTLET]["articles"] for c in contributions.values()) == sorted(
        [len(a.rows()), len(b.rows())]
    )

    judge_dir = {"a": a.cwd, "b": b.cwd}[judge]
    metrics = (judge_dir / "metrics" / "kliping.prom").read_text(encoding="utf-8")
    assert f'kliping_outlet_new_articles{{outlet="{newsweb.OUTLET}"}} {float(len(articles))}' in metrics
    assert "kliping_run_workers 2.0" in metrics
    other_metrics = ({"a": a.cwd, "b": b.cwd}[other] / "metrics" / "kliping.prom").read_text(encoding="utf-8")
    assert "kliping_outlet_" not in other_metrics
    assert "kliping_health_judged 0.0" in other_metrics

    report = workers.start("report", "report", "--state", redis_uri, "-o", "report.html")
    assert report.wait() == 0, report.stderr
    page = (report.cwd / "report.html").read_text(encoding="utf-8")
    assert f"<th scope=row>{newsweb.OUTLET}</th><td>{len(articles)}</td>" in page
