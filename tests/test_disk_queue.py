"""The run's pending requests wait on disk, in a directory of the run's own that does not outlive it."""

from __future__ import annotations

import os
from pathlib import Path

import scrapy
from scrapy.core.engine import ExecutionEngine
from scrapy.utils.test import get_crawler

from fetch.diskqueue import DiskQueueScheduler, remove_leftovers
from settings.runinfo import hostname_token, new_run_id


class ListingSpider(scrapy.Spider):
    name = "listing"

    def parse(self, response: object) -> None:
        pass


def scheduler(tmp_path: Path, **settings: object) -> tuple[DiskQueueScheduler, ListingSpider]:
    crawler = get_crawler(
        ListingSpider,
        {
            "KLIPING_WORKDIR": str(tmp_path),
            "KLIPING_RUN_ID": new_run_id(),
            "KLIPING_QUEUE_ON_DISK": True,
            **settings,
        },
    )
    crawler.spider = spider = ListingSpider()
    # The default priority queue asks the downloader which hosts are busy: a real engine, not started.
    crawler.engine = ExecutionEngine(crawler, lambda _: None)
    return DiskQueueScheduler.from_crawler(crawler), spider


def test_pending_requests_wait_on_disk_and_come_back_whole(tmp_path: Path) -> None:
    queue, spider = scheduler(tmp_path)
    queue.open(spider)
    for n in range(50):
        queue.enqueue_request(
            scrapy.Request(f"http://x.example/{n}", callback=spider.parse, cb_kwargs={"n": n})
        )
    assert queue.run_queue is not None and any(p.is_file() for p in queue.run_queue.rglob("*"))
    assert queue.stats is not None and queue.stats.get_value("scheduler/enqueued/disk") == 50
    got = {queue.next_request().cb_kwargs["n"] for _ in range(50)}  # type: ignore[union-attr]
    assert got == set(range(50))
    queue.close("finished")


def test_the_queue_directory_is_gone_when_the_run_ends(tmp_path: Path) -> None:
    queue, spider = scheduler(tmp_path)
    queue.open(spider)
    queue.enqueue_request(scrapy.Request("http://x.example/left-over", callback=spider.parse))
    queue.close("shutdown")
    assert queue.run_queue is not None and not queue.run_queue.exists()


def test_a_request_that_cannot_be_stored_stays_in_memory_and_is_counted(tmp_path: Path) -> None:
    queue, spider = scheduler(tmp_path)
    queue.open(spider)

    def not_a_spider_method(response: object) -> None:
        pass

    queue.enqueue_request(scrapy.Request("http://x.example/local-function", callback=not_a_spider_method))
    assert queue.stats is not None and queue.stats.get_value("scheduler/unserializable") == 1
    assert queue.next_request() is not None
    queue.close("finished")


def test_switched_off_the_queue_is_in_memory(tmp_path: Path) -> None:
    queue, spider = scheduler(tmp_path, KLIPING_QUEUE_ON_DISK=False)
    queue.open(spider)
    queue.enqueue_request(scrapy.Request("http://x.example/a", callback=spider.parse))
    assert queue.run_queue is None and not (tmp_path / "queue").exists()
    queue.close("finished")


def test_only_queues_of_ended_runs_of_this_host_are_removed(tmp_path: Path) -> None:
    ended = tmp_path / f"20260101T000000Z-{hostname_token()}-{2**22 + 1}"  # above pid_max: no such process
    running = tmp_path / f"20260101T000000Z-{hostname_token()}-{os.getppid()}"
    elsewhere = tmp_path / "20260101T000000Z-another_host-1"
    for path in (ended, running, elsewhere):
        path.mkdir()
    assert remove_leftovers(tmp_path) == [ended]
    assert running.exists() and elsewhere.exists()
