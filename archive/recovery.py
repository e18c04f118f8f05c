"""Recover WARC files a killed crawl left open: cut to the last complete record, check, rename.

A crawl writes ``NAME.warc.gz.open`` and renames it once closed (:mod:`archive.writer`). After a
``kill -9``, a power cut or a full disk, the ``.open`` file ends with at most one partial gzip
member. :func:`recover_warc` keeps every record that is whole (its gzip member ends with a valid
CRC, it parses, its digests match), cuts the rest off into ``NAME.warc.gz.tail`` (raw data is never
deleted silently), checks the result and renames it to ``NAME.warc.gz``. A file with no valid
record at all is moved aside as ``NAME.warc.gz.damaged``.

The recovery step that runs before every crawl (:mod:`lifecycle.recovery`) calls
:func:`recover_open_warcs` for every ``.open`` file under the WARC directory, skipping files a
live process on this host is still writing (the pid is in the file name), then
:func:`rebuild_indexes` for the closed WARCs whose CDXJ index a kill or a full disk left
unwritten or half-written (``.cdxj.open``).
"""

from __future__ import annotations

import glob
import logging
import os
import re
import zlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.cdxj import cdxj_path, write_cdxj
from archive.stores.local import fsync_dir
from archive.writer import OPEN_SUFFIX
from settings.runinfo import hostname_token, pid_alive

logger = logging.getLogger(__name__)

DAMAGED_SUFFIX = ".damaged"
TAIL_SUFFIX = ".tail"

# kliping-<stamp>-<serial>-<host>-<pid>.warc.gz[.open] (the writer replaces "-" in host names by "_").
_WRITER_NAME = re.compile(r"-(?P<host>[^-]+)-(?P<pid>\d+)\.warc(?:\.gz)?(?:\.open)?$")


@dataclass
class RecoveryResult:
    """What :func:`recover_warc` did to one file."""

    source: Path
    path: Path | None  # the recovered file under its final name, or None when damaged
    records: int = 0  # whole records kept
    kept_bytes: int = 0
    cut_bytes: int = 0  # bytes after the last whole record, saved in the ``.tail`` file
    damaged: Path | None = None  # where an unusable file was moved aside
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.path is not None

    def describe(self) -> str:
        if self.path is None:
            return f"{self.source}: no complete record, moved aside to {self.damaged}"
        cut = f", cut {self.cut_bytes} trailing bytes" if self.cut_bytes else ""
        return f"{self.source.name}: recovered {self.records} records{cut} -> {self.path.name}"


