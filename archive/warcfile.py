"""What a WARC file is made of, told from its bytes rather than its name; and its raw records.

A file named ``.warc`` may be gzipped (py-wacz fixtures, ArchiveWeb.page) and one named
``.warc.gz`` may be plain, so :func:`sniff` looks at the content:

- ``plain``: records one after the other, offsets are file offsets;
- ``members``: one gzip member per record (the standard way), offsets are member offsets;
- ``stream``: the whole file, or runs of records, in gzip members that do not start at each
  record (``gzip file.warc``); records are read from the decompressed stream and their offsets
  are positions in it (such a file cannot be read from a record's offset anyway);
- ``empty``, and ``not_warc`` (with the reason: another format, or no WARC record head found).

An ARC file (``filedesc://`` first, plain or gzip per record) is flagged ``arc``: warcio reads it.

No Scrapy here.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import BinaryIO

#: A line end: CRLF as the standard says, LF (WARC 0.18, ClueWeb09), or CRCRLF (seen in pywb's tests).
_LINE_END = re.compile(rb"\r*\n")
#: A record's first line: ``WARC/1.1``, ``WARC/1.0``, ``WARC/0.18``...
VERSION_LINE = re.compile(rb"WARC/\d+\.\d+\r*\n")
#: The start of a record in the middle of a stream: a version line at the start of a line.
RECORD_START = re.compile(rb"(?:^|\n)(WARC/\d+\.\d+\r*\n)")
GZIP_MAGIC = b"\x1f\x8b\x08"
#: What the start of a record head cut short can be: ``W``, ``WAR``, ``WARC/1.``...
_HEAD_PREFIX = re.compile(rb"(?:W(?:A(?:R(?:C(?:/[\d.]*\r?(?:\n.*)?)?)?)?)?)?", re.DOTALL)
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: How far into a file :func:`sniff` looks for the first record head.
SNIFF_BYTES = 1 << 20
#: Blocks of record types the readers read (the others are skipped, never held in memory).
READ_TYPES = frozenset({"warcinfo", "response", "resource", "revisit", "metadata"})


class Layout(Enum):
    PLAIN = "plain"
    MEMBERS = "members"
    STREAM = "stream"
    EMPTY = "empty"
    NOT_WARC = "not_warc"


class RecordError(Exception):
    """No record could be read at an offset; ``truncated`` when the file ended inside it."""

    def __init__(self, offset: int, reason: str, *, truncated: bool = False) -> None:
        super().__init__(f"offset {offset}: {reason}")
        self.offset = offset
        self.reason = reason
        self.truncated = truncated


@dataclass
class RawRecord:
    """A WARC record as framed in its file: where it starts, its head, and its block if read.

    ``end`` is where the next record starts, when the reader that framed it knows (None
    otherwise); ``block_length`` is how many block bytes the file held (less than
    ``content_length`` when it ends inside the record).
    """

    offset: int
    version: str
    headers: list[tuple[str, str]]
    content_length: int | None
    block: bytes | None = None
    block_length: int | None = None
    end: int | None = None
    #: What was quirky about it, for the report (a Content-Length that was wrong...).
    quirks: list[str] = field(default_factory=list)
    #: Why the reader that framed it doubts it (junk after its block...), for another to try.
    suspect: str | None = None
    #: The file ends inside this record's gzip member (its record whole, the gzip trailer missing).
    member_cut: bool = False
    _index: dict[str, str] | None = field(default=None, init=False, repr=False, compare=False)
    _indexed: object = field(default=None, init=False, repr=False, compare=False)

    def get(self, name: str) -> str | None:
        """The first value of WARC header ``name`` (any case), or None."""
        if self._index is None or self._indexed is not self.headers:
            self._index = {}
            for key, value in self.headers:
                self._index.setdefault(key.lower(), value)
            self._indexed = self.headers
        return self._index.get(name.lower())

    @property
    def type(self) -> str:
        return (self.get("WARC-Type") or "").strip().lower()

    def cut_short(self) -> bool:
        """Whether the file ended inside this record's block."""
        return (
            self.block_length is not None
            and self.content_length is not None
            and self.block_length < self.content_length
        )

    def problem(self) -> str | None:
        """Why this record cannot be what its head says, or None."""
        if self.suspect:
            return self.suspect
        if not VERSION_LINE.fullmatch(self.version.encode("ascii", "replace") + b"\n"):
            return f"not a WARC record head ({self.version[:20]!r})"
        if not self.type:
            return "record head has no WARC-Type"
        if self.content_length is None or self.content_length < 0:
            return "record head has no valid Content-Length"
        if self.block_length is not None and self.block_length < self.content_length:
            return f"record block has {self.block_length} of its {self.content_length} bytes"
        return None


def parse_warc_head(head: bytes) -> tuple[str, list[tuple[str, str]], int | None]:
    """Version, header lines and Content-Length of a record head (CRLF or LF line ends)."""
    lines = _LINE_END.split(head)
    version = lines[0].decode("utf-8", "replace").strip()
    headers: list[tuple[str, str]] = []
    for raw in lines[1:]:
        line = raw.decode("utf-8", "replace").rstrip("\r")
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers.append((name.strip(), value.strip()))
    length: int | None = None
    for name, value in headers:
        if name.lower() == "content-length":
            length = int(value) if value.isdigit() else None
            break
    return version, headers, length


