"""Outlet health over time: one row per outlet per run, one row per run. No Scrapy here.

The health monitor (:mod:`monitor.healthwatch`) records every crawl's figures here and reads an
outlet's earlier runs back to judge the new one; ``kliping report`` reads them for its plots. Rows
are plain data (JSON-ready dicts): the store knows nothing of what the figures mean.

Where: ``KLIPING_HEALTH_STATE``; empty means the Redis of ``KLIPING_STATE`` when that is shared
(``redis://``), else ``sqlite:///<KLIPING_WORKDIR>/state/health.sqlite``. The Redis store
(:mod:`state.health_redis`) also keeps each round's figures per worker, so the workers of a shared
frontier are judged together.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from settings.runinfo import SettingsLike, state_uri, workdir
from state import StateError, redact
from state.sqlite import path_from_uri


@dataclass
class OutletRow:
    """One outlet in one run (or round): its figures, the metrics derived from them, its alarms."""

    run_id: str
    outlet: str
    #: When the run ended, seconds since the epoch.
    finished: float
    complete: bool
    figures: dict[str, Any]
    metrics: dict[str, Any]
    alarms: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "outlet": self.outlet,
            "finished": self.finished,
            "complete": self.complete,
            "figures": self.figures,
            "metrics": self.metrics,
            "alarms": self.alarms,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutletRow:
        return cls(
            run_id=str(data["run_id"]),
            outlet=str(data["outlet"]),
            finished=float(data["finished"]),
            complete=bool(data.get("complete", True)),
            figures=dict(data.get("figures") or {}),
            metrics=dict(data.get("metrics") or {}),
            alarms=list(data.get("alarms") or []),
        )


@dataclass
class RunRow:
    """One run (or round): when, whether it completed, every alarm it raised, and a few facts."""

    run_id: str
    started: float | None
    finished: float
    complete: bool
    alarms: list[dict[str, Any]] = field(default_factory=list)
    #: Spider, workers, store figures...: shown by the report as they are.
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started": self.started,
            "finished": self.finished,
            "complete": self.complete,
            "alarms": self.alarms,
            "info": self.info,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRow:
        started = data.get("started")
        return cls(
            run_id=str(data["run_id"]),
            started=float(started) if started is not None else None,
            finished=float(data["finished"]),
            complete=bool(data.get("complete", True)),
            alarms=list(data.get("alarms") or []),
            info=dict(data.get("info") or {}),
        )


class HealthStore(Protocol):
    """Where health rows live (SQLite on one machine, Redis for workers sharing a frontier)."""

    #: A URI fit for messages (no password).
    uri: str
    #: Whether the store is shared by workers (rounds are judged by the worker that ends them).
    shared: bool

    def history(self, outlet: str, limit: int) -> list[OutletRow]:
        """The outlet's last ``limit`` runs, most recent first."""
        ...

    def record(self, run: RunRow, outlets: Iterable[OutletRow]) -> None:
        """Add (or replace) a run and its outlets' rows, in one step; rows older than the store keeps
        are dropped."""
        ...

    def outlet_rows(self, since: float) -> list[OutletRow]:
        """Every outlet row of runs that ended at or after ``since``, oldest first."""
        ...

    def run_rows(self, since: float) -> list[RunRow]:
        """Every run that ended at or after ``since``, oldest first."""
        ...

    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS outlet_runs (
    run_id TEXT NOT NULL,
    outlet TEXT NOT NULL,
    finished REAL NOT NULL,
    complete INTEGER NOT NULL,
    figures TEXT NOT NULL,
    metrics TEXT NOT NULL,
    alarms TEXT NOT NULL,
    PRIMARY KEY (run_id, outlet)
);
CREATE INDEX IF NOT EXISTS outlet_runs_by_time ON outlet_runs (outlet, finished);
CREATE INDEX IF NOT EXISTS outlet_runs_finished ON outlet_runs (finished);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    started REAL,
    finished REAL NOT NULL,
    complete INTEGER NOT NULL,
    alarms TEXT NOT NULL,
    info TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_finished ON runs (finished);
