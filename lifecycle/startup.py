"""Before a run fetches anything: its work directory is usable and its own, its state files are
whole, and what earlier runs left is recovered.

:func:`prepare_run` is called once per process and work directory: by the CLI (``kliping crawl``,
``kliping scrape``) before the crawl starts, and by every kliping spider when Scrapy builds it
(``scrapy crawl``, scrapyd), which finds it done when the CLI did it. In order:

1. the work directory (``KLIPING_WORKDIR``) exists or can be made, and is a directory; its lock
   (:mod:`state.lock`) is taken: a second run on it stops with :class:`state.lock.WorkdirLocked`;
2. the frontier and a SQLite seen store open and pass SQLite's ``quick_check``: a corrupt or
   read-only file is :class:`state.StateFileError`, naming the file, which is left as it is;
3. the recovery step (:mod:`lifecycle.recovery`); a full disk meanwhile is :class:`NoSpace`.

Each failure is one line and its own exit code (docs/operating.md): 75 locked, 5 state, 6 space.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from archive.space import is_no_space
from lifecycle.recovery import Recovery, recover
from settings.runinfo import workdir
from state import StateFileError, seen_store_from_settings
from state.frontier import Frontier, frontier_path
from state.lock import lock_workdir

logger = logging.getLogger(__name__)


class NoSpace(Exception):
    """The disk filled before the run started (during recovery); commands exit with 6."""


# What prepare_run did, by the work directory's real path: the CLI prepares, then the spider finds
# it done, and the run's stats report it.
_prepared: dict[str, Recovery] = {}


def _key(settings: Any) -> str:
    return os.path.realpath(workdir(settings))


def prepared(settings: Any) -> Recovery | None:
    """What :func:`prepare_run` did for this work directory in this process, if it ran."""
    return _prepared.get(_key(settings))


def check_state_files(settings: Any) -> None:
    """Open the frontier and a SQLite seen store and check they are whole (raises StateFileError)."""
    if settings.getbool("KLIPING_FRONTIER_ENABLED"):
        frontier = Frontier(frontier_path(settings))
        try:
            frontier.check()
        finally:
            frontier.close()
    store = seen_store_from_settings(settings)
    if store is not None:
        try:
            check = getattr(store, "check", None)
            if callable(check):
                check()
        finally:
            store.close()


@contextmanager
def _failures_named(settings: Any) -> Iterator[None]:
    """A full disk becomes :class:`NoSpace`, any other failure of a state file StateFileError."""
    try:
        yield
    except StateFileError as exc:
        if "full" in str(exc).lower() or (exc.__cause__ is not None and is_no_space(exc.__cause__)):
            raise NoSpace(str(exc)) from exc
        raise
    except OSError as exc:
        if is_no_space(exc):
            where = f" writing {exc.filename}" if exc.filename else ""
            raise NoSpace(f"no space left on device{where} while recovering earlier runs") from exc
        if exc.filename:
            raise StateFileError(f"{exc.filename}: {(exc.strerror or str(exc)).lower()}") from exc
        raise
    except sqlite3.Error as exc:
        state = Path(workdir(settings)) / "state"
        if "full" in str(exc).lower():
            raise NoSpace(f"no space left on device for the state in {state} ({exc})") from exc
        raise StateFileError(f"{state}: unusable state ({exc}); left in place for inspection") from exc


def claim_workdir(settings: Any) -> None:
    """Steps 1 and 2: lock the work directory and check its state files (see the module doc)."""
    with _failures_named(settings):
        lock_workdir(workdir(settings))
        check_state_files(settings)


def prepare_run(settings: Any) -> Recovery:
    """Lock the work directory, check the state and run the recovery step (see the module doc)."""
    key = _key(settings)
    if key in _prepared:
        return _prepared[key]
    claim_workdir(settings)
    with _failures_named(settings):
        report = recover(settings)
    _prepared[key] = report
    return report


__all__ = ["NoSpace", "check_state_files", "claim_workdir", "prepare_run", "prepared"]
