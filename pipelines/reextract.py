"""Re-extract article records from WARC files with no network: the records the crawl gave.

Pages are grouped into stories by the crawl's story metadata records; a WARC from another writer
has none, so there every 2xx HTML response is a one-page candidate. Extraction runs in a pool of
worker processes (:mod:`pipelines.pool`, each story within a hard budget), in a bounded window
so memory stays flat however large the archive.

WARCs are read with FastWARC (:mod:`archive.fastreader`, about three times faster) when it is
installed, else with warcio (:mod:`archive.reader`, the reference); both give the same records.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from archive import reader as warcio_reader
from archive.reader import ArchivedResponse
from archive.stories import Story
from extract import ExtractOptions
from pipelines.pool import Budget, TaskFailed, extraction_pool, run_story
from settings.outlets import Outlet, outlet_for_url

logger = logging.getLogger(__name__)

READERS = ("fastwarc", "warcio")


def choose_reader(name: str = "fastwarc") -> Any:
    """The reader module by name; ``fastwarc`` falls back to warcio when FastWARC is not installed."""
    if name not in READERS:
        raise ValueError(f"unknown WARC reader {name!r} (choose from {', '.join(READERS)})")
    if name == "fastwarc":
        try:
            from archive import fastreader
        except ImportError:
            return warcio_reader
        return fastreader
    return warcio_reader


@dataclass
class Job:
    """One story ready to extract: its pages (as the worker takes them), hints and run id.

    ``position`` is how many bytes of the input had been read when the job was complete (progress).
    """

    pages: list[dict[str, Any]]
    hints: dict[str, Any]
    run_id: str
    position: int = 0
    #: The story's own URL when the crawl recorded one (see :class:`archive.stories.Story`).
    url: str | None = None
    #: The crawl's story record, when the WARC has one (its pages and keys: recovery settles them).
    story: Story | None = None


@dataclass
class StoryIndex:
    """Pass one: the stories every given file declares, keyed by each page's response record id."""

    stories: dict[str, Story] = field(default_factory=dict)
    kliping_files: set[str] = field(default_factory=set)

    @classmethod
    def scan(cls, paths: Iterable[Path], reader: Any = warcio_reader) -> StoryIndex:
        index = cls()
        for path in paths:
            if reader.read_warcinfo(path).get("software", "").startswith("kliping/"):
                index.kliping_files.add(path.name)
            payloads = (
                reader.iter_story_payloads(path)
                if hasattr(reader, "iter_story_payloads")
                else _story_payloads(path)
            )
            for payload in payloads:
                story = Story.from_payload(payload)
                if story is not None:
                    for _, record_id in story.pages:
                        index.stories[record_id] = story
        return index


