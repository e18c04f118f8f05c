"""The extraction pool's hard budget: a task over its CPU or memory budget, or whose worker dies,
fails alone, its worker is replaced and the pool goes on; a stop abandons what still runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from extract import ExtractOptions
from pipelines.pool import (
    Budget,
    ExtractionPool,
    PoolClosed,
    TaskError,
    TaskOverMemory,
    TaskTimeout,
    WorkerLost,
)
from tests.pipelines import poolfuncs

#: Bound on any one result: far above the budgets below, so a pass never depends on speed.
WAIT = 120


@pytest.fixture
def pool() -> Iterator[ExtractionPool]:
    with ExtractionPool(
        1, options=ExtractOptions(), budget=Budget(cpu_seconds=0.5, max_memory=200 << 20)
    ) as pool:
        yield pool


def test_a_task_over_its_cpu_budget_is_abandoned_and_its_worker_replaced(pool: ExtractionPool) -> None:
    before = pool.submit(poolfuncs.pid).result(WAIT)
    with pytest.raises(TaskTimeout, match="KLIPING_EXTRACT_TIMEOUT"):
        pool.submit(poolfuncs.spin).result(WAIT)
    after = pool.submit(poolfuncs.pid).result(WAIT)
    assert after != before


def test_the_budget_scales_with_the_pages_of_a_story(pool: ExtractionPool) -> None:
    with pytest.raises(TaskTimeout, match=r"1\.5 s of CPU"):
        pool.submit_task(poolfuncs.spin, budget_scale=3).result(WAIT)


def test_a_task_over_its_memory_budget_fails_and_its_worker_is_replaced() -> None:
    # CPU budget generous: filling 200 MB costs a cold machine more than the shared fixture's 0.5 s.
    budget = Budget(cpu_seconds=30, max_memory=200 << 20)
    with ExtractionPool(1, options=ExtractOptions(), budget=budget) as pool:
        before = pool.submit(poolfuncs.pid).result(WAIT)
        with pytest.raises(TaskOverMemory):
            pool.submit(poolfuncs.hog).result(WAIT)
        assert pool.submit(poolfuncs.pid).result(WAIT) != before


def test_a_worker_that_dies_fails_only_its_task(pool: ExtractionPool) -> None:
    queued = [pool.submit(poolfuncs.die), pool.submit(poolfuncs.echo, "next")]
    with pytest.raises(WorkerLost, match="SIGKILL"):
        queued[0].result(WAIT)
    assert queued[1].result(WAIT) == "next"


def test_a_task_that_raises_fails_with_the_error_and_keeps_its_worker(pool: ExtractionPool) -> None:
    before = pool.submit(poolfuncs.pid).result(WAIT)
    with pytest.raises(TaskError, match="ValueError: the page made the extractor raise"):
        pool.submit(poolfuncs.fail).result(WAIT)
    assert pool.submit(poolfuncs.pid).result(WAIT) == before


def test_abandon_fails_running_and_queued_tasks_and_the_pool_goes_on() -> None:
    with ExtractionPool(1, options=ExtractOptions(), budget=Budget(cpu_seconds=0)) as pool:
        pool.submit(poolfuncs.pid).result(WAIT)  # the worker is up
        running, queued = pool.submit(poolfuncs.spin), pool.submit(poolfuncs.echo, 1)
        assert pool.abandon() == 2
        for future in (running, queued):
            with pytest.raises(PoolClosed):
                future.result(WAIT)
        assert pool.submit(poolfuncs.echo, 2).result(WAIT) == 2


def test_closing_waits_for_the_tasks_given() -> None:
    pool = ExtractionPool(2, options=ExtractOptions())
    futures = [pool.submit(poolfuncs.echo, n) for n in range(6)]
    pool.shutdown(wait=True)
    assert [f.result(0) for f in futures] == list(range(6))
    assert not pool.pids
