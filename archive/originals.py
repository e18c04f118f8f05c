"""Find the originals of revisit records: among the inputs, or in other WARCs and their CDXJ indexes.

A ``revisit`` record holds no payload: its original does, in an earlier record, often in an earlier
file. :class:`Needs` is what the revisits of a set of files ask for (by record id, by URL and
payload digest, by URL and date); :class:`OriginalFinder` looks for them in WARCs and in CDXJ
indexes (pywb's format, as kliping writes beside every WARC), reading the record at the indexed
offset of the WARC lying beside the index. No Scrapy here.
"""

from __future__ import annotations

import glob
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from archive import lenient
from archive.reader import PAGE_TYPES, ArchivedResponse, page_of
from archive.warcfile import Container, Layout, RecordError, sniff

log = logging.getLogger(__name__)

CDXJ_SUFFIXES = (".cdxj", ".cdx")


def normal_digest(value: str) -> str:
    """``sha1:ABC...`` whatever the case or a missing algorithm prefix (CDXJ omits it at times)."""
    value = value.strip()
    if not value:
        return ""
    algorithm, sep, digest = value.partition(":")
    if not sep:
        algorithm, digest = "sha1", value
    return f"{algorithm.strip().lower()}:{digest.strip().upper()}"


def normal_date(value: str) -> str:
    """A WARC date or a CDX timestamp as 14 digits (``20260101120000``), fractions dropped."""
    digits = "".join(ch for ch in value.split(".")[0] if ch.isdigit())
    return digits[:14]


def keys_of(url: str, digest: str, date: str) -> list[tuple[str, str, str]]:
    out = []
    if url and digest:
        out.append(("digest", url, normal_digest(digest)))
    if url and date:
        out.append(("date", url, normal_date(date)))
    return out


def revisit_keys(revisit: ArchivedResponse) -> list[tuple[str, str, str]]:
    """What identifies a revisit's original: its record id, then URL and digest, then URL and date."""
    keys: list[tuple[str, str, str]] = []
    if revisit.refers_to:
        keys.append(("id", revisit.refers_to, ""))
    url = revisit.refers_to_uri or revisit.url
    keys += keys_of(url, revisit.payload_digest, "")
    if revisit.refers_to_date:
        keys += keys_of(url, "", revisit.refers_to_date)
    return keys


def original_keys(page: ArchivedResponse) -> list[tuple[str, str, str]]:
    """The keys under which a response or resource record can be a revisit's original."""
    keys: list[tuple[str, str, str]] = []
    if page.record_id:
        keys.append(("id", page.record_id, ""))
    return keys + keys_of(page.url, page.payload_digest, page.warc_date)


@dataclass
class Needs:
    """The originals a set of revisits asks for, and where the ones found so far are."""

    wanted: set[tuple[str, str, str]] = field(default_factory=set)
    #: key -> (file, offset) of the original found.
    found: dict[tuple[str, str, str], tuple[Path, int]] = field(default_factory=dict)

    def add(self, revisit: ArchivedResponse) -> None:
        self.wanted.update(revisit_keys(revisit))

    def offer(self, path: Path, page: ArchivedResponse) -> bool:
        """Remember ``page`` if some revisit needs it; returns whether one does."""
        hit = False
        for key in original_keys(page):
            if key in self.wanted and key not in self.found:
                self.found[key] = (path, page.offset)
                hit = True
        return hit

    def location(self, revisit: ArchivedResponse) -> tuple[Path, int] | None:
        for key in revisit_keys(revisit):
            if key in self.found:
                return self.found[key]
        return None


class PageReader:
    """Reads single page records at known offsets, one sniff per file."""

    def __init__(self) -> None:
        self._containers: dict[Path, Container] = {}

    def page_at(self, path: Path, offset: int) -> ArchivedResponse | None:
        container = self._containers.get(path)
        if container is None:
            container = self._containers[path] = sniff(path)
        if container.layout in (Layout.EMPTY, Layout.NOT_WARC):
            return None
        try:
            records = lenient.read_at(container, offset, wanted=PAGE_TYPES)
        except RecordError as exc:
            log.warning("%s: no original record at offset %d: %s", path, offset, exc.reason)
            return None
        for record in records:
            page = page_of(record, path.name)
            if page is not None and page.kind != "revisit":
                return page
        return None

    def close(self) -> None:
        for container in self._containers.values():
            container.close()
        self._containers.clear()


