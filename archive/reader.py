"""Read response records back from WARC files, ours or any standard writer's, for re-extraction.

Accepts WARC/1.0 and 1.1, gzipped per record or not, chunked or content-encoded payloads
(warcio's ``content_stream`` undoes both). No Scrapy here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\"';\s]+)", re.IGNORECASE)
HTML_TYPES = ("text/html", "application/xhtml+xml")


def charset_from_content_type(value: str | None) -> str | None:
    """The charset label a Content-Type header declares, as written (``iso-8859-1``), or None."""
    if not value:
        return None
    match = _CHARSET.search(value)
    return match.group(1).strip().lower() if match else None


@dataclass(frozen=True)
class ArchivedResponse:
    """A response record: target URI, status, headers, decoded body and where it sits in the file."""

    url: str
    status: int
    content_type: str
    body: bytes
    warc_date: str
    file: str
    offset: int
    record_id: str

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


def read_warcinfo(path: Path) -> dict[str, str]:
    """The fields of the file's first ``warcinfo`` record (empty when it has none)."""
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "warcinfo":
                return {}
            return parse_warcinfo(record.content_stream().read())
    return {}


def iter_responses(path: Path) -> Iterator[ArchivedResponse]:
    """Every HTTP response record of a WARC file, in file order."""
    name = path.name
    with open(path, "rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            if record.rec_type != "response" or record.http_headers is None:
                continue
            status_code = record.http_headers.get_statuscode() or "0"
            body = record.content_stream().read()
            # get_record_offset() reads the record to its end, so only after the body is taken.
            offset = records.get_record_offset()
            yield ArchivedResponse(
                url=str(record.rec_headers.get_header("WARC-Target-URI") or ""),
                status=int(status_code) if status_code.isdigit() else 0,
                content_type=record.http_headers.get_header("Content-Type") or "",
                body=body,
                warc_date=str(record.rec_headers.get_header("WARC-Date") or ""),
                file=name,
                offset=offset,
                record_id=str(record.rec_headers.get_header("WARC-Record-ID") or ""),
            )
