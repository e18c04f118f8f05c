"""Sets of byte keys a run decides on once (requests seen, stories taken), kept on disk.

A Python set of 50,000 20-byte keys costs ~4.5 MB and grows with every URL of the run; this one
keeps its keys in a scratch database (:mod:`state.scratch`), so the crawl's memory does not grow
with the number of URLs it meets. No Scrapy here.
"""

from __future__ import annotations

from collections.abc import Iterable

from state.scratch import scratch_db


class RunKeys:
    """A set of byte strings: ``key in keys``, ``keys.add(key)`` (True when it was new),
    ``keys.update(many)``, ``len(keys)``."""

    def __init__(self) -> None:
        self._db = scratch_db("CREATE TABLE keys (k BLOB PRIMARY KEY) WITHOUT ROWID;")
        self._count = 0

    def __contains__(self, key: object) -> bool:
        row = self._db.execute("SELECT 1 FROM keys WHERE k = ?", (key,)).fetchone()
        return row is not None

    def add(self, key: bytes) -> bool:
        """Record ``key``; whether it was new (check and record in one statement)."""
        added = self._db.execute("INSERT OR IGNORE INTO keys VALUES (?)", (key,)).rowcount == 1
        self._count += added
        return added

    def update(self, keys: Iterable[bytes]) -> None:
        for key in keys:
            self.add(key)

    def __len__(self) -> int:
        return self._count

    def close(self) -> None:
        self._db.close()


__all__ = ["RunKeys"]
