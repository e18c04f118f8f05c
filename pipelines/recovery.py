"""Repair the text output of a killed run, from its WARCs, and settle the state with what is durable.

After ``kill -9`` the articles still in the exporters' buffers are missing from the text output;
their stories are in the WARC (the extract pipeline writes a story record before extracting). At
the next start, for each run the frontier's ``runs`` table still lists although its process is
gone (:func:`recover_text`, called by the recovery step :mod:`lifecycle.recovery` once
:func:`archive.recovery.recover_open_warcs` closed its WARCs):

1. every published text batch of the run is read, in every format (``<run>-*.jsonl``,
   ``.jsonl.gz``, ``.parquet``, and Parquet batches still staged as rows,
   ``.<run>-*.parquet.rows``: :mod:`pipelines.staged_parquet`); a JSON lines batch is cut to its
   last complete line, an unreadable Parquet batch is moved aside (``.<name>.damaged``);
2. each configured text format (``KLIPING_TEXT_FORMATS``) is completed on its own: the stories
   of the run's WARCs (:mod:`pipelines.reextract`) that this format's batches do not hold are
   extracted again and written as ``text/<outlet>/<date>/<run>-recovered-<n>.<ext>`` in the
   normal layout (under a temporary name, fsynced, renamed, directory fsynced). A batch stored
   in one format but not in another is therefore completed in the other only. A batch holds a
   story when one of its records names the story's first page by its stable key: the fetched
   URL and the response record id of its ``warc`` provenance. Never by ``canonical_url``: that
   is what a page claims, and syndicated copies, a CMS pointing every page at its section, or
   an og:url with tracking junk make articles share one. With remote output the files go into
   the spool, and the uploader sends them; batches already uploaded are no longer in the spool,
   so there an article also counts as written when the seen store has its seen key (an article
   is marked seen only once every batch holding it was stored, :mod:`lifecycle.extension`);
3. every story now durably in both WARC and text, or found not to be an article, is settled
   with the keys its story record names (:class:`lifecycle.settle.Settler`, the code that
   settles the live run's articles); one whose extraction fails again stays owed.

Each step is idempotent: a kill during recovery is repaired by the next start (recovered batches
count as batches of the run).
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.stores.local import publish, temp_name
from archive.wacz import run_warcs
from lifecycle.keys import ArticleKeys
from lifecycle.settle import Settler
from pipelines.feeds import OTHER
from pipelines.staged_parquet import STAGED_SUFFIX, final_path, is_staged, staged_path
from settings.runinfo import is_remote, local_dir
from state import seen_store_from_settings
from state.frontier import Frontier, RunInfo, frontier_path

logger = logging.getLogger(__name__)

#: Text formats (``KLIPING_TEXT_FORMATS`` names) and the batch file suffixes each may have on disk.
FORMAT_SUFFIXES = {"jsonl": (".jsonl", ".jsonl.gz"), "parquet": (".parquet", ".parquet" + STAGED_SUFFIX)}
#: Parquet columns recovery needs to know which articles a batch holds.
_KEY_COLUMNS = ["url", "pages", "warc"]


@dataclass
class TextRecovery:
    """What text recovery did at one start-up."""

    runs: list[str] = field(default_factory=list)
    cut_bytes: int = 0
    cut_files: list[Path] = field(default_factory=list)
    damaged_files: list[Path] = field(default_factory=list)
    recovered: int = 0  # article records re-extracted from WARCs
    recovered_files: list[Path] = field(default_factory=list)
    settled: int = 0
    owed: int = 0  # stories whose extraction failed again: left owed

    def stats(self) -> dict[str, int]:
        return {
            "kliping/recovery/runs": len(self.runs),
            "kliping/recovery/text_files_cut": len(self.cut_files),
            "kliping/recovery/text_files_damaged": len(self.damaged_files),
            "kliping/recovery/articles_reextracted": self.recovered,
            "kliping/recovery/articles_owed": self.owed,
        }


def repair_jsonl(path: Path) -> int:
    """Cut a JSON lines file after its last complete, parseable line; returns the bytes cut."""
    data = path.read_bytes()
    good = _good_prefix(data)
    cut = len(data) - good
    if cut:
        with open(path, "r+b") as stream:
            stream.truncate(good)
            stream.flush()
            os.fsync(stream.fileno())
        logger.warning("%s: cut %d bytes of an incomplete last line", path, cut)
    return cut


def _good_prefix(data: bytes) -> int:
    """Length of the leading complete, parseable JSON lines of ``data``."""
    good = start = 0
    while True:
        end = data.find(b"\n", start)
        if end < 0:
            return good
        line = data[start:end]
        if line.strip():
            try:
                json.loads(line)
            except ValueError:
                return good
        good = start = end + 1


def _gunzip_prefix(raw: bytes) -> tuple[bytes, bool]:
    """What can be decompressed of the gzip members in ``raw``, and whether all of it could."""
    out: list[bytes] = []
    while raw:
        inflater = zlib.decompressobj(wbits=31)
        try:
            out.append(inflater.decompress(raw))
        except zlib.error:
            return b"".join(out), False
        if not inflater.eof:
            return b"".join(out), False
        raw = inflater.unused_data
    return b"".join(out), True


def _parse_lines(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.splitlines() if line.strip()]


def read_batch(path: Path, report: TextRecovery) -> list[dict[str, Any]]:
    """The records of one text batch, repairing or moving aside what a crash left damaged."""
    name = path.name
    if is_staged(path) and not path.exists():
        # Converted by a run that ended meanwhile (the rows go only once the Parquet file is whole).
        path, name = final_path(path), final_path(path).name
    if name.endswith(".jsonl") or is_staged(path):
        cut = repair_jsonl(path)
        if cut:
            report.cut_bytes += cut
            report.cut_files.append(path)
        return _parse_lines(path.read_bytes())
    if name.endswith(".jsonl.gz"):
        raw = path.read_bytes()
        data, whole = _gunzip_prefix(raw)
        good = _good_prefix(data)
        if not whole or good < len(data):
            # Rewrite the whole lines as a valid gzip file; the rest is re-extracted from the WARC.
            tmp = temp_name(path)
            with gzip.open(tmp, "wb") as stream:
                stream.write(data[:good])
            publish(tmp, path)
            report.cut_bytes += len(raw) - len(path.read_bytes())
            report.cut_files.append(path)
            logger.warning("%s: damaged gzip batch rewritten with its %d whole bytes", path, good)
        return _parse_lines(data[:good])
    import pyarrow as pa  # only when a killed run's Parquet file must be read
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path, columns=_KEY_COLUMNS).to_pylist()
    except (pa.ArrowException, OSError) as exc:
        # Hidden, so neither globs nor the spool take it; kept for inspection.
        aside = path.with_name(f".{name}.damaged")
        os.replace(path, aside)
        report.damaged_files.append(aside)
        logger.warning("%s: unreadable Parquet batch (%s) moved aside to %s", path, exc, aside.name)
        return []


def batch_format(path: Path) -> str | None:
    """The ``KLIPING_TEXT_FORMATS`` name of a batch file, from its suffix."""
    for fmt, suffixes in FORMAT_SUFFIXES.items():
        if path.name.endswith(suffixes):
            return fmt
    return None


def run_batches(text_dir: Path, run_id: str) -> list[Path]:
    """The published text batches of a run (any format, staged Parquet rows included; hidden
    in-progress files excluded)."""
    if not text_dir.is_dir():
        return []
    published = [p for p in text_dir.rglob(f"{run_id}-*") if p.is_file() and batch_format(p) is not None]
    staged = [p for p in text_dir.rglob(f".{run_id}-*.parquet{STAGED_SUFFIX}") if p.is_file()]
    return sorted(published + staged)


#: A page by its stable key: the URL fetched and the id of its response record.
PageKey = tuple[str, str]


def record_pages(record: dict[str, Any]) -> set[PageKey]:
    """The stable keys of a text record's pages, from its ``warc`` provenance."""
    return {
        (str(w.get("url")), str(w.get("record_id")))
        for w in record.get("warc") or []
        if isinstance(w, dict) and w.get("record_id")
    }


