"""CDXJ indexes (pywb's format, written by cdxj-indexer) beside closed WARC files.

Each ``NAME.warc.gz`` gets ``NAME.warc.gz.cdxj``: one sorted line per response, revisit and
metadata record (``urlkey timestamp {json}`` with url, mime, status, digest, length, offset,
filename), which pywb, py-wacz and kliping's revisit index read.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

CDXJ_SUFFIX = ".cdxj"

#: Characters of index lines sorted in memory before they are spilled to a sorted temporary run
#: and merged. cdxj-indexer's own default (32 M) holds a 50,000-page WARC's whole index, ~20 MB
#: of the crawl process's peak, in memory at close; 1 M keeps that flat whatever the file holds.
SORT_BUFFER_CHARS = 2**20


def cdxj_path(warc: Path) -> Path:
    """Where the index of ``warc`` lives."""
    return warc.with_name(warc.name + CDXJ_SUFFIX)


def write_cdxj(warc: Path, *, sort_buffer: int = SORT_BUFFER_CHARS) -> Path:
    """Index one closed WARC file; the index is written aside and renamed, never seen half-done.

    The lines are sorted in runs of at most ``sort_buffer`` characters, merged from temporary files.
    """
    # Imported on first use: cdxj-indexer brings requests, pyamf and tldextract (~20 MB), which a
    # crawl needs only once its first WARC file closes, usually at its end.
    with warnings.catch_warnings():
        # It imports pyamf, which imports the deprecated pkg_resources: noise here.
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        from cdxj_indexer.main import write_cdx_index

    target = cdxj_path(warc)
    partial = target.with_name(target.name + ".open")
    with open(partial, "w", encoding="utf-8") as out:
        write_cdx_index(
            out, [str(warc)], {"sort": True, "filename": warc.name, "max_sort_buff_size": sort_buffer}
        )
    os.replace(partial, target)
    return target