@dataclass
class Container:
    """One input file: its path, size and layout (``reason`` says why it is not a WARC)."""

    path: Path
    layout: Layout
    size: int
    reason: str = ""
    #: An ARC file (the WARC's predecessor): only warcio reads it, converting each record.
    arc: bool = False
    _stream: gzip.GzipFile | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.path.name

    def open_at(self, offset: int) -> BinaryIO:
        """A binary stream at ``offset``, in the layout's offsets (decompressed for ``stream``)."""
        if self.layout is Layout.STREAM:
            # One decompressing stream kept open: seeking forward is cheap, backward rewinds.
            if self._stream is None or self._stream.closed:
                self._stream = gzip.GzipFile(self.path, "rb")
            self._stream.seek(offset)
            return _Unclosable(self._stream)  # type: ignore[return-value]
        stream = open(self.path, "rb")  # noqa: SIM115 - the caller closes it
        stream.seek(offset)
        return stream

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


class _Unclosable(io.RawIOBase):
    """A view of the container's shared stream that readers may close without closing it."""

    def __init__(self, inner: gzip.GzipFile) -> None:
        super().__init__()
        self.inner = inner

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self.inner.read(size)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def tell(self) -> int:
        return self.inner.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self.inner.seek(offset, whence)


def first_member(data: bytes) -> tuple[bytes, bool] | None:
    """The decompressed start of the gzip member ``data`` begins with (up to :data:`SNIFF_BYTES`),
    and whether the member ended within it; None when it does not decompress."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, SNIFF_BYTES)
    except zlib.error:
        return None
    return out, inflater.eof


def _member_layout(data: bytes, ended: bool) -> Layout:
    """Per-record gzip or not, from the decompressed start of the first member that holds a record:
    per record when that member holds one whole record and nothing more."""
    match = re.search(rb"\r*\n\r*\n", data)
    length = parse_warc_head(data[: match.start()])[2] if match else None
    if match is None or length is None:
        return Layout.STREAM
    record_end = match.end() + length
    if record_end <= len(data):
        return Layout.STREAM if data[record_end:].strip(b"\r\n") else Layout.MEMBERS
    # The record runs past what was decompressed: into the next member (whole-file gzip cut in
    # pieces) when this one ended, else the sniff's limit was reached (a big first record).
    return Layout.STREAM if ended else Layout.MEMBERS


def sniff(path: Path) -> Container:
    """The file's layout, from its first bytes (a damaged first record is looked past)."""
    size = path.stat().st_size
    if size == 0:
        return Container(path, Layout.EMPTY, 0)
    with open(path, "rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if VERSION_LINE.match(head.lstrip(b"\r\n")):
        return Container(path, Layout.PLAIN, size)
    if len(head) == size and _HEAD_PREFIX.fullmatch(head.lstrip(b"\r\n")):
        return Container(path, Layout.PLAIN, size)  # a file cut short within its first record's head
    if len(head) < len(GZIP_MAGIC) and GZIP_MAGIC.startswith(head):
        return Container(path, Layout.MEMBERS, size)  # cut short within the gzip magic
    if head.startswith(b"\x1f\x8b"):
        found = _gzip_layout(path, size, head)
        return found or Container(path, Layout.NOT_WARC, size, "gzip data holding no WARC record")
    if head.startswith(ZSTD_MAGIC):
        return Container(path, Layout.NOT_WARC, size, "zstd-compressed (.warc.zst is not supported)")
    if head.startswith(b"filedesc://"):
        return Container(path, Layout.PLAIN, size, arc=True)
    # A damaged start: a record head further on, plain or in a later gzip member.
    if RECORD_START.search(head):
        return Container(path, Layout.PLAIN, size)
    found = _gzip_layout(path, size, head) if GZIP_MAGIC in head else None
    return found or Container(path, Layout.NOT_WARC, size, "no WARC record head in its first bytes")


def _gzip_layout(path: Path, size: int, head: bytes) -> Container | None:
    """Per-record or whole-file gzip, told by the first member that decompresses to a record head
    (a damaged first member is looked past); None when no member does."""
    for start in _gzip_starts(head):
        member = first_member(head[start:])
        if member is None:
            continue
        data, ended = member
        if VERSION_LINE.match(data.lstrip(b"\r\n")):
            return Container(path, _member_layout(data.lstrip(b"\r\n"), ended), size)
        if RECORD_START.search(data):
            return Container(path, Layout.STREAM, size)
        if data.startswith(b"filedesc://"):
            return Container(path, _arc_layout(data, ended), size, arc=True)
        if not ended and _HEAD_PREFIX.fullmatch(data.lstrip(b"\r\n")):
            return Container(path, Layout.MEMBERS, size)  # cut short within its first record's head
        if start == 0:
            return Container(path, Layout.NOT_WARC, size, "gzip of something other than WARC records")
    return None


def _arc_layout(data: bytes, ended: bool) -> Layout:
    """Per-record gzip or not for an ARC: whether the first member holds the filedesc record only."""
    line, _, rest = data.partition(b"\n")
    length = line.rsplit(b" ", 1)[-1]
    if not length.isdigit():
        return Layout.MEMBERS
    return Layout.STREAM if rest[int(length) :].strip(b"\r\n") else Layout.MEMBERS


def _gzip_starts(data: bytes) -> Iterator[int]:
    if data.startswith(b"\x1f\x8b"):
        yield 0
    start = data.find(GZIP_MAGIC, 1)
    while start >= 0:
        yield start
        start = data.find(GZIP_MAGIC, start + 1)


def describe(container: Container) -> str:
    """How the file was read, for the report: ``gzip per record``, ``plain``..."""
    return {
        Layout.PLAIN: "plain",
        Layout.MEMBERS: "gzip per record",
        Layout.STREAM: "whole-file gzip",
        Layout.EMPTY: "empty",
        Layout.NOT_WARC: "not a WARC",
    }[container.layout]
