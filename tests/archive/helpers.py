"""Helpers for the archive tests: pinned ids and clocks, and raw looks inside WARC files."""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

MOMENT = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def counting_ids() -> Callable[[], str]:
    """Record ids ``<urn:uuid:00000000-0000-0000-0000-000000000001>``, ``...02``, and so on."""
    counter = itertools.count(1)
    return lambda: f"<urn:uuid:00000000-0000-0000-0000-{next(counter):012d}>"


def raw_records(path: Path) -> list[Any]:
    """Every record with its payload as stored (not de-chunked, not decompressed) in ``raw``."""
    out = []
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream, no_record_parse=False):
            record.raw = record.raw_stream.read()
            out.append(record)
    return out


def gzip_members(path: Path) -> list[bytes]:
    """The decompressed content of each gzip member of a file, in order."""
    data, members = path.read_bytes(), []
    while data:
        inflater = zlib.decompressobj(zlib.MAX_WBITS + 16)
        members.append(inflater.decompress(data))
        data = inflater.unused_data
    return members
