"""Re-extract article records from WARC files with no network: the records the crawl gave.

Pages are grouped into stories by the crawl's story metadata records; a WARC from another writer
has none, so there every 2xx HTML page (a ``response``, a ``resource`` holding HTML, or a
``revisit`` once its original is found) is a one-page candidate. Extraction runs in a pool of
worker processes (:mod:`pipelines.pool`, each story within a hard budget), in a bounded window
so memory stays flat however large the archive.

WARCs are read with FastWARC (:mod:`archive.fastreader`, about three times faster) when it is
installed, else with warcio (:mod:`archive.reader`, the reference); both give the same records,
and both go on past damage, which they report to a :class:`archive.damage.DamageReport`.

Revisits are resolved against originals among the inputs (in any order), then in the other
files ``originals`` names (WARCs, or CDXJ indexes with their WARCs beside them: by default the
indexes beside the inputs, which is where kliping writes them); the ones still missing are
reported per file.
"""

from __future__ import annotations

import logging
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive import reader as warcio_reader
from archive.damage import DamageReport
from archive.originals import Needs, OriginalFinder, PageReader, indexes_beside, resolve
from archive.reader import ArchivedResponse
from archive.stories import Story
from extract import ExtractOptions
from pipelines.pool import Budget, TaskFailed, extraction_pool, run_story
from settings.outlets import Outlet, outlet_for_url

logger = logging.getLogger(__name__)

READERS = ("fastwarc", "warcio")
_WARC_SUFFIX = re.compile(r"(\.w?arc)?(\.(gz|zst|open))*$", re.IGNORECASE)


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


def foreign_run_id(info: dict[str, str], path: Path) -> str:
    """The run id of a file's records: kliping's ``run-id``; else the warcinfo's ``isPartOf`` (the
    crawl or collection, WARC 1.1); else the file's name without its WARC suffixes."""
    for key in ("run-id", "isPartOf"):
        value = (info.get(key) or "").strip()
        if value:
            return value
    return _WARC_SUFFIX.sub("", path.name) or path.name


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
    """Pass one: the stories every given file declares, keyed by each page's record id; each file's
    run id; and which originals its revisits need."""

    stories: dict[str, Story] = field(default_factory=dict)
    kliping_files: set[str] = field(default_factory=set)
    run_ids: dict[Path, str] = field(default_factory=dict)
    needs: Needs = field(default_factory=Needs)

    @classmethod
    def scan(
        cls, paths: Iterable[Path], reader: Any = warcio_reader, report: DamageReport | None = None
    ) -> StoryIndex:
        index = cls()
        revisits: list[ArchivedResponse] = []
        for path in paths:
            info: dict[str, str] | None = None
            wanted = frozenset({"warcinfo", "metadata", "revisit"})
            for record in reader.iter_records(path, report, wanted):
                kind = record.type
                if info is None:
                    info = warcio_reader.parse_warcinfo(record.block or b"") if kind == "warcinfo" else {}
                if kind == "metadata" and record.get("Content-Type") == "application/json":
                    story = Story.from_payload(record.block or b"")
                    if story is not None:
                        for _, record_id in story.pages:
                            index.stories[record_id] = story
                elif kind == "revisit":
                    page = warcio_reader.page_of(record, path.name)
                    if page is not None:
                        revisits.append(page)
            info = info or {}
            if info.get("software", "").startswith("kliping/"):
                index.kliping_files.add(path.name)
            index.run_ids[path] = foreign_run_id(info, path)
        for revisit in revisits:
            # In kliping's files only story pages matter (their other revisits are feeds, robots...).
            if revisit.file not in index.kliping_files or index.story_of(revisit) is not None:
                index.needs.add(revisit)
        return index

    def story_of(self, page: ArchivedResponse) -> tuple[Story, str] | None:
        """The story a page belongs to and the record id it has there: a revisit stands in for its
        original, which is what a crawl's story names when it knew where the original was."""
        for record_id in (page.record_id, page.refers_to):
            if record_id and record_id in self.stories:
                return self.stories[record_id], record_id
        return None


def _page(resp: ArchivedResponse) -> dict[str, Any]:
    return {
        "url": resp.url,
        "body": resp.body,
        "encoding": resp.charset,
        "fetched_at": resp.warc_date,
        "warc": resp.provenance(),
    }


