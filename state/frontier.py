"""A durable frontier: the article requests a crawl still owes, and the runs that owe them.

Scrapy's ``JOBDIR`` only saves the request queue on a clean stop; after ``kill -9`` it is lost.
Here every article request is written to SQLite (WAL, one commit per change, so a killed process
loses nothing it committed) when it is scheduled, and leaves the *pending* state once its outcome
is settled (its story reached the WARC, or the spider found no article). The next start of the
same job re-schedules what is still pending, and skips what is *done*, so a killed crawl resumes
instead of starting over. A job that finishes cleanly is forgotten.

Each pending row also keeps the article's seen key (:mod:`lifecycle.keys`), so a resumed request
is marked seen like a fresh one, and a restart can settle what the seen store already has.

The ``runs`` table says which runs are in progress: a row whose process is gone at the next start
is a killed run, whose WARCs and text batches :mod:`pipelines.recovery` repairs. No Scrapy here.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from settings.runinfo import SettingsLike, hostname_token, pid_alive, workdir
from state import StateFileError

PENDING, DONE = "pending", "done"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS frontier (
    job TEXT NOT NULL,
    url TEXT NOT NULL,
    callback TEXT NOT NULL,
    cb_kwargs TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    seen_key TEXT,
    PRIMARY KEY (job, url)
);
CREATE INDEX IF NOT EXISTS frontier_url ON frontier (url);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    job TEXT NOT NULL,
    spider TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'running'
);
"""


@dataclass(frozen=True)
class PendingRequest:
    """An article request still owed by a job: enough to rebuild the Scrapy request."""

    url: str
    callback: str
    cb_kwargs: str
    attempts: int
    seen_key: str | None = None


@dataclass(frozen=True)
class RunInfo:
    """A run registered as in progress."""

    run_id: str
    job: str
    spider: str
    host: str
    pid: int


def this_host() -> str:
    return hostname_token()


