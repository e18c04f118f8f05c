"""Which payloads are already archived, per URL, so a re-fetched identical payload becomes a revisit.

The index is a scratch database (:mod:`state.scratch`: on disk, deleted when closed, even by a
kill), so it costs the crawl's memory nothing however many responses a run archives or how many earlier
runs' CDXJ indexes seed it; those make a scheduled crawl's re-fetched robots.txt, sitemaps and
feeds ``revisit`` records across runs too. No Scrapy here.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.records import Original
from state.scratch import scratch_db

log = logging.getLogger(__name__)


class DigestIndex:
    """Maps ``(url, payload digest)`` to the original response record holding that payload."""

    def __init__(self) -> None:
        self._db = scratch_db(
            "CREATE TABLE originals (url TEXT, digest TEXT, date TEXT, record_id TEXT, file TEXT,"
            " offset INTEGER, PRIMARY KEY (url, digest)) WITHOUT ROWID;"
        )
        self._count = 0
        # Where seeded WARC files lie locally, by file name, to read a record id CDXJ does not hold.
        self._files: dict[str, Path] = {}

    def __len__(self) -> int:
        return self._count

    def close(self) -> None:
        self._db.close()

    def get(self, url: str, digest: str) -> Original | None:
        row = self._db.execute(
            "SELECT date, record_id, file, offset FROM originals WHERE url = ? AND digest = ?", (url, digest)
        ).fetchone()
        if row is None:
            return None
        original = Original(url, row[0], digest, row[1], row[2], row[3])
        if original.record_id is None and original.file in self._files:
            record_id = record_id_at(self._files[original.file], original.offset or 0)
            if record_id:
                original = dataclasses.replace(original, record_id=record_id)
                self._db.execute(
                    "UPDATE originals SET record_id = ? WHERE url = ? AND digest = ?",
                    (record_id, url, digest),
                )
        return original

    def add(self, original: Original) -> bool:
        """Remember an original; the first one archived for a URL and digest stays the reference.
        Returns whether it was new."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO originals VALUES (?, ?, ?, ?, ?, ?)",
            (
                original.url,
                original.digest,
                original.date,
                original.record_id,
                original.file,
                original.offset,
            ),
        )
        added = cursor.rowcount == 1
        self._count += added
        return added

    def seed_from_cdxj(self, paths: Iterable[Path]) -> int:
        """Add every response line of these CDXJ files (revisit lines are skipped); returns the count."""
        added = 0
        for path in paths:
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                log.warning("%s: cannot read CDXJ index (%s); not used for revisits", path, exc)
                continue
            for line in lines:
                original = original_from_cdxj(line)
                if original is not None and self.add(original):
                    added += 1
                    name = original.file
                    if name and name not in self._files and (path.parent / name).is_file():
                        self._files[name] = path.parent / name
        return added


def record_id_at(path: Path, offset: int) -> str | None:
    """The WARC-Record-ID of the record starting at ``offset`` of ``path`` (None if unreadable)."""
    try:
        with open(path, "rb") as stream:
            stream.seek(offset)
            for record in ArchiveIterator(stream):
                value = record.rec_headers.get_header("WARC-Record-ID")
                return str(value) if value else None
    except Exception as exc:  # a moved or damaged earlier file only costs the WARC-Refers-To link
        log.warning("%s: cannot read the record at offset %d: %s", path, offset, exc)
    return None


def original_from_cdxj(line: str) -> Original | None:
    """The original response a CDXJ line describes, or None for revisits, metadata and bad lines."""
    parts = line.split(" ", 2)
    if len(parts) != 3:
        return None
    _, timestamp, blob = parts
    try:
        fields = json.loads(blob)
    except ValueError:
        return None
    if not isinstance(fields, dict) or fields.get("mime") in ("warc/revisit", "warc/metadata"):
        return None
    url, digest = fields.get("url"), fields.get("digest")
    if not url or not digest or "status" not in fields:
        return None
    if ":" not in digest:
        digest = "sha1:" + digest
    offset = fields.get("offset")
    return Original(
        url=str(url),
        date=cdxj_timestamp_to_warc_date(timestamp),
        digest=str(digest),
        file=fields.get("filename"),
        offset=int(offset) if offset is not None else None,
    )


def cdxj_timestamp_to_warc_date(timestamp: str) -> str:
    """``20260101120000`` (14 digits or more) as ``2026-01-01T12:00:00Z``."""
    t = (timestamp + "0" * 14)[:14]
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"