class _Assembler:
    """Pass two: pages into jobs, stories once all their pages are in, revisits once resolved."""

    def __init__(self, index: StoryIndex, outlets: dict[str, Outlet]) -> None:
        self.index = index
        self.outlets = outlets
        self.waiting: dict[str, dict[str, dict[str, Any]]] = {}
        self.done: set[str] = set()
        self.first_file: dict[str, Path] = {}
        #: Revisits whose original has not been read yet, with their file.
        self.pending: list[tuple[Path, ArchivedResponse]] = []

    def add(self, path: Path, resp: ArchivedResponse, position: int) -> Iterator[Job]:
        found = self.index.story_of(resp)
        if found is not None:
            story, record_id = found
            first = story.pages[0][1]
            if first in self.done:
                return
            got = self.waiting.setdefault(first, {})
            self.first_file.setdefault(first, path)
            if record_id in got:
                return  # the original and a revisit of it: the page once
            got[record_id] = _page(resp)
            if len(got) == len(story.pages):
                del self.waiting[first]
                self.done.add(first)
                outlet = self.outlets.get(story.outlet or "")
                yield Job(
                    [got[rid] for _, rid in story.pages],
                    outlet.hints(story.pages[0][0]) if outlet else {},
                    story.run_id or self.index.run_ids.get(path, ""),
                    position,
                    url=story.url,
                    story=story,
                )
        elif resp.file not in self.index.kliping_files and 200 <= resp.status < 300 and resp.is_html:
            outlet = outlet_for_url(resp.url, self.outlets)
            hints = outlet.hints(resp.url) if outlet else {}
            yield Job([_page(resp)], hints, self.index.run_ids.get(path, ""), position)

    def resolve(self, revisit: ArchivedResponse, original: ArchivedResponse) -> ArchivedResponse:
        """The revisit as a page with its original's body. Its ``warc`` location is the original's
        (where the body is), unless the crawl's story names the revisit record itself (the crawl
        did not know where the original was)."""
        found = self.index.story_of(revisit)
        own = found is not None and found[1] == revisit.record_id
        return resolve(revisit, original, own_location=own)

    def incomplete(self) -> dict[Path, int]:
        """Stories some page of which never came, by the file of their first page read."""
        counts: dict[Path, int] = {}
        for first in self.waiting:
            path = self.first_file[first]
            counts[path] = counts.get(path, 0) + 1
        return counts

    def wanted_revisit(self, resp: ArchivedResponse) -> bool:
        """Whether a revisit can make a page: a story's, or a foreign 2xx (or unknown) HTML one."""
        if self.index.story_of(resp) is not None:
            return True
        if resp.file in self.index.kliping_files:
            return False
        html = not resp.content_type or resp.is_html
        return html and (resp.status == 0 or 200 <= resp.status < 300)


def iter_jobs(
    paths: list[Path],
    outlets: dict[str, Outlet],
    reader: Any = None,
    report: DamageReport | None = None,
    originals: list[Path] | None = None,
) -> Iterator[Job]:
    """Stories in archive order, each once all its pages have been read.

    Damage is reported to ``report`` (logged as warnings when none is given). ``originals``: more
    files (WARCs, CDXJ indexes) to look for revisits' originals in; the CDXJ indexes beside the
    inputs are always looked at.
    """
    reader = reader or choose_reader()
    own = report is None
    found = DamageReport() if report is None else report
    pages = PageReader()
    try:
        index = StoryIndex.scan(paths, reader, found)
        assembler = _Assembler(index, outlets)
        before = 0
        for path in paths:
            size = path.stat().st_size
            for resp in reader.iter_responses(path, found):
                position = before + min(resp.offset, size)
                if resp.kind == "revisit":
                    if not assembler.wanted_revisit(resp):
                        continue
                    where = index.needs.location(resp)
                    original = pages.page_at(*where) if where is not None else None
                    if original is None:
                        assembler.pending.append((path, resp))
                        continue
                    resp = assembler.resolve(resp, original)
                elif index.needs.offer(path, resp):
                    yield from _resolve_pending(assembler, path, resp, position)
                yield from assembler.add(path, resp, position)
            before += size
        yield from _resolve_elsewhere(assembler, paths, reader, pages, originals or [], found, before)
    finally:
        pages.close()
        if own:
            found.log()


def _resolve_pending(
    assembler: _Assembler, path: Path, original: ArchivedResponse, position: int
) -> Iterator[Job]:
    """Revisits read before their original (a later file given first), now that it is here."""
    keys = assembler.index.needs
    still: list[tuple[Path, ArchivedResponse]] = []
    for revisit_path, revisit in assembler.pending:
        where = keys.location(revisit)
        if where == (path, original.offset):
            yield from assembler.add(revisit_path, assembler.resolve(revisit, original), position)
        else:
            still.append((revisit_path, revisit))
    assembler.pending = still


def _resolve_elsewhere(
    assembler: _Assembler,
    paths: list[Path],
    reader: Any,
    pages: PageReader,
    originals: list[Path],
    report: DamageReport,
    position: int,
) -> Iterator[Job]:
    """Revisits still waiting: their originals looked for in other files, the rest reported."""
    inputs = set(paths)
    files = [p for p in indexes_beside(paths) + originals if p not in inputs] if assembler.pending else []
    finder = OriginalFinder(files, pages, reader.iter_responses)
    revisits = [revisit for _, revisit in assembler.pending]
    found = finder.find(revisits) if files and revisits else {}
    missing: dict[Path, int] = {}
    for n, (path, revisit) in enumerate(assembler.pending):
        original = found.get(n)
        if original is None:
            missing[path] = missing.get(path, 0) + 1
            continue
        yield from assembler.add(path, assembler.resolve(revisit, original), position)
    assembler.pending = []
    for path, count in assembler.incomplete().items():
        report.note(
            path.name,
            "stories",
            f"{path.name}: {count} article(s) not extracted: pages of their story are not among "
            "the inputs (damaged, or in WARCs not given)",
        )
    for path, count in missing.items():
        report.note(
            path.name,
            "revisits",
            f"{path.name}: {count} revisit record(s) whose original is not among the inputs, so "
            "their pages are not extracted: give the WARCs holding the originals too, or "
            "--originals DIR|GLOB (WARCs or their CDXJ indexes)",
        )


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
