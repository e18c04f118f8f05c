"""One run per work directory: an OS lock on ``<KLIPING_WORKDIR>/kliping.lock``.

Two runs on one work directory (overlapping scrapyd jobs, cron without ``flock``) would both resume
the same frontier and recover the same files: everything written twice. The lock is ``flock(2)``
on a file in the work directory, held for the life of the process: the kernel releases it when
the process ends however it ends (``kill -9`` included), so a stale lock never blocks a later run.
The file holds the pid of the run that holds it, for the message a second run prints; it is
never removed (removing it would let a third run lock a new file while the second waits on the
old one). No Scrapy here.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path
from typing import BinaryIO

from state import StateFileError

LOCK_NAME = "kliping.lock"


class WorkdirLocked(Exception):
    """Another run holds the work directory's lock; commands exit with ``EXIT_LOCKED`` (75)."""


# Locks this process holds, by the work directory's real path: a run takes its lock once, whether
# the CLI or the spider asks first (a second flock on a new descriptor would conflict with ours).
_held: dict[str, BinaryIO] = {}


def lock_workdir(workdir: str | Path) -> Path:
    """Take the work directory's lock for the rest of this process's life; returns the lock file.

    Raises :class:`WorkdirLocked` when another process holds it, and :class:`StateFileError`
    when the work directory cannot hold a lock file (not a directory, read-only).
    """
    directory = Path(workdir)
    if directory.exists() and not directory.is_dir():
        raise StateFileError(f"{directory}: the work directory (KLIPING_WORKDIR) is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StateFileError(f"{directory}: cannot create the work directory ({_why(exc)})") from exc
    key = os.path.realpath(directory)
    path = directory / LOCK_NAME
    if key in _held:
        return path
    try:
        stream = open(path, "a+b")  # noqa: SIM115 - held until the process ends
    except OSError as exc:
        raise StateFileError(f"{path}: cannot create the work directory's lock file ({_why(exc)})") from exc
    try:
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        stream.seek(0)
        holder = stream.read(64).decode("ascii", "replace").strip()
        stream.close()
        who = f" (pid {holder})" if holder.isdigit() else ""
        raise WorkdirLocked(
            f"{directory}: another run holds the workdir lock{who}; exit 75, try again later"
        ) from None
    except OSError as exc:
        stream.close()
        raise StateFileError(f"{path}: cannot lock the work directory ({_why(exc)})") from exc
    try:
        stream.truncate(0)
        stream.write(f"{os.getpid()}\n".encode())
        stream.flush()
    except OSError as exc:
        stream.close()
        raise StateFileError(f"{path}: cannot write the work directory's lock file ({_why(exc)})") from exc
    _held[key] = stream
    return path


def holds_lock(workdir: str | Path) -> bool:
    """Whether this process holds the work directory's lock."""
    return os.path.realpath(workdir) in _held


def release_workdir(workdir: str | Path) -> None:
    """Give the lock up before the process ends (tests; a process running several crawls)."""
    stream = _held.pop(os.path.realpath(workdir), None)
    if stream is not None:
        stream.close()


def _why(exc: OSError) -> str:
    if exc.errno == errno.EROFS:
        return "read-only file system"
    return (exc.strerror or str(exc)).lower()


__all__ = ["LOCK_NAME", "WorkdirLocked", "holds_lock", "lock_workdir", "release_workdir"]
