"""The seen-article store in one SQLite file: the default for a single crawling machine."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from state import StateError, StateFileError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (url TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS claimed (url TEXT PRIMARY KEY, at REAL NOT NULL);
"""


def path_from_uri(uri: str) -> Path:
    """``sqlite:///data/state/seen.sqlite`` is relative to the working directory (three slashes),
    ``sqlite:////var/lib/kliping/seen.sqlite`` absolute (four), as in SQLAlchemy URLs."""
    prefix = "sqlite:///"
    if not uri.startswith(prefix) or len(uri) == len(prefix):
        raise StateError(f"{uri}: expected sqlite:///relative/path or sqlite:////absolute/path")
    return Path(uri[len(prefix) :])


class SqliteSeenStore:
    """Seen articles in a SQLite table; each ``mark_seen`` is one committed (fsynced) transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            # WAL with synchronous=FULL: a committed mark survives a power cut, and readers never block.
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StateFileError(f"{path}: cannot open the seen store ({exc})") from exc

    @classmethod
    def from_uri(cls, uri: str) -> SqliteSeenStore:
        return cls(path_from_uri(uri))

    def is_seen(self, url: str) -> bool:
        row = self.db.execute("SELECT 1 FROM seen WHERE url = ?", (url,)).fetchone()
        return row is not None

    def which_seen(self, urls: Iterable[str]) -> set[str]:
        """Which of ``urls`` are seen (queried in chunks, well under SQLite's variable limit)."""
        urls = list(urls)
        found: set[str] = set()
        for start in range(0, len(urls), 500):
            chunk = urls[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT url FROM seen WHERE url IN ({marks})", chunk)
            found.update(row[0] for row in rows)
        return found

    def check(self) -> None:
        """Raise :class:`StateFileError` unless SQLite finds the file whole (``PRAGMA quick_check``)."""
        try:
            problems = [row[0] for row in self.db.execute("PRAGMA quick_check(3)")]
        except sqlite3.Error as exc:
            raise StateFileError(f"{self.path}: the seen store is unreadable ({exc})") from exc
        if problems != ["ok"]:
            raise StateFileError(f"{self.path}: the seen store is damaged ({'; '.join(problems)})")

    def mark_seen(self, urls: Iterable[str]) -> None:
        now = time.time()
        rows = [(u, now) for u in urls]
        if not rows:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany("INSERT OR IGNORE INTO seen (url, at) VALUES (?, ?)", rows)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def claim(self, url: str) -> bool:
        cursor = self.db.execute("INSERT OR IGNORE INTO claimed (url, at) VALUES (?, ?)", (url, time.time()))
        return cursor.rowcount == 1

    def count(self) -> int:
        """How many articles are marked seen."""
        return int(self.db.execute("SELECT COUNT(*) FROM seen").fetchone()[0])

    def close(self) -> None:
        self.db.close()