"""

#: Days of rows kept by default (``KLIPING_HEALTH_KEEP_DAYS``).
KEEP_DAYS = 400


class SqliteHealthStore:
    """Health rows in one SQLite file (WAL): the default on one machine."""

    shared = False

    def __init__(self, path: Path, keep_days: float = KEEP_DAYS) -> None:
        self.path = path
        self.uri = f"sqlite:///{path}"
        self.keep_days = keep_days
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"{path}: cannot open the health store ({exc})") from exc

    @classmethod
    def from_uri(cls, uri: str, keep_days: float = KEEP_DAYS) -> SqliteHealthStore:
        return cls(path_from_uri(uri), keep_days)

    def history(self, outlet: str, limit: int) -> list[OutletRow]:
        rows = self.db.execute(
            "SELECT run_id, outlet, finished, complete, figures, metrics, alarms FROM outlet_runs "
            "WHERE outlet = ? ORDER BY finished DESC LIMIT ?",
            (outlet, limit),
        ).fetchall()
        return [_outlet_row(row) for row in rows]

    def record(self, run: RunRow, outlets: Iterable[OutletRow]) -> None:
        rows = [
            (
                r.run_id,
                r.outlet,
                r.finished,
                int(r.complete),
                json.dumps(r.figures),
                json.dumps(r.metrics),
                json.dumps(r.alarms, ensure_ascii=False),
            )
            for r in outlets
        ]
        cutoff = time.time() - self.keep_days * 86400
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT OR REPLACE INTO runs (run_id, started, finished, complete, alarms, info) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    run.run_id,
                    run.started,
                    run.finished,
                    int(run.complete),
                    json.dumps(run.alarms, ensure_ascii=False),
                    json.dumps(run.info, ensure_ascii=False),
                ),
            )
            self.db.executemany("INSERT OR REPLACE INTO outlet_runs VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            self.db.execute("DELETE FROM outlet_runs WHERE finished < ?", (cutoff,))
            self.db.execute("DELETE FROM runs WHERE finished < ?", (cutoff,))

    def outlet_rows(self, since: float) -> list[OutletRow]:
        rows = self.db.execute(
            "SELECT run_id, outlet, finished, complete, figures, metrics, alarms FROM outlet_runs "
            "WHERE finished >= ? ORDER BY finished, outlet",
            (since,),
        ).fetchall()
        return [_outlet_row(row) for row in rows]

    def run_rows(self, since: float) -> list[RunRow]:
        rows = self.db.execute(
            "SELECT run_id, started, finished, complete, alarms, info FROM runs "
            "WHERE finished >= ? ORDER BY finished",
            (since,),
        ).fetchall()
        return [
            RunRow(row[0], row[1], row[2], bool(row[3]), json.loads(row[4]), json.loads(row[5]))
            for row in rows
        ]

    def close(self) -> None:
        self.db.close()


def _outlet_row(row: tuple[Any, ...]) -> OutletRow:
    return OutletRow(
        run_id=row[0],
        outlet=row[1],
        finished=row[2],
        complete=bool(row[3]),
        figures=json.loads(row[4]),
        metrics=json.loads(row[5]),
        alarms=json.loads(row[6]),
    )


def health_uri(settings: SettingsLike) -> str:
    """``KLIPING_HEALTH_STATE`` with ``{workdir}`` filled in; when empty, the Redis of a shared
    ``KLIPING_STATE``, else ``sqlite:///<KLIPING_WORKDIR>/state/health.sqlite``."""
    explicit = str(settings.get("KLIPING_HEALTH_STATE") or "")
    if explicit:
        return explicit.replace("{workdir}", workdir(settings).rstrip("/"))
    shared = state_uri(settings)
    if urlsplit(shared).scheme in ("redis", "rediss"):
        return shared
    return f"sqlite:///{workdir(settings).rstrip('/')}/state/health.sqlite"


def open_health_store(uri: str, keep_days: float = KEEP_DAYS) -> HealthStore:
    """The health store at ``uri`` (``sqlite:///...`` or ``redis://...``); :class:`StateError`
    naming the URI when it cannot be used."""
    scheme = urlsplit(uri).scheme
    if scheme == "sqlite":
        return SqliteHealthStore.from_uri(uri, keep_days)
    if scheme in ("redis", "rediss"):
        from state.health_redis import RedisHealthStore

        return RedisHealthStore.from_uri(uri, keep_days)
    raise StateError(f"{redact(uri)}: unsupported health store scheme {scheme!r} (known: redis, sqlite)")


__all__ = [
    "KEEP_DAYS",
    "HealthStore",
    "OutletRow",
    "RunRow",
    "SqliteHealthStore",
    "health_uri",
    "open_health_store",
]
