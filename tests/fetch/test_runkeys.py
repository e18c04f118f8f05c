"""Run-only key sets on disk (scratch databases), and Scrapy's duplicate filter built on them."""

from __future__ import annotations

from pathlib import Path

from scrapy import Request

from fetch.dupefilter import RunKeysDupeFilter
from fetch.runkeys import RunKeys
from state.scratch import CACHE_KIB, scratch_db


def test_a_key_is_new_once() -> None:
    keys = RunKeys()
    assert keys.add(b"\x01" * 16)
    assert not keys.add(b"\x01" * 16)
    assert b"\x01" * 16 in keys and b"\x02" * 16 not in keys
    assert len(keys) == 1


def test_the_filter_lets_a_request_through_once_and_its_duplicates_never() -> None:
    dupes = RunKeysDupeFilter()
    assert not dupes.request_seen(Request("https://www.kabarcontoh.id/berita/1"))
    assert dupes.request_seen(Request("https://www.kabarcontoh.id/berita/1"))
    assert not dupes.request_seen(Request("https://www.kabarcontoh.id/berita/2"))
    dupes.close("finished")


def test_with_a_job_directory_the_filter_remembers_the_last_run(tmp_path: Path) -> None:
    first = RunKeysDupeFilter(str(tmp_path))
    assert not first.request_seen(Request("https://www.kabarcontoh.id/berita/1"))
    first.close("shutdown")
    resumed = RunKeysDupeFilter(str(tmp_path))
    assert resumed.request_seen(Request("https://www.kabarcontoh.id/berita/1"))
    assert not resumed.request_seen(Request("https://www.kabarcontoh.id/berita/2"))
    resumed.close("finished")


def test_a_scratch_database_keeps_a_small_page_cache_and_no_journal() -> None:
    # Its pages are in the system's file cache already; the crawl's memory must not hold them again.
    db = scratch_db("CREATE TABLE t (k BLOB PRIMARY KEY);")
    assert db.execute("PRAGMA cache_size").fetchone() == (-CACHE_KIB,)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("off",)
    db.close()