def story_page(pages: list[dict[str, Any]]) -> PageKey | None:
    """The stable key of a story's first page (the one its story record refers to)."""
    warc = pages[0].get("warc") or {}
    return (str(pages[0]["url"]), str(warc["record_id"])) if warc.get("record_id") else None


@dataclass
class Written:
    """What one text format already holds of a run: the stable keys of its records' pages."""

    pages: set[PageKey] = field(default_factory=set)

    def add(self, records: Iterable[dict[str, Any]]) -> None:
        for record in records:
            self.pages |= record_pages(record)

    def holds_story(self, pages: list[dict[str, Any]]) -> bool:
        return story_page(pages) in self.pages

    def holds_record(self, record: dict[str, Any]) -> bool:
        return bool(record_pages(record) & self.pages)


def story_keys(job: Any) -> list[ArticleKeys]:
    """The keys a re-extracted story settles: those its story record names. A record written
    before kliping recorded keys names none; its URLs then settle the frontier in every job, and
    its story URL (the outlet spider's seen key) the seen store, as kliping did then."""
    story = job.story
    if story is None:
        return []
    if story.keyed:
        return [ArticleKeys(story.frontier_key, story.seen_key)]
    return record_keys({"url": story.url, "pages": [url for url, _ in story.pages]}, seen=bool(story.url))


