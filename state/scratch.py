"""Scratch databases: what one run decides on and looks up by key, kept on disk, not in memory.

Each is SQLite's private temporary database: a file nobody else sees, already unlinked, so it is
gone when closed, even by a kill. Journal and syncs are off (nothing in it outlives the run) and
its page cache is small: the pages sit in the system's file cache anyway, and the crawl's memory
should not grow with the number of URLs it meets. No Scrapy here.
"""

from __future__ import annotations

import sqlite3

#: SQLite page cache per scratch database, in KiB (SQLite's default is 2,000).
CACHE_KIB = 256


def scratch_db(schema: str) -> sqlite3.Connection:
    """A new private temporary database holding ``schema`` (SQL statements)."""
    # check_same_thread off: Scrapy may close components from another thread than the reactor's.
    db = sqlite3.connect("", check_same_thread=False)
    pragmas = f"PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-{CACHE_KIB};"
    db.executescript(pragmas + schema)
    return db


__all__ = ["CACHE_KIB", "scratch_db"]
