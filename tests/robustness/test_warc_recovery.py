"""``recover_warc``: a WARC cut at any byte is recovered to its last whole record, checked and renamed."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.records import Exchange
from archive.recovery import open_warcs, recover_open_warcs, recover_warc, scan_complete, writer_alive
from archive.writer import RollingWarcWriter
from tests.warcs import records, warcio_check


def small_warc(directory: Path, pages: int = 3) -> tuple[Path, list[int]]:
    """A closed WARC of a warcinfo record and ``pages`` exchanges; returns it and each record's end offset."""
    writer = RollingWarcWriter(directory, hostname="testhost", clock=lambda: datetime(2026, 1, 2, tzinfo=UTC))
    for n in range(pages):
        body = f"<html><body><p>Berita nomor {n}: harga cabai naik.</p></body></html>".encode()
        writer.write(
            Exchange(
                url=f"https://www.kabarcontoh.id/berita/{n}",
                status=200,
                response_headers=[("Content-Type", "text/html; charset=utf-8")],
                body=body,
            )
        )
    writer.close()
    path = writer.closed_files[0]
    from warcio.archiveiterator import ArchiveIterator

    ends = []
    with open(path, "rb") as stream:
        it = ArchiveIterator(stream)
        for record in it:
            record.content_stream().read()
            it.read_to_end(record)
            ends.append(it.get_record_offset() + it.get_record_length())
    return path, ends


def as_open(path: Path, size: int, where: Path) -> Path:
    """A copy of ``path`` cut at ``size`` bytes, named as the writer names a file in progress."""
    target = where / (path.name + ".open")
    with open(path, "rb") as src, open(target, "wb") as out:
        out.write(src.read(size))
    return target


def test_a_warc_cut_at_every_byte_keeps_exactly_its_whole_records(tmp_path: Path) -> None:
    original, ends = small_warc(tmp_path / "orig", pages=1)
    size = original.stat().st_size
    work = tmp_path / "work"
    for cut in range(size + 1):
        work.mkdir()
        result = recover_warc(as_open(original, cut, work), sync=False)
        whole = [end for end in ends if end <= cut]
        if not whole:
            assert not result.ok and result.damaged is not None and result.damaged.exists(), cut
        else:
            assert result.ok and result.path is not None, (cut, result.problems)
            assert result.records == len(whole), cut
            assert result.path.stat().st_size == whole[-1], cut
            assert result.cut_bytes == cut - whole[-1], cut
            assert not list(work.glob("*.open"))
        shutil.rmtree(work)


def test_a_recovered_warc_passes_warcio_check(tmp_path: Path) -> None:
    original, ends = small_warc(tmp_path / "orig")
    cut = (ends[-2] + ends[-1]) // 2
    result = recover_warc(as_open(original, cut, tmp_path))
    assert result.path is not None
    check = warcio_check(result.path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert len(records(result.path)) == len(ends) - 1


def test_cut_bytes_are_kept_aside_never_deleted(tmp_path: Path) -> None:
    original, ends = small_warc(tmp_path / "orig")
    cut = ends[-1] - 5
    result = recover_warc(as_open(original, cut, tmp_path))
    assert result.path is not None
    tail = result.path.with_name(result.path.name + ".tail")
    assert tail.read_bytes() == original.read_bytes()[ends[-2] : cut]


def test_a_corrupt_byte_in_the_last_record_cuts_that_record(tmp_path: Path) -> None:
    original, ends = small_warc(tmp_path / "orig")
    data = bytearray(original.read_bytes())
    data[(ends[-2] + ends[-1]) // 2] ^= 0xFF
    broken = tmp_path / (original.name + ".open")
    broken.write_bytes(bytes(data))
    result = recover_warc(broken)
    assert result.ok and result.records == len(ends) - 1
    assert result.problems


def test_a_file_with_no_whole_record_is_moved_aside_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "kliping-x-00001-h-1.warc.gz.open"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    result = recover_warc(path)
    assert not result.ok
    assert result.damaged == tmp_path / "kliping-x-00001-h-1.warc.gz.damaged"
    assert result.damaged.read_bytes() == b"\x1f\x8b\x08\x00garbage"


def test_a_complete_open_file_is_only_renamed(tmp_path: Path) -> None:
    original, ends = small_warc(tmp_path / "orig")
    result = recover_warc(as_open(original, original.stat().st_size, tmp_path))
    assert result.path is not None and result.cut_bytes == 0
    assert result.path.read_bytes() == original.read_bytes()
    assert scan_complete(result.path)[1] == len(ends)


def test_files_a_live_process_is_writing_are_left_alone(tmp_path: Path) -> None:
    import socket

    host = socket.gethostname().replace("-", "_")
    # pid 1 always runs; our own pid never has a file open at start-up.
    live = tmp_path / f"kliping-20260101000000000000-00001-{host}-1.warc.gz.open"
    dead = tmp_path / f"kliping-20260101000000000000-00002-{host}-{2**22 + 7}.warc.gz.open"
    original, _ = small_warc(tmp_path / "orig")
    for target in (live, dead):
        target.write_bytes(original.read_bytes())
    assert writer_alive(live) and not writer_alive(dead)
    results = recover_open_warcs([tmp_path])
    assert [r.source for r in results] == [dead]
    assert live.exists() and open_warcs([tmp_path]) == [live]
    os.remove(live)


@pytest.mark.parametrize("junk", [b"", b"\x00" * 10, b"WARC/1.1\r\n"])
def test_recovery_never_raises_on_junk(tmp_path: Path, junk: bytes) -> None:
    path = tmp_path / "a.warc.gz.open"
    path.write_bytes(junk)
    assert not recover_warc(path).ok
