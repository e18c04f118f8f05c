"""Re-extract article records from WARC files with no network: the records the crawl gave.

Pages are grouped into stories by the crawl's story metadata records; a WARC from another writer
has none, so there every 2xx HTML response is a one-page candidate. Extraction runs in a pool of
worker processes, in a bounded window so memory stays flat however large the archive.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from archive.reader import ArchivedResponse, iter_responses, read_warcinfo
from archive.stories import Story
from extract import ExtractOptions
from pipelines.worker import build_record, ignore_interrupts
from settings.outlets import Outlet, outlet_for_url


@dataclass
class Job:
    """One story ready to extract: its pages (as the worker takes them), hints and run id."""

    pages: list[dict[str, Any]]
    hints: dict[str, Any]
    run_id: str


@dataclass
class StoryIndex:
    """Pass one: the stories every given file declares, keyed by each page's response record id."""

    stories: dict[str, Story] = field(default_factory=dict)
    kliping_files: set[str] = field(default_factory=set)

    @classmethod
    def scan(cls, paths: Iterable[Path]) -> StoryIndex:
        index = cls()
        for path in paths:
            if read_warcinfo(path).get("software", "").startswith("kliping/"):
                index.kliping_files.add(path.name)
            with open(path, "rb") as stream:
                for record in ArchiveIterator(stream):
                    if record.rec_type != "metadata":
                        continue
                    if record.rec_headers.get_header("Content-Type") != "application/json":
                        continue
                    story = Story.from_payload(record.content_stream().read())
                    if story is not None:
                        for _, record_id in story.pages:
                            index.stories[record_id] = story
        return index


def _page(resp: ArchivedResponse) -> dict[str, Any]:
    return {
        "url": resp.url,
        "body": resp.body,
        "encoding": resp.charset,
        "fetched_at": resp.warc_date,
        "warc": resp.provenance(),
    }


def iter_jobs(paths: list[Path], outlets: dict[str, Outlet]) -> Iterator[Job]:
    """Stories in archive order, each once all its pages have been read."""
    index = StoryIndex.scan(paths)
    waiting: dict[str, dict[str, dict[str, Any]]] = {}
    for path in paths:
        run_id = read_warcinfo(path).get("run-id", "")
        for resp in iter_responses(path):
            story = index.stories.get(resp.record_id)
            if story is not None:
                first = story.pages[0][1]
                got = waiting.setdefault(first, {})
                got[resp.record_id] = _page(resp)
                if len(got) == len(story.pages):
                    del waiting[first]
                    outlet = outlets.get(story.outlet or "")
                    yield Job(
                        [got[rid] for _, rid in story.pages],
                        outlet.hints() if outlet else {},
                        story.run_id or run_id,
                    )
            elif path.name not in index.kliping_files and 200 <= resp.status < 300 and resp.is_html:
                outlet = outlet_for_url(resp.url, outlets)
                yield Job([_page(resp)], outlet.hints() if outlet else {}, run_id)


def _run(job: Job, options: ExtractOptions) -> dict[str, Any] | None:
    return build_record(job.pages, job.hints, options, job.run_id)


def extract_records(
    jobs: Iterable[Job],
    options: ExtractOptions,
    workers: int = 0,
    on_done: Callable[[Job], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Article records of the jobs, in job order, extracted by ``workers`` processes (0: one per core)."""
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        for job in jobs:
            record = _run(job, options)
            if on_done:
                on_done(job)
            if record is not None:
                yield record
        return
    window: deque[tuple[Job, Future[dict[str, Any] | None]]] = deque()
    with ProcessPoolExecutor(workers, initializer=ignore_interrupts) as pool:
        for job in jobs:
            window.append((job, pool.submit(_run, job, options)))
            if len(window) >= workers * 4:
                done_job, future = window.popleft()
                record = future.result()
                if on_done:
                    on_done(done_job)
                if record is not None:
                    yield record
        while window:
            done_job, future = window.popleft()
            record = future.result()
            if on_done:
                on_done(done_job)
            if record is not None:
                yield record
