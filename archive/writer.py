"""One open WARC file at a time: written as ``NAME.warc.gz.open``, renamed when closed, rolled over by size.

Modelled on pywb's ``MultiFileWARCWriter``: the file stays open across records, and a new one is
started when the open one passes ``max_size``.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.warcwriter import WARCWriter

from archive.records import Exchange, Original, RecordFactory, payload_digest, warc_date
from archive.revisits import DigestIndex
from settings.runinfo import hostname_token

OPEN_SUFFIX = ".open"


class GzipMembers:
    """The open WARC file as warcio's writer sees it: what a record writes is gzipped, and the
    ``flush`` warcio calls after each record ends its gzip member, so every record is its own
    member as the WARC standard recommends. warcio's own gzip wrapper fixes the level at 9."""

    def __init__(self, raw: BinaryIO, level: int) -> None:
        self.raw = raw
        self.level = level
        self._compressor = self._new()
        self._pending = False

    def _new(self) -> zlib._Compress:
        return zlib.compressobj(self.level, zlib.DEFLATED, zlib.MAX_WBITS + 16)

    def write(self, data: bytes) -> int:
        if data:
            self.raw.write(self._compressor.compress(data))
            self._pending = True
        return len(data)

    def flush(self) -> None:
        if self._pending:
            self.raw.write(self._compressor.flush())
            self._compressor = self._new()
            self._pending = False


@dataclass(frozen=True)
class Provenance:
    """Where a response record lives: enough to fetch it back from the archive."""

    file: str
    offset: int
    record_id: str
    url: str
    #: True when this fetch was written as a revisit: the location is then the original's.
    revisit: bool = False

    def to_dict(self) -> dict[str, str | int]:
        return {"file": self.file, "offset": self.offset, "record_id": self.record_id, "url": self.url}


class RollingWarcWriter:
    """Writes exchanges as linked request/response records into size-limited, gzip-per-record files.

    ``on_close`` is called with the path of every file once it is complete and renamed, so a store
    can move or upload it. With a ``revisits`` index, a response whose payload digest equals one
    already archived for its URL is written as a ``revisit`` record instead of a second copy.
    """

    def __init__(
        self,
        directory: Path,
        *,
        prefix: str = "kliping",
        max_size: int = 1_000_000_000,
        warcinfo: dict[str, str] | None = None,
        hostname: str | None = None,
        factory: RecordFactory | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_close: Callable[[Path], None] | None = None,
        revisits: DigestIndex | None = None,
        pid: int | None = None,
        gzip_level: int = 6,
    ) -> None:
        self.directory = directory
        self.prefix = prefix
        self.max_size = max_size
        self.warcinfo_fields = dict(warcinfo or {})
        self.hostname = hostname_token(hostname)
        self.factory = factory or RecordFactory()
        self.clock = clock
        self.on_close = on_close
        self.revisits = revisits
        self.gzip_level = gzip_level
        # The pid keeps names unique across concurrent writers on one host; tests pin it.
        self.pid = os.getpid() if pid is None else pid
        self.revisits_written = 0
        self.serial = 0
        self.closed_files: list[Path] = []
        self.records_written = 0
        self._file: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self._path: Path | None = None

    @property
    def current_name(self) -> str | None:
        """File name of the open WARC, as it will be called once closed."""
        return self._path.name[: -len(OPEN_SUFFIX)] if self._path else None

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.serial += 1
        stamp = self.clock().strftime("%Y%m%d%H%M%S%f")
        name = f"{self.prefix}-{stamp}-{self.serial:05d}-{self.hostname}-{self.pid}.warc.gz"
        self._path = self.directory / (name + OPEN_SUFFIX)
        # "xb": two writers must never share a file, even with clocks that collide.
        self._file = open(self._path, "xb")  # noqa: SIM115 - closed in close()
        # gzip=False: GzipMembers compresses, at the configured level, one member per record.
        self._writer = WARCWriter(
            GzipMembers(self._file, self.gzip_level), gzip=False, warc_version="WARC/1.1"
        )
        info = self.factory.warcinfo(name, self.warcinfo_fields, self.clock())
        self._writer.write_record(info)
        self.records_written += 1

    def write(self, exchange: Exchange) -> Provenance:
        """Archive one exchange; returns where its response record was written."""
        if self._writer is None:
            self._open()
        assert self._writer is not None and self._file is not None and self._path is not None
        digest = payload_digest(exchange.body)
        original = self.revisits.get(exchange.url, digest) if self.revisits and exchange.body else None
        if original is not None:
            pair = self.factory.revisit_pair(exchange, original)
        else:
            pair = self.factory.pair(exchange)
        offset = self._file.tell()
        # warcio writes the response first, so ``offset`` is the response (or revisit) record's.
        self._writer.write_request_response_pair(pair.request, pair.response)
        self.records_written += 2
        self._file.flush()
        name = self.current_name or ""
        if original is not None:
            self.revisits_written += 1
            # The body lives in the original record: point there when we know where it is.
            if original.file is not None and original.offset is not None and original.record_id:
                provenance = Provenance(
                    original.file, original.offset, original.record_id, exchange.url, True
                )
            else:
                provenance = Provenance(name, offset, pair.response_id, exchange.url, True)
        else:
            provenance = Provenance(name, offset, pair.response_id, exchange.url)
            if self.revisits is not None and exchange.body:
                self.revisits.add(
                    Original(exchange.url, warc_date(exchange.date), digest, pair.response_id, name, offset)
                )
        if self._file.tell() >= self.max_size:
            self.close()
        return provenance

    def write_metadata(self, url: str, payload: bytes, refers_to: str) -> Provenance:
        """Archive a metadata record that refers to an earlier record."""
        if self._writer is None:
            self._open()
        assert self._writer is not None and self._file is not None
        record = self.factory.metadata(url, payload, refers_to, self.clock())
        offset = self._file.tell()
        self._writer.write_record(record)
        self.records_written += 1
        self._file.flush()
        provenance = Provenance(
            self.current_name or "", offset, str(record.rec_headers.get_header("WARC-Record-ID")), url
        )
        if self._file.tell() >= self.max_size:
            self.close()
        return provenance

    def sync(self) -> None:
        """Make everything written so far durable (flush and fsync)."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the open file, if any, and give it its final name."""
        if self._file is None or self._path is None:
            return
        self.sync()
        self._file.close()
        final = self._path.with_name(self._path.name[: -len(OPEN_SUFFIX)])
        os.replace(self._path, final)
        self._file = self._writer = self._path = None
        self.closed_files.append(final)
        if self.on_close is not None:
            self.on_close(final)