def record_keys(record: dict[str, Any], *, seen: bool = True) -> list[ArticleKeys]:
    """Keys of a text record no story of the run's WARCs stands for (its WARC is gone): its URLs
    in the frontier, its ``url`` in the seen store. Never its ``canonical_url``."""
    urls = [str(u) for u in [record.get("url"), *(record.get("pages") or [])] if u]
    keys = [ArticleKeys(frontier=url) for url in dict.fromkeys(urls)]
    if seen and record.get("url"):
        keys.append(ArticleKeys(seen=str(record["url"])))
    return keys


def text_formats(settings: Any) -> list[str]:
    """The configured text formats kliping knows how to write, in ``KLIPING_TEXT_FORMATS`` order."""
    wanted = [str(f).strip().lower() for f in settings.getlist("KLIPING_TEXT_FORMATS")]
    return [f for f in wanted if f in FORMAT_SUFFIXES]


def _day(record: dict[str, Any]) -> str:
    """The UTC day the article was fetched: the ``<date>`` folder its batch would have had."""
    try:
        return datetime.fromisoformat(str(record.get("fetched_at"))).astimezone(UTC).strftime("%Y-%m-%d")
    except ValueError:
        return datetime.now(UTC).strftime("%Y-%m-%d")


def _recovered_stem(folder: Path, run_id: str) -> str:
    """``<run>-recovered-<n>`` with the first ``n`` no file of any format in ``folder`` uses."""
    n = 1
    while any(folder.glob(f"{run_id}-recovered-{n}.*")) or any(folder.glob(f".{run_id}-recovered-{n}.*")):
        n += 1
    return f"{run_id}-recovered-{n}"


def write_jsonl(path: Path, records: list[dict[str, Any]], *, compress: bool) -> None:
    tmp = temp_name(path)
    lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode("utf-8")
    with gzip.open(tmp, "wb") if compress else open(tmp, "wb") as stream:
        stream.write(lines)
    publish(tmp, path)


def write_parquet(path: Path, records: list[dict[str, Any]]) -> None:
    from pipelines.exporters import ParquetItemExporter

    tmp = temp_name(path)
    with open(tmp, "wb") as stream:
        exporter = ParquetItemExporter(stream)
        exporter.start_exporting()
        for record in records:
            exporter.export_item(record)
        exporter.finish_exporting()
    publish(tmp, path)


def write_recovered(
    text_dir: Path,
    run_id: str,
    missing: dict[str, list[dict[str, Any]]],
    outlets: Iterable[str],
    *,
    compress: bool,
    stage_parquet: bool = False,
) -> list[Path]:
    """Write each format's missing records as ``<outlet>/<date>/<run>-recovered-<n>.<ext>`` files.

    The formats of one folder share ``n``; returns the files written. With ``stage_parquet`` the
    Parquet records are staged as rows (``.<run>-recovered-<n>.parquet.rows``) for the
    :class:`pipelines.staged_parquet.ParquetFinisher` to convert.
    """
    known = set(outlets)
    groups: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}
    for fmt, records in missing.items():
        for record in records:
            outlet = str(record.get("outlet") or "")
            key = (outlet if outlet in known else OTHER, _day(record))
            groups.setdefault(key, {}).setdefault(fmt, []).append(record)
    written: list[Path] = []
    for (outlet, day), by_format in sorted(groups.items()):
        folder = text_dir / outlet / day
        folder.mkdir(parents=True, exist_ok=True)
        stem = _recovered_stem(folder, run_id)
        for fmt, records in by_format.items():
            if fmt == "parquet" and stage_parquet:
                path = staged_path(folder / f"{stem}.parquet")
                write_jsonl(path, records, compress=False)
            elif fmt == "parquet":
                path = folder / f"{stem}.parquet"
                write_parquet(path, records)
            else:
                path = folder / (f"{stem}.jsonl.gz" if compress else f"{stem}.jsonl")
                write_jsonl(path, records, compress=compress)
            written.append(path)
    return written


