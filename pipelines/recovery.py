"""Repair the text output of a killed run, from its WARCs, and settle the state with what is on disk.

After ``kill -9`` a text batch may end in a half-written line, and the articles still in the
exporter's buffer are missing altogether; their stories are in the WARC (the extract pipeline
writes a story record before extracting). At the next start, for each run the frontier's ``runs``
table still lists although its process is gone:

1. every text batch of the run (``<run>-*.jsonl``) is cut to its last complete JSON line;
2. the stories of the run's WARCs that no text record holds are extracted again from the WARC
   (:mod:`cli.reextract`) into ``<run>-recovered-<n>.jsonl`` (written under a temporary name,
   fsynced, renamed);
3. every article now durably in both WARC and text is settled in the frontier and marked seen in
   the seen store (when one can be opened), so the next crawl neither refetches nor duplicates it.

Each step is idempotent: a kill during recovery is repaired by the next start.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.reader import read_warcinfo
from settings.runinfo import local_dir
from state import SeenStore, seen_store_from_settings
from state.frontier import Frontier, RunInfo, frontier_path

logger = logging.getLogger(__name__)


@dataclass
class TextRecovery:
    """What text recovery did at one start-up."""

    runs: list[str] = field(default_factory=list)
    cut_bytes: int = 0
    cut_files: list[Path] = field(default_factory=list)
    recovered: int = 0  # article records re-extracted from WARCs
    recovered_files: list[Path] = field(default_factory=list)
    settled: int = 0

    def stats(self) -> dict[str, int]:
        return {
            "kliping/recovery/runs": len(self.runs),
            "kliping/recovery/text_files_cut": len(self.cut_files),
            "kliping/recovery/articles_reextracted": self.recovered,
        }


def repair_jsonl(path: Path) -> int:
    """Cut a JSON lines file after its last complete, parseable line; returns the bytes cut."""
    data = path.read_bytes()
    good = 0
    start = 0
    while True:
        end = data.find(b"\n", start)
        if end < 0:
            break
        line = data[start:end]
        if line.strip():
            try:
                json.loads(line)
            except ValueError:
                break
        good = start = end + 1
    cut = len(data) - good
    if cut:
        with open(path, "r+b") as stream:
            stream.truncate(good)
            stream.flush()
            os.fsync(stream.fileno())
        logger.warning("%s: cut %d bytes of an incomplete last line", path, cut)
    return cut


def read_records(paths: Iterable[Path]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in paths:
        with open(path, encoding="utf-8") as stream:
            rows += [json.loads(line) for line in stream if line.strip()]
    return rows


def record_ids(record: dict[str, Any]) -> set[str]:
    """The response record ids of an article's pages (from its ``warc`` provenance)."""
    return {str(w.get("record_id")) for w in record.get("warc") or [] if isinstance(w, dict)}


def article_urls(records: Iterable[dict[str, Any]]) -> set[str]:
    urls: set[str] = set()
    for record in records:
        for key in ("url", "canonical_url"):
            if record.get(key):
                urls.add(str(record[key]))
        urls.update(str(u) for u in record.get("pages") or [])
    return urls


def run_warcs(warc_dir: Path, run: RunInfo) -> list[Path]:
    """The closed WARCs written by ``run`` (its pid in the name, its run id in the warcinfo)."""
    found = sorted(warc_dir.rglob(f"*-{run.host}-{run.pid}.warc.gz")) if warc_dir.is_dir() else []
    return [p for p in found if read_warcinfo(p).get("run-id") == run.run_id]


def _write_batch(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as stream:
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(tmp, path)


def _recovered_path(text_dir: Path, run: RunInfo, batches: list[Path]) -> Path:
    folder = batches[0].parent if batches else text_dir / run.spider / datetime.now(UTC).strftime("%Y-%m-%d")
    n = 1
    while (folder / f"{run.run_id}-recovered-{n}.jsonl").exists():
        n += 1
    return folder / f"{run.run_id}-recovered-{n}.jsonl"


def recover_run(settings: Any, run: RunInfo, report: TextRecovery) -> set[str]:
    """Repair one killed run's text; returns the article URLs durably written by it."""
    from cli.reextract import extract_records, iter_jobs
    from extract import ExtractOptions
    from settings.outlets import load_outlets

    text_dir = Path(local_dir(settings, "text"))
    # Batches still being written when the run died (hidden ``.<name>.<rand>.part`` files, JSONL or
    # Parquet) were never published and none of their articles was marked seen: their stories are
    # rebuilt from the WARC below, so the unfinished files go.
    for unfinished in sorted(text_dir.rglob(f".{run.run_id}-*.part")) if text_dir.is_dir() else []:
        logger.warning("%s: unfinished text batch of killed run %s removed", unfinished, run.run_id)
        unfinished.unlink(missing_ok=True)
    batches = sorted(p for p in text_dir.rglob(f"{run.run_id}-*.jsonl")) if text_dir.is_dir() else []
    for path in batches:
        cut = repair_jsonl(path)
        if cut:
            report.cut_bytes += cut
            report.cut_files.append(path)
    written = read_records(batches)
    known_ids: set[str] = set()
    for record in written:
        known_ids |= record_ids(record)
    known_urls = article_urls(written)

    warcs = run_warcs(Path(local_dir(settings, "warc")), run)
    outlets = load_outlets(settings.getlist("KLIPING_OUTLETS_DIRS"))
    missing = [
        job
        for job in iter_jobs(warcs, outlets)
        if not any(str((p.get("warc") or {}).get("record_id")) in known_ids for p in job.pages)
        and job.pages[0]["url"] not in known_urls
    ]
    if missing:
        options = ExtractOptions.from_settings(settings.copy_to_dict())
        workers = min(len(missing), settings.getint("KLIPING_EXTRACT_WORKERS") or os.cpu_count() or 1)
        again = list(extract_records(missing, options, workers))
        if again:
            path = _recovered_path(text_dir, run, batches)
            _write_batch(path, again)
            report.recovered += len(again)
            report.recovered_files.append(path)
            written += again
            logger.warning(
                "%s: %d articles re-extracted from the WARC of killed run %s", path, len(again), run.run_id
            )
    return article_urls(written)


def reconcile_seen(store: SeenStore, urls: Iterable[str]) -> None:
    """Mark seen the articles durably written in both WARC and text."""
    store.mark_seen(sorted(set(urls)))


def recover_text(settings: Any, recovered_warcs: Iterable[Path] = ()) -> TextRecovery:
    """Repair the text of every killed run and settle frontier and seen store (see the module doc)."""
    report = TextRecovery()
    del recovered_warcs  # the killed runs' WARCs are found by run; recovered ones are closed by now
    frontier = Frontier(frontier_path(settings))
    try:
        killed = list(frontier.killed_runs())
        if not killed:
            return report
        store = seen_store_from_settings(settings)
        try:
            for run in killed:
                urls = recover_run(settings, run, report)
                frontier.mark_done(urls)
                if store is not None:
                    reconcile_seen(store, urls)
                report.settled += len(urls)
                report.runs.append(run.run_id)
                frontier.end_run(run.run_id)
        finally:
            if store is not None:
                store.close()
    finally:
        frontier.close()
    return report


__all__ = ["TextRecovery", "reconcile_seen", "recover_run", "recover_text", "repair_jsonl"]
