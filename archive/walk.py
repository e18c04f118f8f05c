"""Walk every record of a WARC file, whatever wrote it and whatever happened to it since.

The fast reader (FastWARC, or warcio when asked for) walks the file. A record is given out only
once the record after it has been framed (or the file has ended cleanly after it), so a record
whose Content-Length is wrong is never given out with its neighbour's bytes. When the reader
fails, stops before the end, or frames a record that cannot be right, the record where that
happened is read with the next reader in line, ending with the lenient framer
(:mod:`archive.lenient`); then the fast reader takes over again. A record no reader can read is
skipped and reported with its offset, and reading goes on at the next record head found. A file
that ends inside a record is reported as truncated at that offset; the records before it are
kept. No Scrapy here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Protocol

from archive import lenient
from archive.damage import DamageReport
from archive.warcfile import READ_TYPES, Container, Layout, RawRecord, RecordError

log = logging.getLogger(__name__)

#: After this many records in a row that the fast reader could not read, the rest of the file is
#: read with the reader that could (a whole file of LF-only heads, say), not retried per record.
STICKY_AFTER = 8
#: Bytes after the last record that may be padding (line ends, NULs) rather than another record.
_PADDING = b"\r\n\x00 \t"


class Source(Protocol):
    """A WARC reader as the walk uses it."""

    name: str
    #: Whether it reads ARC files too.
    reads_arc: bool

    def records(self, container: Container, offset: int, wanted: frozenset[str]) -> Iterator[RawRecord]:
        """Records from ``offset`` on, in file order, blocks read for ``wanted`` types only."""
        ...


class _Lenient:
    name = "lenient"
    reads_arc = False

    def records(self, container: Container, offset: int, wanted: frozenset[str]) -> Iterator[RawRecord]:
        pos: int | None = offset
        while pos is not None and not at_end(container, pos):
            got = lenient.read_at(container, pos, wanted=wanted)
            yield from got
            pos = got[-1].end


LENIENT = _Lenient()


def at_end(container: Container, pos: int) -> bool:
    """Whether nothing but padding follows ``pos``."""
    if container.layout is not Layout.STREAM and pos >= container.size:
        return True
    try:
        stream = container.open_at(pos)
        try:
            rest = stream.read(65)
        finally:
            stream.close()
    except (OSError, EOFError, ValueError):
        return False
    return len(rest) <= 64 and not rest.strip(_PADDING)


def walk(
    container: Container,
    sources: list[Source],
    report: DamageReport,
    wanted: frozenset[str] = READ_TYPES,
) -> Iterator[RawRecord]:
    """Every record of the file once, in file order (all types; blocks of ``wanted`` types)."""
    name = container.name
    if container.layout is Layout.EMPTY:
        report.empty(name)
        return
    if container.layout is Layout.NOT_WARC:
        raise ValueError(f"{name}: not a WARC file ({container.reason})")
    if container.arc:
        chain: list[Source] = [source for source in sources if source.reads_arc]
        if not chain:
            raise ValueError(f"{name}: an ARC file, which no reader here reads")
    else:
        chain = [*sources, LENIENT]
    pos = 0
    level = 0
    in_row = 0
    try:
        while True:
            failed_at, held = None, None
            problem, error = "", None
            iterator = chain[level].records(container, pos, wanted)
            try:
                for record in iterator:
                    issue = record.problem() or _out_of_place(record, held, pos)
                    if issue is not None:
                        if held is not None and record.cut_short():
                            # Its head was where the held record said: only this one is cut short.
                            yield held
                            held = None
                        # Else the held record is re-read too: its length may have put this one wrong.
                        failed_at = held.offset if held is not None else record.offset
                        problem = issue
                        break
                    if held is not None:
                        yield held
                    held = record
            except RecordError as exc:
                failed_at = held.offset if held is not None else pos
                problem, error = exc.reason, exc
            except Exception as exc:  # any reader failure is a failure at the unconfirmed record
                log.debug("%s: %s failed after offset %d", name, chain[level].name, pos, exc_info=True)
                failed_at = held.offset if held is not None else pos
                problem = _describe(exc)
            finally:
                _close(iterator)
            if failed_at is None:
                # The reader ended: the held record must end where the file (or the next record) does.
                if held is not None:
                    try:
                        end = held.end
                        # The last record framed again by the lenient framer, which alone notices a
                        # gzip member the file ends inside (not for a whole-file gzip: a rewind).
                        if end is None or (container.layout is not Layout.STREAM and not container.arc):
                            last = lenient.read_at(container, held.offset, wanted=frozenset())[-1]
                            end = last.end
                            held.member_cut = held.member_cut or last.member_cut
                    except RecordError as exc:
                        failed_at, problem, error = held.offset, exc.reason, exc
                    else:
                        if held.member_cut:
                            report.truncated(name, held.offset, "the file ends inside its gzip member")
                        yield held
                        assert end is not None
                        pos = end
                if failed_at is None:
                    if at_end(container, pos):
                        return
                    failed_at, problem = pos, f"{chain[level].name} stopped before the end"
            # The record at failed_at, with the readers after this one.
            found, one_error = _one_record(chain, level + 1, container, failed_at, wanted)
            if found is not None:
                used, records = found
                for record in records:
                    for quirk in record.quirks:
                        report.quirk(name, quirk, record.offset)
                    if record.member_cut:
                        report.truncated(name, record.offset, "the file ends inside its gzip member")
                    yield record
                log.debug("%s: record at %d read by %s", name, failed_at, chain[used].name)
                end = records[-1].end
                assert end is not None and end > failed_at
                pos = end
                in_row += 1
                if in_row >= STICKY_AFTER:
                    level = used
                if at_end(container, pos):
                    return
                continue
            in_row = 0
            error = one_error or error
            reason = error.reason if error is not None else problem
            resume = lenient.next_start(container, failed_at)
            if resume is None:
                if error is not None and error.truncated:
                    report.truncated(name, failed_at, reason)
                elif container.layout is Layout.STREAM and "decompress" in reason:
                    report.unreadable(name, failed_at)
                else:
                    report.skipped(name, failed_at, reason)
                return
            report.skipped(name, failed_at, reason)
            pos = resume
    finally:
        container.close()


def _out_of_place(record: RawRecord, held: RawRecord | None, pos: int) -> str | None:
    if record.offset < pos:
        return "record before the reading position"
    # Records of one gzip member share its offset; the lenient framer says so with their end.
    same_member = held is not None and record.end is not None and record.end == held.end
    if held is not None and record.offset <= held.offset and not same_member:
        return "records do not advance"
    return None


def _close(iterator: object) -> None:
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


def _one_record(
    chain: list[Source], first: int, container: Container, offset: int, wanted: frozenset[str]
) -> tuple[tuple[int, list[RawRecord]] | None, RecordError | None]:
    """The record(s) at ``offset`` from the first reader of ``chain[first:]`` that reads them whole,
    with that reader's place in ``chain``; else the lenient framer's error, if it got that far."""
    error: RecordError | None = None
    for index in range(first, len(chain)):
        source = chain[index]
        try:
            if source is LENIENT:
                records = lenient.read_at(container, offset, wanted=wanted)
            else:
                iterator = source.records(container, offset, wanted)
                try:
                    record = next(iter(iterator), None)
                finally:
                    _close(iterator)
                if record is None or record.offset != offset or record.end is None or record.problem():
                    continue
                records = [record]
        except RecordError as exc:
            error = exc
            continue
        except Exception:  # a reader's own failure: the next one tries
            log.debug("%s: %s cannot read offset %d", container.name, source.name, offset, exc_info=True)
            continue
        end = records[-1].end
        if end is not None and end > offset:
            return (index, records), None
    return None, error


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
