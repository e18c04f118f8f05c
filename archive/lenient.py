"""The last resort for a record neither FastWARC nor warcio could read: frame it by hand, leniently.

- heads whose lines end with LF only (WARC 0.18 / ClueWeb09 style), any ``WARC/x.y`` version;
- a Content-Length that is wrong: when the declared end is not followed by the next record (or
  the end of the file), the record is cut where the next record head starts;
- a gzip member is decompressed on its own, so a damaged member costs its own records only, and
  one that ends with the file is told apart (``truncated``) from one that is corrupt.

:func:`read_at` frames the record(s) at one offset; :func:`next_start` finds where reading can
resume after damage. No Scrapy here.
"""

from __future__ import annotations

import re
import zlib
from typing import BinaryIO

from archive.warcfile import (
    GZIP_MAGIC,
    READ_TYPES,
    VERSION_LINE,
    Container,
    Layout,
    RawRecord,
    RecordError,
    parse_warc_head,
)

_HEAD_END = re.compile(rb"\r*\n\r*\n")
#: A record head after a line end, as it appears inside a stream.
_NEXT_HEAD = re.compile(rb"\n(WARC/\d+\.\d+\r*\n)")
CHUNK = 1 << 20
#: A record head longer than this is taken for damage.
MAX_HEAD = 1 << 20
#: Line ends after a block that still count as a clean record end.
_TRAILER = re.compile(rb"(?:\r*\n){0,4}")


def read_at(container: Container, offset: int, *, wanted: frozenset[str] = READ_TYPES) -> list[RawRecord]:
    """The record(s) starting at ``offset`` (a gzip member may hold several), each with ``end`` set.

    Raises :class:`RecordError` when there is none to be had there.
    """
    if container.layout is Layout.MEMBERS:
        return _read_member(container, offset, wanted)
    size = container.size if container.layout is Layout.PLAIN else None
    try:
        stream = container.open_at(offset)
        try:
            return [_frame(stream, offset, size, wanted)]
        finally:
            stream.close()
    except EOFError as exc:  # a whole-file gzip stream cut short
        raise RecordError(offset, f"gzip stream cut short ({exc})", truncated=True) from exc
    except (OSError, zlib.error) as exc:
        raise RecordError(offset, f"gzip stream does not decompress ({exc})") from exc


def _read_member(container: Container, offset: int, wanted: frozenset[str]) -> list[RawRecord]:
    data, end, whole = inflate_member(container, offset)
    records: list[RawRecord] = []
    pos = 0
    view = _BytesSource(data)
    while data[pos:].strip(b"\r\n"):
        try:
            record = _frame(view, pos, len(data), wanted)
        except RecordError as exc:
            if not whole:
                raise RecordError(
                    offset, "gzip member cut short by the end of the file", truncated=True
                ) from exc
            # Inside a member that decompressed whole: damage, not the end of the file.
            raise RecordError(offset, f"in the gzip member: {exc.reason}") from exc
        record.member_cut = not whole
        # Every record of the member is addressed by the member's offset (as FastWARC does).
        record.offset, record.end = offset, end
        records.append(record)
        pos = view.next_pos
    if not records:
        raise RecordError(offset, "gzip member holds no record")
    return records


def inflate_member(container: Container, offset: int) -> tuple[bytes, int, bool]:
    """The decompressed data of the gzip member at ``offset``, where the member ends, and whether
    it is whole: a member the file ends inside gives what it holds (its record may be whole, only
    the gzip trailer missing)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out: list[bytes] = []
    consumed = 0
    with open(container.path, "rb") as stream:
        stream.seek(offset)
        while not inflater.eof:
            chunk = stream.read(CHUNK)
            if not chunk:
                data = b"".join(out)
                if not data.strip(b"\r\n"):
                    raise RecordError(offset, "gzip member cut short by the end of the file", truncated=True)
                return data, offset + consumed, False
            try:
                out.append(inflater.decompress(chunk))
            except zlib.error as exc:
                raise RecordError(offset, f"gzip member does not decompress ({exc})") from exc
            consumed += len(chunk)
    end = offset + consumed - len(inflater.unused_data)
    return b"".join(out), end, True


class _BytesSource:
    """A decompressed member read like a stream by :func:`_frame`."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.next_pos = 0

    def seek(self, pos: int) -> None:
        self.pos = pos

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.pos + size
        out = self.data[self.pos : end]
        self.pos += len(out)
        return out


