"""CDXJ indexes beside closed WARC files: sorted lines, whatever the sort buffer."""

from __future__ import annotations

import shutil
from pathlib import Path

from archive.cdxj import write_cdxj
from tests.archive.test_writer import exchange, writer


def a_closed_warc(directory: Path) -> Path:
    w = writer(directory)
    # Written out of URL order, so the index has to sort them.
    for n in (7, 3, 11, 1, 9, 5, 12, 2, 8, 4, 10, 6):
        w.write(exchange(url=f"https://www.kabarcontoh.id/berita/{n}", body=b"<p>Berita %d</p>" % n))
    w.close()
    (path,) = w.closed_files
    return path


def test_an_index_sorted_in_spilled_runs_equals_one_sorted_in_memory(tmp_path: Path) -> None:
    warc = a_closed_warc(tmp_path / "a")
    copy = tmp_path / "b" / warc.name
    copy.parent.mkdir()
    shutil.copy(warc, copy)
    in_memory = write_cdxj(warc, sort_buffer=10**9).read_text(encoding="utf-8")
    # A buffer smaller than two lines: every line is its own run, merged back from temporary files.
    spilled = write_cdxj(copy, sort_buffer=200).read_text(encoding="utf-8")
    lines = spilled.splitlines()
    assert spilled == in_memory
    assert len(lines) == 12
    assert lines == sorted(lines)


def test_the_index_holds_the_same_records_after_py_wacz_is_imported(tmp_path: Path) -> None:
    # py-wacz adds "warcinfo" to cdxj-indexer's default record types when it is imported.
    import wacz.waczindexer  # noqa: F401

    lines = write_cdxj(a_closed_warc(tmp_path)).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 12
    assert all(line.startswith("id,kabarcontoh)/berita/") for line in lines)