def _story_payloads(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "metadata":
                continue
            if record.rec_headers.get_header("Content-Type") != "application/json":
                continue
            yield record.content_stream().read()


def _page(resp: ArchivedResponse) -> dict[str, Any]:
    return {
        "url": resp.url,
        "body": resp.body,
        "encoding": resp.charset,
        "fetched_at": resp.warc_date,
        "warc": resp.provenance(),
    }


def iter_jobs(paths: list[Path], outlets: dict[str, Outlet], reader: Any = None) -> Iterator[Job]:
    """Stories in archive order, each once all its pages have been read."""
    reader = reader or choose_reader()
    index = StoryIndex.scan(paths, reader)
    waiting: dict[str, dict[str, dict[str, Any]]] = {}
    before = 0
    for path in paths:
        run_id = reader.read_warcinfo(path).get("run-id", "")
        for resp in reader.iter_responses(path):
            position = before + resp.offset
            story = index.stories.get(resp.record_id)
            if story is not None:
                first = story.pages[0][1]
                got = waiting.setdefault(first, {})
                got[resp.record_id] = _page(resp)
                if len(got) == len(story.pages):
                    del waiting[first]
                    outlet = outlets.get(story.outlet or "")
                    first_url = story.pages[0][0]
                    yield Job(
                        [got[rid] for _, rid in story.pages],
                        outlet.hints(first_url) if outlet else {},
                        story.run_id or run_id,
                        position,
                        url=story.url,
                        story=story,
                    )
            elif path.name not in index.kliping_files and 200 <= resp.status < 300 and resp.is_html:
                outlet = outlet_for_url(resp.url, outlets)
                yield Job([_page(resp)], outlet.hints(resp.url) if outlet else {}, run_id, position)
        before += path.stat().st_size


def on_failed_logged(job: Job, error: TaskFailed) -> None:
    """The default for a story whose extraction failed: one warning naming it and its WARC record."""
    page = job.pages[0]
    warc = page.get("warc") or {}
    logger.warning(
        "extraction of %s (%s#%s) failed: %s",
        page["url"],
        warc.get("file", "?"),
        warc.get("offset", "?"),
        str(error).splitlines()[0] if str(error) else type(error).__name__,
    )


def extract_records(
    jobs: Iterable[Job],
    options: ExtractOptions,
    workers: int = 0,
    on_done: Callable[[Job], None] | None = None,
    on_failed: Callable[[Job, TaskFailed], None] = on_failed_logged,
    budget: Budget | None = None,
) -> Iterator[dict[str, Any]]:
    """Article records of the jobs, in job order, extracted by ``workers`` processes (0: one per core).

    Each story runs within ``budget`` (default :class:`pipelines.pool.Budget`'s), never in this
    process: a story over it (or whose worker dies, or whose extraction raises) is handed to
    ``on_failed`` and skipped, and the others go on. So a re-extraction never waits forever.
    """
    workers = workers or os.cpu_count() or 1
    window: deque[tuple[Job, Future[dict[str, Any] | None]]] = deque()

    def finish(job: Job, future: Future[dict[str, Any] | None]) -> dict[str, Any] | None:
        try:
            record = future.result()
        except TaskFailed as exc:
            on_failed(job, exc)
            record = None
        if on_done:
            on_done(job)
        return record

    # The crawl's pool: workers forked from a forkserver that warmed the extraction stack once, so
    # they share it; and never forked from this process, which may be a crawl's (recovery).
    with extraction_pool(workers, options=options, budget=budget) as pool:
        for job in jobs:
            future = pool.submit_task(
                run_story, (job.pages, job.hints, job.run_id, job.url), budget_scale=max(1, len(job.pages))
            )
            window.append((job, future))
            if len(window) >= workers * 4 and (record := finish(*window.popleft())) is not None:
                yield record
        while window:
            if (record := finish(*window.popleft())) is not None:
                yield record


#: What :func:`extract_outcomes` gives for each job: the record (None: not an article), or the
#: exception the extraction raised.
Outcome = tuple[Job, dict[str, Any] | None, BaseException | None]


def extract_outcomes(
    jobs: Iterable[Job], options: ExtractOptions, workers: int = 0, budget: Budget | None = None
) -> Iterator[Outcome]:
    """Every job's outcome, in job order: unlike :func:`extract_records`, a job whose extraction
    fails (raises, runs over its budget, loses its worker) is reported, not logged and skipped:
    recovery leaves that article owed and goes on."""
    workers = workers or os.cpu_count() or 1
    window: deque[tuple[Job, Future[dict[str, Any] | None]]] = deque()

    def first() -> Outcome:
        done_job, future = window.popleft()
        try:
            return done_job, future.result(), None
        except Exception as exc:  # one story's failure is that story's, not the recovery's
            return done_job, None, exc

    with extraction_pool(workers, options=options, budget=budget) as pool:
        for job in jobs:
            window.append(
                (
                    job,
                    pool.submit_task(
                        run_story,
                        (job.pages, job.hints, job.run_id, job.url),
                        budget_scale=max(1, len(job.pages)),
                    ),
                )
            )
            if len(window) >= workers * 4:
                yield first()
        while window:
            yield first()