def _member_complete(data: bytes) -> bool:
    """Whether ``data`` is exactly one whole gzip member (its CRC and size trailer checked by zlib)."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        while data:
            inflater.decompress(data, 1 << 20)
            data = inflater.unconsumed_tail
    except zlib.error:
        return False
    return inflater.eof and not inflater.unused_data


def scan_complete(path: Path) -> tuple[int, int, list[str]]:
    """Length of the leading run of whole, valid records of a gzip WARC, their count, and problems seen.

    A record is whole when its gzip member is complete, it parses and its digests match. Reading
    stops at the first record that is not (a kill leaves at most one, at the end).
    """
    good_end = 0
    count = 0
    problems: list[str] = []
    with open(path, "rb") as stream, open(path, "rb") as raw:
        iterator = ArchiveIterator(stream, check_digests=True)
        try:
            for record in iterator:
                content = record.content_stream()
                while content.read(1 << 20):
                    pass
                iterator.read_to_end(record)
                offset, length = iterator.get_record_offset(), iterator.get_record_length()
                if record.digest_checker.passed is False:
                    problems.append(f"offset {offset}: digest mismatch")
                    break
                raw.seek(offset)
                if not _member_complete(raw.read(length)):
                    problems.append(f"offset {offset}: incomplete gzip member")
                    break
                declared = record.rec_headers.get_header("Content-Length")
                if declared is not None and int(declared) != record.length:
                    problems.append(f"offset {offset}: record shorter than its Content-Length")
                    break
                good_end = offset + length
                count += 1
        except Exception as exc:  # any parse error marks the end of the usable part
            problems.append(f"after offset {good_end}: {type(exc).__name__}: {exc}")
    return good_end, count, problems


def recover_warc(path: Path, *, sync: bool = True) -> RecoveryResult:
    """Cut ``NAME.warc.gz.open`` to its last whole record, check it and rename it to ``NAME.warc.gz``.

    The cut-off bytes are kept in ``NAME.warc.gz.tail``. With no whole record, the file is
    renamed to ``NAME.warc.gz.damaged`` instead. Never raises on bad content. ``sync=False``
    skips the fsyncs (for tests that recover thousands of files).
    """
    path = Path(path)
    final = path.with_name(path.name[: -len(OPEN_SUFFIX)]) if path.name.endswith(OPEN_SUFFIX) else path
    size = path.stat().st_size
    good_end, count, problems = scan_complete(path)
    result = RecoveryResult(source=path, path=None, records=count, problems=problems)
    if count == 0:
        damaged = final.with_name(final.name + DAMAGED_SUFFIX)
        os.replace(path, damaged)
        result.damaged = damaged
        result.cut_bytes = size
        logger.warning("%s", result.describe())
        return result
    if good_end < size:
        tail = final.with_name(final.name + TAIL_SUFFIX)
        with open(path, "rb") as src, open(tail, "ab") as out:
            src.seek(good_end)
            out.write(src.read())
            out.flush()
            if sync:
                os.fsync(out.fileno())
        with open(path, "r+b") as stream:
            stream.truncate(good_end)
            stream.flush()
            if sync:
                os.fsync(stream.fileno())
    # The check: the cut file must read back whole, record for record.
    check_end, check_count, check_problems = scan_complete(path)
    if check_end != good_end or check_count != count:
        result.problems += check_problems or ["check after cutting disagreed"]
        damaged = final.with_name(final.name + DAMAGED_SUFFIX)
        os.replace(path, damaged)
        result.damaged = damaged
        logger.warning("%s", result.describe())
        return result
    os.replace(path, final)
    if sync:
        fsync_dir(final.parent)
    result.path = final
    result.kept_bytes = good_end
    result.cut_bytes = size - good_end
    logger.warning("%s", result.describe())
    return result


def writer_alive(path: Path, hostname: str | None = None) -> bool:
    """Whether the process that named ``path`` is still running on this host (so it is still writing).

    Files from another host cannot be checked and count as not alive: give each host its own
    WARC directory when several share a volume.
    """
    match = _WRITER_NAME.search(path.name)
    if not match:
        return False
    if match["host"] != hostname_token(hostname):
        return False
    pid = int(match["pid"])
    return pid != os.getpid() and pid_alive(pid)


def open_warcs(directories: Iterable[Path]) -> list[Path]:
    """Every ``*.warc.gz.open`` file under the directories, oldest name first."""
    found: list[Path] = []
    for directory in directories:
        if directory.is_dir():
            found += directory.rglob("*.warc.gz" + OPEN_SUFFIX)
    return sorted(found)


def recover_open_warcs(directories: Iterable[Path]) -> list[RecoveryResult]:
    """Recover every ``.open`` WARC under ``directories`` that no live process is writing."""
    results = []
    for path in open_warcs(directories):
        if writer_alive(path):
            logger.info("%s: still being written by a live process, left alone", path)
            continue
        try:
            results.append(recover_warc(path))
        except OSError as exc:
            logger.error("%s: cannot recover: %s", path, exc.strerror or exc)
    return results


def rebuild_indexes(directories: Iterable[Path], writers: Collection[int] = ()) -> list[Path]:
    """Write the CDXJ index of closed kliping WARCs of this host whose writer is gone and whose
    index was left half-written (``.cdxj.open``), or is missing when their writer's pid is one of
    ``writers`` (the killed runs'); returns the indexes written.

    A kill between renaming a WARC and indexing it, or a full disk while indexing, leaves such a
    file. WARCs of other tools, of live writers, and of runs that ended (an archive from before
    indexing was on is not indexed all over again at every start) are left alone.
    """
    written: list[Path] = []
    for directory in directories:
        if not directory.is_dir():
            continue
        for warc in sorted(directory.rglob("*.warc.gz")):
            index = cdxj_path(warc)
            leftovers = sorted(warc.parent.glob(glob.escape(index.name) + ".open*"))
            match = _WRITER_NAME.search(warc.name)
            if match is None or match["host"] != hostname_token() or writer_alive(warc):
                continue
            if not leftovers and (index.exists() or int(match["pid"]) not in writers):
                continue
            for leftover in leftovers:
                leftover.unlink(missing_ok=True)
            written.append(write_cdxj(warc))
            logger.warning("%s: CDXJ index rebuilt", index)
    return written


__all__ = [
    "RecoveryResult",
    "open_warcs",
    "rebuild_indexes",
    "recover_open_warcs",
    "recover_warc",
    "scan_complete",
    "writer_alive",
]
