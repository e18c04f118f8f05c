"""Stopping the run when its own books cannot be kept: a full disk, an unusable state file.

Scrapy catches what a signal handler raises, logs a traceback and carries on: a frontier or a
seen store that fails mid-run would leave the run going, its books wrong, and its exit code 0.
:func:`stop_for` turns such a failure into one line and an early stop whose reason the exit
code follows (``no_space``: 6, ``state``: 5; ``cli/outcome.py``); handlers run their state
work inside :func:`stopping_on_failure`.
"""

from __future__ import annotations

import atexit
import logging
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from scrapy.crawler import Crawler

from archive.space import is_no_space, stop_crawl
from cli.common import EXIT_NO_SPACE, EXIT_STATE
from state import StateFileError

logger = logging.getLogger(__name__)

#: Stop reasons of this module (``kliping/stopped_reason``).
NO_SPACE, STATE = "no_space", "state"
#: The exit code of a run that stopped for each reason (cli/common.py).
EXIT_FOR_STOP = {NO_SPACE: EXIT_NO_SPACE, STATE: EXIT_STATE}


def failure_reason(exc: BaseException) -> str | None:
    """``no_space`` or ``state`` when ``exc`` is such a failure, else None."""
    if is_no_space(exc):
        return NO_SPACE
    if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower():
        return NO_SPACE  # SQLite's "database or disk is full"
    if isinstance(exc, (sqlite3.DatabaseError, StateFileError)):
        return STATE
    return None


def stop_for(crawler: Crawler, exc: BaseException, what: str) -> bool:
    """Stop the run (once, one line) if ``exc`` is a full disk or an unusable state file; the run
    then stays one to recover at the next start. ``what`` names the file. False: not such a failure."""
    reason = failure_reason(exc)
    if reason is None:
        return False
    detail = (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)).lower()
    if reason == NO_SPACE:
        message = f"no space left on device writing {what} ({detail})"
    else:
        message = f"{what}: unusable state ({detail}); left in place for inspection"
    stop_crawl(crawler, reason, message, needs_recovery=True)
    return True


@contextmanager
def stopping_on_failure(crawler: Crawler, what: str) -> Iterator[None]:
    """Inside it, a full disk or unusable state stops the run (see :func:`stop_for`) instead of
    a traceback that Scrapy logs and goes on after. ``what`` names the file."""
    try:
        yield
    except (OSError, sqlite3.Error, StateFileError) as exc:
        if not stop_for(crawler, exc, what):
            raise


#: Whether the caller turns the run's stats into the exit code itself (the kliping CLI does).
_caller_exits = False


def caller_sets_exit_code() -> None:
    """Say that this process's caller reads the run's stats for its exit code (``kliping``)."""
    global _caller_exits
    _caller_exits = True


def exit_with(code: int, line: str) -> None:
    """End a ``scrapy crawl`` (or scrapyd job) that cannot start with one ERROR line and ``code``.

    ``os._exit``: raising would print Twisted's "Unhandled error in Deferred" and exit 0 or 1.
    Nothing is open yet, and the kernel releases the work directory's lock.
    """
    logger.error("%s", line)
    _exit_now(code)


def _exit_now(code: int) -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def exit_after(reason: str | None) -> None:
    """Under ``scrapy crawl`` and scrapyd, make a run that stopped for ``reason`` exit with that
    reason's code once Scrapy is done (it would exit 0: a scheduler would record success)."""
    code = EXIT_FOR_STOP.get(reason or "")
    if code is None or _caller_exits:
        return
    # At exit, once Scrapy has returned and every file is closed: os._exit sets the code that
    # Scrapy's own sys.exit cannot (exit handlers run last-registered first, so the ones before
    # this are skipped; logging is flushed here).
    atexit.register(_exit_now, code)


__all__ = [
    "EXIT_FOR_STOP",
    "NO_SPACE",
    "STATE",
    "caller_sets_exit_code",
    "exit_after",
    "exit_with",
    "failure_reason",
    "stop_for",
    "stopping_on_failure",
]
