"""Read pages back from WARC files, ours or any writer's, for re-extraction: the warcio reader.

warcio is the reference reader (``--reader warcio``) and the first fallback of the FastWARC one
(:mod:`archive.fastreader`). Either way a file is walked by :func:`archive.walk.walk`, which
detects the compression from the bytes, falls back record by record (to the lenient framer in
the end) and reports damage instead of failing; the HTTP message in a record is parsed and
decoded by :mod:`archive.httpblock`, the same for every reader.

Pages are ``response`` records holding HTTP, ``resource`` records holding HTML (status 200),
and ``revisit`` records, whose body is their original's (resolved by the caller:
:mod:`pipelines.reextract`). No Scrapy here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BUFF_SIZE, DecompressingBufferedReader

from archive.damage import DamageReport
from archive.httpblock import parse_http_block
from archive.walk import Source, walk
from archive.warcfile import READ_TYPES, Container, Layout, RawRecord, sniff

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\"';\s]+)", re.IGNORECASE)
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Record types that can be pages.
PAGE_TYPES = frozenset({"response", "resource", "revisit"})
_BUFFER = 1 << 16


def charset_from_content_type(value: str | None) -> str | None:
    """The charset label a Content-Type header declares, as written (``iso-8859-1``), or None."""
    if not value:
        return None
    match = _CHARSET.search(value)
    return match.group(1).strip().lower() if match else None


@dataclass(frozen=True)
class ArchivedResponse:
    """A page record: target URI, status, headers, decoded body and where it sits in the file.

    ``kind`` is the record type: ``response``, ``resource`` or ``revisit``. A revisit's body is
    empty until resolved; ``refers_to`` (record id), ``refers_to_uri``, ``refers_to_date`` and
    ``payload_digest`` say which original holds it.
    """

    url: str
    status: int
    content_type: str
    body: bytes
    warc_date: str
    file: str
    offset: int
    record_id: str
    kind: str = "response"
    refers_to: str = ""
    refers_to_uri: str = ""
    refers_to_date: str = ""
    payload_digest: str = ""

    @property
    def is_html(self) -> bool:
        return self.content_type.split(";")[0].strip().lower() in HTML_TYPES

    @property
    def charset(self) -> str | None:
        return charset_from_content_type(self.content_type)

    def provenance(self) -> dict[str, str | int]:
        return {"file": self.file, "offset": self.offset, "record_id": self.record_id, "url": self.url}


def parse_warcinfo(payload: bytes) -> dict[str, str]:
    """The ``name: value`` fields of a warcinfo record's payload (any reader's)."""
    fields: dict[str, str] = {}
    for line in payload.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def target_uri(record: RawRecord) -> str:
    """The record's WARC-Target-URI, without the angle brackets some WARC 1.0 writers put round it."""
    value = (record.get("WARC-Target-URI") or "").strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    return value


def _is_http(content_type: str, block: bytes) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind.startswith("application/http") or (not kind and block.startswith(b"HTTP/"))


def page_of(record: RawRecord, file: str) -> ArchivedResponse | None:
    """The page a response, resource or revisit record holds, or None (not HTTP, not HTML)."""
    kind = record.type
    block = record.block or b""
    warc_type = record.get("Content-Type") or ""
    status, content_type, body = 0, "", b""
    if kind == "response":
        if not _is_http(warc_type, block):
            return None
        message = parse_http_block(block)
        if message is None:
            return None
        status, content_type, body = message.status, message.get("Content-Type") or "", message.body
    elif kind == "resource":
        if _is_http(warc_type, block):
            message = parse_http_block(block)
            if message is None:
                return None
            status, content_type, body = message.status, message.get("Content-Type") or "", message.body
        elif warc_type.split(";")[0].strip().lower() in HTML_TYPES:
            status, content_type, body = 200, warc_type, block
        else:
            return None
    elif kind == "revisit":
        message = parse_http_block(block) if block else None
        if message is not None:
            status, content_type = message.status, message.get("Content-Type") or ""
    else:
        return None
    refers_uri = (record.get("WARC-Refers-To-Target-URI") or "").strip("<> ")
    return ArchivedResponse(
        url=target_uri(record),
        status=status,
        content_type=content_type,
        body=body,
        warc_date=str(record.get("WARC-Date") or ""),
        file=file,
        offset=record.offset,
        record_id=str(record.get("WARC-Record-ID") or ""),
        kind=kind,
        refers_to=str(record.get("WARC-Refers-To") or "") if kind == "revisit" else "",
        refers_to_uri=refers_uri if kind == "revisit" else "",
        refers_to_date=str(record.get("WARC-Refers-To-Date") or "") if kind == "revisit" else "",
        payload_digest=str(record.get("WARC-Payload-Digest") or ""),
    )


