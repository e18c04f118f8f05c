"""CDXJ indexes (pywb's format, written by cdxj-indexer) beside closed WARC files.

Each ``NAME.warc.gz`` gets ``NAME.warc.gz.cdxj``: one sorted line per response, revisit and
metadata record (``urlkey timestamp {json}`` with url, mime, status, digest, length, offset,
filename), which pywb, py-wacz and kliping's revisit index read.
"""

from __future__ import annotations

import heapq
import os
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import TextIO

CDXJ_SUFFIX = ".cdxj"

#: Characters of index lines sorted in memory before they are spilled, sorted, to a run file beside
#: the index and merged. Sorting a whole index in memory (cdxj-indexer's way, up to 32 M characters)
#: holds a 50,000-page WARC's index, ~20 MB, in the crawl's process; 1 M keeps that flat.
SORT_BUFFER_CHARS = 2**20
#: The record types indexed, named rather than left to cdxj-indexer's default: py-wacz appends
#: "warcinfo" to that default list when it is imported, and the index would then depend on
#: whether the process had packed a WACZ before.
INDEXED_RECORDS = "response,revisit,resource,metadata"


class _SortedRuns:
    """What cdxj-indexer writes its lines to: sorted runs of at most ``limit`` characters (one line
    more at most) in files ``<base>.run<N>``, merged by :meth:`merge_into` with equal lines once,
    as cdxj-indexer's own sort writes them. Its run files go to the system's temporary directory
    (perhaps memory-backed) and stay there if the process dies; these lie beside the index."""

    def __init__(self, base: Path, limit: int) -> None:
        self.base, self.limit = base, limit
        self.lines: list[str] = []
        self.size = 0
        self.runs: list[Path] = []

    def write(self, line: str) -> None:
        self.lines.append(line)
        self.size += len(line)
        if self.size >= self.limit:
            self._spill()

    def flush(self) -> None:
        pass  # runs are written whole in _spill

    def _spill(self) -> None:
        if not self.lines:
            return
        run = self.base.with_name(f"{self.base.name}.run{len(self.runs)}")
        self.runs.append(run)
        self.lines.sort()
        run.write_text("".join(self.lines), encoding="utf-8")
        self.lines, self.size = [], 0

    def merge_into(self, out: TextIO) -> None:
        self._spill()
        with ExitStack() as stack:
            files = [stack.enter_context(open(run, encoding="utf-8")) for run in self.runs]
            last = None
            for line in heapq.merge(*files):
                if line != last:
                    out.write(line)
                last = line

    def remove(self) -> None:
        for run in self.runs:
            run.unlink(missing_ok=True)


def cdxj_path(warc: Path) -> Path:
    """Where the index of ``warc`` lives."""
    return warc.with_name(warc.name + CDXJ_SUFFIX)


def write_cdxj(warc: Path, *, sort_buffer: int = SORT_BUFFER_CHARS) -> Path:
    """Index one closed WARC file; the index is written aside and renamed, never seen half-done.

    The lines are sorted in runs of about ``sort_buffer`` characters, merged into the index.
    """
    # Imported on first use: cdxj-indexer brings requests, pyamf and tldextract (~20 MB), which a
    # crawl needs only once its first WARC file closes, usually at its end.
    with warnings.catch_warnings():
        # It imports pyamf, which imports the deprecated pkg_resources: noise here.
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        from cdxj_indexer.main import write_cdx_index

    target = cdxj_path(warc)
    partial = target.with_name(target.name + ".open")
    runs = _SortedRuns(partial, sort_buffer)
    try:
        write_cdx_index(runs, [str(warc)], {"filename": warc.name, "records": INDEXED_RECORDS})
        with open(partial, "w", encoding="utf-8") as out:
            runs.merge_into(out)
    except BaseException:
        partial.unlink(missing_ok=True)  # a full disk must not leave half an index behind
        raise
    finally:
        runs.remove()
    os.replace(partial, target)
    return target
