"""Recover WARC files a killed crawl left open: cut to the last complete record, check, rename.

A crawl writes ``NAME.warc.gz.open`` and renames it once closed (:mod:`archive.writer`). After a
``kill -9``, a power cut or a full disk, the ``.open`` file ends with at most one partial gzip
member. :func:`recover_warc` keeps every record that is whole (its gzip member ends with a valid
CRC, it parses, its digests match), cuts the rest off into ``NAME.warc.gz.tail`` (raw data is never
deleted silently), checks the result and renames it to ``NAME.warc.gz``. A file with no valid
record at all is moved aside as ``NAME.warc.gz.damaged``.

:class:`RecoverOpenWarcs` runs it at start-up for every ``.open`` file under the WARC directory,
skipping files a live process on this host is still writing (the pid is in the file name).
It must be enabled in ``EXTENSIONS`` with a lower number than ``WarcArchiver`` so it runs first.
"""

from __future__ import annotations

import logging
import os
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from warcio.archiveiterator import ArchiveIterator

from archive.stores.local import fsync_dir
from archive.writer import OPEN_SUFFIX
from settings.runinfo import hostname_token, local_dir, pid_alive

logger = logging.getLogger(__name__)

DAMAGED_SUFFIX = ".damaged"
TAIL_SUFFIX = ".tail"

# kliping-<stamp>-<serial>-<host>-<pid>.warc.gz.open (the writer replaces "-" in host names by "_").
_WRITER_NAME = re.compile(r"-(?P<host>[^-]+)-(?P<pid>\d+)\.warc(?:\.gz)?\.open$")


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


class RecoverOpenWarcs:
    """Scrapy extension: at start-up, recover the WARC files an earlier, killed crawl left ``.open``.

    Runs in ``from_crawler`` so it is done before any component writes; enable it in
    ``EXTENSIONS`` with a lower number than ``archive.extension.WarcArchiver``. The killed runs'
    text is completed afterwards by ``pipelines.recovery.RecoverText``, which reads these WARCs.
    """

    def __init__(self, crawler: Crawler, directories: list[Path], results: list[RecoveryResult]) -> None:
        self.crawler = crawler
        self.directories = directories
        self.results = results

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecoverOpenWarcs:
        settings = crawler.settings
        if not settings.getbool("KLIPING_RECOVER_ON_START"):
            raise NotConfigured("KLIPING_RECOVER_ON_START is off")
        directories = [Path(local_dir(settings, "warc"))]
        results = recover_open_warcs(directories)
        ext = cls(crawler, directories, results)
        stats = crawler.stats
        if stats is not None and results:
            stats.set_value("kliping/recovery/warcs", len([r for r in results if r.ok]))
            damaged = len([r for r in results if not r.ok])
            if damaged:
                stats.set_value("kliping/recovery/warcs_damaged", damaged)
        return ext


__all__ = [
    "RecoverOpenWarcs",
    "RecoveryResult",
    "open_warcs",
    "recover_open_warcs",
    "recover_warc",
    "scan_complete",
    "writer_alive",
]