def recover_run(
    settings: Any,
    run: RunInfo,
    report: TextRecovery,
    durable: Callable[[str], bool] | None = None,
) -> list[ArticleKeys]:
    """Complete one killed run's text in every configured format; returns the keys of the
    articles now durable in WARC and text (or found not to be articles), to settle.

    ``durable(seen_key)`` says an article is stored although no local batch shows it (remote
    output: the seen store).
    """
    from extract import ExtractOptions
    from pipelines.pool import Budget
    from pipelines.reextract import extract_outcomes, iter_jobs
    from settings.outlets import load_outlets

    text_dir = Path(local_dir(settings, "text"))
    # Batches still being written when the run died (hidden ``.<name>.<rand>.part`` files) were
    # never published and none of their articles was settled: their stories are rebuilt from
    # the WARC below, so the unfinished files go.
    for unfinished in sorted(text_dir.rglob(f".{run.run_id}-*.part")) if text_dir.is_dir() else []:
        logger.warning("%s: unfinished text batch of killed run %s removed", unfinished, run.run_id)
        unfinished.unlink(missing_ok=True)
    formats = text_formats(settings)
    written = {fmt: Written() for fmt in FORMAT_SUFFIXES}
    batch_records: list[dict[str, Any]] = []
    for path in run_batches(text_dir, run.run_id):
        records = read_batch(path, report)
        written[batch_format(path) or "jsonl"].add(records)
        batch_records += records

    def stored(job: Any, fmt: str) -> bool:
        if written[fmt].holds_story(job.pages):
            return True
        seen = job.story.seen_key if job.story is not None else None
        return durable is not None and seen is not None and durable(seen)

    warc_dir = Path(local_dir(settings, "warc"))
    warcs = run_warcs(warc_dir, run.run_id, pattern=f"*-{run.host}-{run.pid}.warc.gz")
    outlets = load_outlets(settings.getlist("KLIPING_OUTLETS_DIRS"))
    settle: list[ArticleKeys] = []
    stories: set[PageKey] = set()
    todo = []
    for job in iter_jobs(warcs, outlets):
        if (page := story_page(job.pages)) is not None:
            stories.add(page)
        if all(stored(job, fmt) for fmt in formats):
            settle += story_keys(job)
        else:
            todo.append(job)
    # Records of the run's batches no story of its WARCs stands for (WARCs off or lost).
    for written_record in batch_records:
        if not record_pages(written_record) & stories:
            settle += record_keys(written_record)
    if todo:
        options = ExtractOptions.from_settings(settings.copy_to_dict())
        workers = min(len(todo), settings.getint("KLIPING_EXTRACT_WORKERS") or os.cpu_count() or 1)
        budget = Budget.from_settings(settings)
        missing: dict[str, list[dict[str, Any]]] = {}
        again = 0
        for job, record, error in extract_outcomes(todo, options, workers, budget=budget):
            if error is not None:
                # Owed: not settled, so the next run of its job fetches it again.
                report.owed += 1
                logger.warning(
                    "killed run %s: extraction of %s failed again (%s: %s); left owed",
                    run.run_id,
                    job.pages[0]["url"],
                    type(error).__name__,
                    error,
                )
                continue
            settle += story_keys(job)
            if record is None:
                continue  # not an article: nothing owed beyond its WARC records
            again += 1
            for fmt in formats:
                if not stored(job, fmt) and not written[fmt].holds_record(record):
                    missing.setdefault(fmt, []).append(record)
        compress = settings.getbool("KLIPING_TEXT_GZIP")
        files = write_recovered(
            text_dir,
            run.run_id,
            missing,
            outlets,
            compress=compress,
            stage_parquet=settings.getbool("KLIPING_TEXT_PARQUET_AT_END"),
        )
        if files:
            report.recovered += len({id(r) for records in missing.values() for r in records})
            report.recovered_files += files
            logger.warning(
                "%d articles of killed run %s re-extracted from its WARC into %s",
                again,
                run.run_id,
                ", ".join(str(f) for f in files),
            )
    return settle


def recover_text(settings: Any) -> TextRecovery:
    """Repair the text of every killed run and settle what is durable (see the module doc)."""
    report = TextRecovery()
    frontier = Frontier(frontier_path(settings))
    try:
        killed = list(frontier.killed_runs())
        if not killed:
            return report
        store = seen_store_from_settings(settings)
        if store is None and is_remote(settings):
            logger.warning(
                "no seen store (KLIPING_STATE): text batches of killed runs already uploaded cannot "
                "be told apart, their articles may be written twice"
            )
        durable = store.is_seen if store is not None and is_remote(settings) else None
        # The same settling as the live run's; the recovered files are published (fsynced) and
        # the killed run's WARCs closed and fsynced by WARC recovery, so nothing is left to sync.
        settler = Settler(frontier=frontier, seen=store, job=None)
        try:
            for run in killed:
                report.settled += settler.settle(recover_run(settings, run, report, durable))
                report.runs.append(run.run_id)
                frontier.end_run(run.run_id)
        finally:
            if store is not None:
                store.close()
    finally:
        frontier.close()
    return report


__all__ = [
    "TextRecovery",
    "Written",
    "read_batch",
    "record_keys",
    "recover_run",
    "recover_text",
    "repair_jsonl",
    "run_batches",
    "story_keys",
    "write_recovered",
]