class Frontier:
    """The durable frontier in one SQLite file (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a killed process loses no commit; only a power cut may lose the last.
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(frontier)")}
            if "seen_key" not in columns:  # a frontier written before seen keys were kept
                self.db.execute("ALTER TABLE frontier ADD COLUMN seen_key TEXT")
        except (OSError, sqlite3.Error) as exc:
            raise StateFileError(f"{self.path}: cannot open the frontier ({exc})") from exc

    def check(self) -> None:
        """Raise :class:`StateFileError` unless SQLite finds the file whole (``PRAGMA quick_check``)."""
        try:
            problems = [row[0] for row in self.db.execute("PRAGMA quick_check(3)")]
        except sqlite3.Error as exc:
            raise StateFileError(f"{self.path}: the frontier is unreadable ({exc})") from exc
        if problems != ["ok"]:
            raise StateFileError(f"{self.path}: the frontier is damaged ({'; '.join(problems)})")

    # --- requests ------------------------------------------------------------------------------

    def add_pending(
        self, job: str, url: str, callback: str, cb_kwargs: str = "{}", seen_key: str | None = None
    ) -> None:
        """Record an article request as owed (a no-op when it is already known to the job)."""
        self.db.execute(
            "INSERT OR IGNORE INTO frontier (job, url, callback, cb_kwargs, seen_key) VALUES (?, ?, ?, ?, ?)",
            (job, url, callback, cb_kwargs, seen_key),
        )

    def mark_done(self, urls: Iterable[str], job: str | None = None) -> None:
        """Settle requests: within ``job``, or in every job when None (recovery knows only URLs)."""
        urls = list(urls)
        if not urls:
            return
        if job is None:
            self.db.executemany("UPDATE frontier SET state = 'done' WHERE url = ?", [(u,) for u in urls])
        else:
            self.db.executemany(
                "INSERT INTO frontier (job, url, callback, state) VALUES (?, ?, '', 'done') "
                "ON CONFLICT (job, url) DO UPDATE SET state = 'done'",
                [(job, u) for u in urls],
            )

    def is_done(self, job: str, url: str) -> bool:
        row = self.db.execute("SELECT state FROM frontier WHERE job = ? AND url = ?", (job, url)).fetchone()
        return bool(row and row[0] == DONE)

    def pending(self, job: str) -> list[PendingRequest]:
        """The job's owed requests, in the order they were first scheduled."""
        rows = self.db.execute(
            "SELECT url, callback, cb_kwargs, attempts, seen_key FROM frontier "
            "WHERE job = ? AND state = 'pending' ORDER BY rowid",
            (job,),
        ).fetchall()
        return [PendingRequest(*row) for row in rows]

    def count_attempt(self, job: str, url: str) -> None:
        self.db.execute("UPDATE frontier SET attempts = attempts + 1 WHERE job = ? AND url = ?", (job, url))

    def give_up(self, job: str, url: str) -> None:
        """Stop owing a request that failed too often (kept as done so the job does not refetch it)."""
        self.db.execute("UPDATE frontier SET state = 'done' WHERE job = ? AND url = ?", (job, url))

    def forget_job(self, job: str) -> None:
        """A job that finished cleanly owes nothing: its rows go."""
        self.db.execute("DELETE FROM frontier WHERE job = ?", (job,))

    # --- runs ----------------------------------------------------------------------------------

    def start_run(self, run_id: str, job: str, spider: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO runs (run_id, job, spider, host, pid, started, state) "
            "VALUES (?, ?, ?, ?, ?, ?, 'running')",
            (run_id, job, spider, this_host(), os.getpid(), datetime.now(UTC).isoformat()),
        )

    def end_run(self, run_id: str) -> None:
        self.db.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))

    def finish(self, run_id: str | None, job: str | None, owed: Iterable[str] = ()) -> None:
        """End ``run_id`` and forget ``job`` (either may be None) in one transaction.

        Together, because apart a kill between them leaves a run that looks killed with a job that
        owes nothing: the next start would then take every request of the job for new work. The
        ``owed`` URLs of the job stay pending with one more attempt: articles fetched whose
        processing failed (extraction, storage), which the next run of the job tries again. The
        job is then not finished: its settled rows stay too, so that run fetches only what is owed
        (a URL list has no seen store to skip the rest; an outlet crawl's listings are checked
        against the seen store anyway). The job is forgotten once a run ends owing nothing.
        """
        owed = list(owed)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            if job is not None:
                if owed:
                    self.db.execute("CREATE TEMP TABLE IF NOT EXISTS owed (url TEXT PRIMARY KEY)")
                    self.db.execute("DELETE FROM owed")
                    self.db.executemany("INSERT OR IGNORE INTO owed VALUES (?)", [(u,) for u in owed])
                    self.db.execute(
                        "DELETE FROM frontier WHERE job = ? AND state = 'pending' AND url NOT IN owed",
                        (job,),
                    )
                    self.db.execute(
                        "UPDATE frontier SET attempts = attempts + 1 WHERE job = ? AND state = 'pending'",
                        (job,),
                    )
                else:
                    self.forget_job(job)
            if run_id is not None:
                self.end_run(run_id)

    def running(self) -> list[RunInfo]:
        rows = self.db.execute("SELECT run_id, job, spider, host, pid FROM runs ORDER BY started").fetchall()
        return [RunInfo(*row) for row in rows]

    def killed_runs(self) -> Iterator[RunInfo]:
        """Runs registered as in progress whose process on this host is gone."""
        for run in self.running():
            if run.host == this_host() and run.pid != os.getpid() and not pid_alive(run.pid):
                yield run

    def close(self) -> None:
        self.db.close()


def frontier_path(settings: SettingsLike) -> Path:
    """``KLIPING_FRONTIER_PATH``, else ``<KLIPING_WORKDIR>/state/frontier.sqlite``."""
    explicit = settings.get("KLIPING_FRONTIER_PATH") or ""
    if explicit:
        return Path(explicit)
    return Path(workdir(settings)) / "state" / "frontier.sqlite"


__all__ = ["DONE", "PENDING", "Frontier", "PendingRequest", "RunInfo", "frontier_path"]