def resolve(
    revisit: ArchivedResponse, original: ArchivedResponse, *, own_location: bool = False
) -> ArchivedResponse:
    """The revisit as a page: its own URL, date and status, its original's body. Its location
    (``file``, ``offset``, ``record_id``) is the original's, where the body is, as in the crawl's
    own records; with ``own_location`` it stays the revisit's."""
    where = revisit if own_location else original
    return ArchivedResponse(
        url=revisit.url or original.url,
        status=revisit.status or original.status,
        content_type=revisit.content_type or original.content_type,
        body=original.body,
        warc_date=revisit.warc_date,
        file=where.file,
        offset=where.offset,
        record_id=where.record_id,
        kind="revisit",
        refers_to=original.record_id,
        refers_to_uri=original.url,
        refers_to_date=original.warc_date,
        payload_digest=revisit.payload_digest,
    )


def expand_sources(patterns: Iterable[str]) -> list[Path]:
    """Files named by ``--originals``: WARCs and CDXJ indexes, as paths, globs or directories."""
    out: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        for match in matches:
            path = Path(match)
            if path.is_dir():
                out += sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            elif path.is_file():
                out.append(path)
    return out


def indexes_beside(inputs: Iterable[Path]) -> list[Path]:
    """The CDXJ indexes in the directories of the input WARCs (kliping writes one beside each)."""
    seen: set[Path] = set()
    out: list[Path] = []
    for path in inputs:
        folder = path.parent
        if folder in seen:
            continue
        seen.add(folder)
        out += sorted(p for p in folder.iterdir() if p.name.endswith(CDXJ_SUFFIXES) and p.is_file())
    return out


class OriginalFinder:
    """Looks for revisits' originals in other files: CDXJ indexes (the WARC beside each is read at the
    indexed offset) and WARCs (read through)."""

    def __init__(self, files: list[Path], reader: PageReader, walk_pages: object = None) -> None:
        self.indexes = [p for p in files if p.name.endswith(CDXJ_SUFFIXES)]
        self.warcs = [p for p in files if not p.name.endswith(CDXJ_SUFFIXES)]
        self.reader = reader
        # iter_responses of the chosen reader, for WARCs given whole.
        self.walk_pages = walk_pages

    def find(self, revisits: list[ArchivedResponse]) -> dict[int, ArchivedResponse]:
        """Originals found, by index into ``revisits``."""
        needs = Needs()
        for revisit in revisits:
            needs.add(revisit)
        for index in self.indexes:
            self._scan_index(index, needs)
        for warc in self.warcs:
            self._scan_warc(warc, needs)
        found: dict[int, ArchivedResponse] = {}
        for n, revisit in enumerate(revisits):
            where = needs.location(revisit)
            if where is None:
                continue
            original = self.reader.page_at(*where)
            if original is not None:
                found[n] = original
        return found

    def _scan_index(self, index: Path, needs: Needs) -> None:
        try:
            lines = index.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as exc:
            log.warning("%s: cannot read CDXJ index (%s)", index, exc)
            return
        for line in lines:
            parts = line.split(" ", 2)
            if len(parts) != 3 or not parts[2].startswith("{"):
                continue
            try:
                fields = json.loads(parts[2])
            except ValueError:
                continue
            if not isinstance(fields, dict) or fields.get("mime") in ("warc/revisit", "warc/metadata"):
                continue
            url, filename, offset = fields.get("url"), fields.get("filename"), fields.get("offset")
            if not url or not filename or offset is None:
                continue
            keys = keys_of(str(url), str(fields.get("digest") or ""), parts[1])
            if not any(key in needs.wanted and key not in needs.found for key in keys):
                continue
            warc = index.parent / str(filename)
            if not warc.is_file():
                continue
            for key in keys:
                if key in needs.wanted:
                    needs.found.setdefault(key, (warc, int(offset)))

    def _scan_warc(self, warc: Path, needs: Needs) -> None:
        if self.walk_pages is None:
            return
        container = sniff(warc)
        if container.layout in (Layout.EMPTY, Layout.NOT_WARC):
            return
        pages = self.walk_pages(warc)  # type: ignore[operator]
        for page in pages:
            if page.kind != "revisit":
                needs.offer(warc, page)