# ----------------------------------------------------------------------------- warcio as a Source


class _Decompressor(DecompressingBufferedReader):
    def _decompress(self, data: bytes) -> bytes:
        # warcio prints a damaged gzip member's error to stderr and reads on as if it had ended:
        # raised instead, so the walk reads that record another way (or reports it).
        if self.decompressor is not None and data and self.num_block_read:
            return bytes(self.decompressor.decompress(data))
        return bytes(super()._decompress(data))


class _Iterator(ArchiveIterator):
    # warcio prints a warning to stderr when a record is not followed by blank lines (a wrong
    # Content-Length); an empty message keeps stderr clean, and its error count tells the walk.
    INC_RECORD = ""

    def __init__(self, fileobj: Any, **kwargs: Any) -> None:
        super().__init__(fileobj, **kwargs)
        self.reader = _Decompressor(self.fh, block_size=kwargs.get("block_size", BUFF_SIZE))


class WarcioSource:
    """warcio's ArchiveIterator as a :class:`archive.walk.Source`: every record with its end."""

    name = "warcio"
    reads_arc = True

    def records(self, container: Container, offset: int, wanted: frozenset[str]) -> Iterator[RawRecord]:
        stream = container.open_at(offset)
        try:
            iterator = _Iterator(stream, no_record_parse=True, arc2warc=container.arc)
            for record in iterator:
                heads = record.rec_headers
                length_text = str(heads.get_header("Content-Length") or "")
                raw = RawRecord(
                    offset=iterator.offset,
                    version=str(heads.protocol or ""),
                    headers=[(str(k), str(v)) for k, v in heads.headers],
                    content_length=int(length_text) if length_text.isdigit() else None,
                )
                if raw.type in wanted:
                    raw.block = record.raw_stream.read()
                    raw.block_length = len(raw.block)
                else:
                    count = 0
                    while chunk := record.raw_stream.read(_BUFFER):
                        count += len(chunk)
                    raw.block_length = count
                if container.arc:
                    raw.block_length = None  # ARC headers converted: no length to hold it to
                errors = iterator.err_count
                iterator.read_to_end()
                raw.end = iterator.offset
                if iterator.err_count != errors:
                    raw.suspect = "record not followed by blank lines (a wrong Content-Length?)"
                yield raw
        finally:
            stream.close()


WARCIO = WarcioSource()
SOURCES: list[Source] = [WARCIO]


# ----------------------------------------------------------------------------- reading files


def iter_records(
    path: Path,
    report: DamageReport | None = None,
    wanted: frozenset[str] = READ_TYPES,
    sources: Sequence[Source] = SOURCES,
) -> Iterator[RawRecord]:
    """Every record of a WARC file in file order (blocks of ``wanted`` types read), damage
    reported to ``report`` (logged as warnings when none is given)."""
    own = report is None
    found = DamageReport() if report is None else report
    try:
        yield from walk(sniff(path), list(sources), found, wanted)
    finally:
        if own:
            found.log()


def iter_responses(
    path: Path, report: DamageReport | None = None, sources: Sequence[Source] = SOURCES
) -> Iterator[ArchivedResponse]:
    """Every page record of a WARC file (response, resource, revisit), in file order."""
    name = path.name
    for record in iter_records(path, report, PAGE_TYPES, sources):
        if record.type in PAGE_TYPES:
            page = page_of(record, name)
            if page is not None:
                yield page


def read_warcinfo(path: Path, sources: Sequence[Source] = SOURCES) -> dict[str, str]:
    """The fields of the file's first ``warcinfo`` record (empty when it has none or is no WARC)."""
    container = sniff(path)
    if container.layout in (Layout.EMPTY, Layout.NOT_WARC):
        return {}
    records = walk(container, list(sources), DamageReport(), frozenset({"warcinfo"}))
    try:
        for record in records:
            if record.type != "warcinfo":
                return {}
            return parse_warcinfo(record.block or b"")
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()
    return {}


def iter_story_payloads(
    path: Path, report: DamageReport | None = None, sources: Sequence[Source] = SOURCES
) -> Iterator[bytes]:
    """Payloads of the file's ``metadata`` records of type ``application/json`` (kliping's stories)."""
    for record in iter_records(path, report, frozenset({"metadata"}), sources):
        if record.type == "metadata" and record.get("Content-Type") == "application/json":
            yield record.block or b""
