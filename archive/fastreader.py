"""FastWARC-based twin of :mod:`archive.reader`: same records, same offsets, about 3x faster.

``iter_responses`` and ``read_warcinfo`` keep the contract of the warcio reader (the reference
and fallback): response records in file order, each with its target URI, status, Content-Type,
body with the transfer and content encodings undone (chunked, gzip, deflate, br), WARC-Date,
file name, the record's offset in the file and its record id. No Scrapy here.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import brotli
from fastwarc.warc import ArchiveIterator, WarcRecordType

from archive.reader import ArchivedResponse, parse_warcinfo


def _gunzip(data: bytes) -> bytes:
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        # Many servers send raw deflate without the zlib wrapper.
        return zlib.decompressobj(-zlib.MAX_WBITS).decompress(data)


_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate,
    "br": brotli.decompress,
}


def decode_content(body: bytes, encoding: str | None) -> bytes:
    """The body with its Content-Encoding undone; as stored when the encoding is unknown or wrong.

    Like warcio: a body that does not decode is taken to be unencoded, not an error.
    """
    decoder = _DECODERS.get((encoding or "").strip().lower())
    if decoder is None or not body:
        return body
    try:
        return decoder(body)
    except (zlib.error, brotli.error):
        return body


def read_warcinfo(path: Path) -> dict[str, str]:
    """The fields of the file's first ``warcinfo`` record (empty when it has none)."""
    for record in ArchiveIterator(str(path), parse_http=False, fsspec_args=False):
        if record.record_type != WarcRecordType.warcinfo:
            return {}
        return parse_warcinfo(record.reader.read())
    return {}


def iter_responses(path: Path) -> Iterator[ArchivedResponse]:
    """Every HTTP response record of a WARC file, in file order."""
    name = path.name
    records = ArchiveIterator(
        str(path),
        record_types=WarcRecordType.response,
        parse_http=False,
        fsspec_args=False,
    )
    for record in records:
        if not _is_http(record.headers.get("Content-Type")):
            continue
        # Only the transfer encoding here: FastWARC 2.0's chained chunked+gzip decoding ends the
        # iteration early, silently dropping the records after it.
        record.parse_http(auto_decode="transfer")
        http = record.http_headers
        status = http.status_code or 0
        yield ArchivedResponse(
            url=str(record.headers.get("WARC-Target-URI") or ""),
            status=int(status),
            content_type=str(http.get("Content-Type") or ""),
            body=decode_content(record.reader.read(), http.get("Content-Encoding")),
            warc_date=str(record.headers.get("WARC-Date") or ""),
            file=name,
            offset=record.stream_pos,
            record_id=str(record.headers.get("WARC-Record-ID") or ""),
        )


def _is_http(content_type: str | None) -> bool:
    # The same test warcio makes before it parses HTTP headers.
    return bool(content_type) and str(content_type).split(";")[0].strip().lower().startswith(
        "application/http"
    )


def iter_story_payloads(path: Path) -> Iterator[bytes]:
    """Payloads of the file's ``metadata`` records of type ``application/json`` (kliping's stories)."""
    for record in ArchiveIterator(
        str(path), record_types=WarcRecordType.metadata, parse_http=False, fsspec_args=False
    ):
        if record.headers.get("Content-Type") == "application/json":
            yield record.reader.read()