def _frame(
    stream: BinaryIO | _BytesSource,
    offset: int,
    size: int | None,
    wanted: frozenset[str],
) -> RawRecord:
    """The record at ``offset`` of ``stream``; ``size`` is the stream's length when known. Sets
    ``end`` to where the next record starts."""
    start = offset
    stream.seek(start)
    data = stream.read(min(CHUNK, MAX_HEAD))
    skipped = len(data) - len(data.lstrip(b"\r\n"))
    data = data[skipped:]
    start += skipped
    if not data:
        raise RecordError(offset, "no record here (end of the data)")
    if not VERSION_LINE.match(data):
        raise RecordError(offset, f"no WARC record head here ({data[:16]!r})")
    head = _HEAD_END.search(data)
    if head is None:
        truncated = (size is not None and start + len(data) >= size) or len(data) < CHUNK
        raise RecordError(offset, "record head not ended", truncated=truncated)
    version, headers, length = parse_warc_head(data[: head.start()])
    body_start = start + head.end()
    record = RawRecord(start, version, headers, length)
    if not record.type:
        raise RecordError(offset, "record head has no WARC-Type")
    read_block = record.type in wanted
    tail = data[head.end() :]
    # Read the block, and a little past it to see whether the next record starts where it should.
    need = (length if length is not None else 0) + 32
    while len(tail) < need:
        more = stream.read(max(CHUNK, need - len(tail)))
        if not more:
            break
        tail += more
    declared_end = None if length is None else length
    if declared_end is not None and declared_end <= len(tail) and _clean_end(tail, declared_end):
        after = _TRAILER.match(tail, declared_end)
        record.block = tail[:declared_end] if read_block else None
        record.block_length = declared_end
        record.end = body_start + (after.end() if after else declared_end)
        _note_next(stream, record.end)
        return record
    # The declared end is not a record end: find where the next record starts instead.
    found = _find_next(stream, tail, body_start)
    if found is None:
        if declared_end is not None and declared_end > len(tail):
            record.block = tail if read_block else None
            record.block_length = len(tail)
            raise RecordError(
                offset,
                f"record cut short by the end of the file ({len(tail)} of {declared_end} block bytes)",
                truncated=True,
            )
        # Junk or a wrong length up to the end of the data: the rest is its block.
        block = tail.rstrip(b"\r\n")
        while True:
            more = stream.read(CHUNK)
            if not more:
                break
            block += more
        block = block.rstrip(b"\r\n")
        end = body_start + len(tail) if size is None else size
    else:
        cut = found - body_start
        if declared_end is not None and declared_end <= cut <= declared_end + 8:
            block = tail[:declared_end]  # only the line ends after it were damaged
        else:
            block = tail[:cut].rstrip(b"\r\n")
            record.quirks.append("wrong Content-Length, block taken up to the next record head")
        end = found
    record.block = block if read_block else None
    record.block_length = len(block)
    record.content_length = len(block)
    record.end = end
    _note_next(stream, end)
    return record


def _clean_end(tail: bytes, declared_end: int) -> bool:
    """Whether the block's declared end looks like a record end: the blank lines a record ends
    with (whatever follows them: damage there is the next record's), or a record head, or the end
    of the data."""
    after = tail[declared_end : declared_end + 4]
    if after == b"\r\n\r\n" or after.startswith(b"\n\n"):
        return True
    trailer = _TRAILER.match(tail, declared_end)
    pos = trailer.end() if trailer else declared_end
    if pos >= len(tail):
        return True  # more was asked for than the data holds: this is its end
    return bool(VERSION_LINE.match(tail, pos))


def _find_next(stream: BinaryIO | _BytesSource, tail: bytes, body_start: int) -> int | None:
    """Offset of the next record head after ``body_start``, reading on from ``tail``."""
    window = tail
    window_start = body_start
    while True:
        match = _NEXT_HEAD.search(window)
        if match is not None:
            return window_start + match.start(1)
        more = stream.read(CHUNK)
        if not more:
            return None
        keep = window[-32:]
        window_start += len(window) - len(keep)
        window = keep + more


def _note_next(stream: BinaryIO | _BytesSource, end: int) -> None:
    if isinstance(stream, _BytesSource):
        stream.next_pos = end


def next_start(container: Container, after: int) -> int | None:
    """Where the next readable record starts after damage at ``after``; None when none does."""
    if container.layout is Layout.MEMBERS:
        return _next_member(container, after)
    try:
        stream = container.open_at(after + 1)
        try:
            window_start = after + 1
            window = b""
            while True:
                more = stream.read(CHUNK)
                if not more:
                    return None
                keep = window[-32:]
                window_start += len(window) - len(keep)
                window = keep + more
                # After a line end only, so the damaged record's own head is not found again.
                match = _NEXT_HEAD.search(window)
                if match is not None:
                    return window_start + match.start(1)
        finally:
            stream.close()
    except (OSError, EOFError, zlib.error):
        return None  # a whole-file gzip stream that does not decompress past the damage


def _next_member(container: Container, after: int) -> int | None:
    with open(container.path, "rb") as stream:
        pos = after + 1
        stream.seek(pos)
        window = b""
        window_start = pos
        while True:
            more = stream.read(CHUNK)
            if not more:
                return None
            keep = window[-2:]
            window_start += len(window) - len(keep)
            window = keep + more
            found = window.find(GZIP_MAGIC)
            while found >= 0:
                candidate = window_start + found
                if _member_starts_record(container, candidate):
                    return candidate
                found = window.find(GZIP_MAGIC, found + 1)


def _member_starts_record(container: Container, offset: int) -> bool:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    with open(container.path, "rb") as stream:
        stream.seek(offset)
        try:
            start = inflater.decompress(stream.read(4096), 64)
        except zlib.error:
            return False
    return bool(VERSION_LINE.match(start.lstrip(b"\r\n")))
