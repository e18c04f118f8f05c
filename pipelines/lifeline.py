"""Helper processes that end with their parent, and leave stop signals to it. No Scrapy here.

The extraction pool's processes form a chain: the crawl (or ``kliping extract``) starts
multiprocessing's forkserver and resource tracker, and the forkserver forks the workers. Each
link must go when the one above it goes, however that ends (``kill -9``, the OOM killer, a
crash), or the helpers outlive it: under cron, a few hundred megabytes per killed run.

- **Parent-death signal** (Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)``): the forkserver is killed
  when the process that started it dies, a worker when the forkserver dies.
- **No borrowed lifelines**: a forked worker inherits the write end of the forkserver's "alive"
  pipe and the resource tracker's pipe; while any worker held them, neither helper could see its
  parent go. Workers close both (they use neither), so both helpers end at their parent's exit on
  every platform.
- **Stop signals are the parent's**: SIGTERM and SIGINT reach the whole process group (systemd's
  ``KillMode=control-group``, ``kill -TERM -PGID``, Ctrl-C). The forkserver and the workers ignore
  them: the parent finishes or abandons their work and then stops them (``pipelines.pool``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys

#: ``prctl`` option (linux/prctl.h): the signal this process gets when its parent thread exits.
PR_SET_PDEATHSIG = 1

#: Environment variables naming the pid each link expects as its parent: set by the pool in the
#: process that starts the forkserver, and by the forkserver for the workers it forks.
PARENT_ENV = "KLIPING_POOL_PARENT"
FORKSERVER_ENV = "KLIPING_POOL_FORKSERVER"

_STOP_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), signal.SIGINT) if s is not None)


def ignore_stop_signals() -> None:
    """SIGTERM and SIGINT are ignored by this process (and inherited as ignored by its children)."""
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def die_with_parent(expected_parent: int | None = None, sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent dies (Linux only).

    Returns whether it is armed. A parent that died before the call has handed this process to
    init (or a subreaper), which the kernel would never report: when the parent is no longer
    ``expected_parent``, this process exits now.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        armed = libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    if armed and expected_parent is not None and os.getppid() != expected_parent:
        os._exit(0)  # orphaned already: nobody is left to give us work
    return armed


def drop_borrowed_lifelines() -> None:
    """Close the pipes a forkserver child inherits to keep the forkserver and tracker alive.

    multiprocessing hands every forkserver child the write end of the forkserver's "alive" pipe
    and of the resource tracker's pipe (``multiprocessing.forkserver``), so either helper ends
    only once every child has. Extraction workers use neither (no semaphores, no shared memory):
    closed here, both helpers end when the process that started them does.
    """
    from multiprocessing import forkserver, resource_tracker

    server = getattr(forkserver, "_forkserver", None)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if isinstance(fd, int):
        with contextlib.suppress(OSError):
            os.close(fd)
        server._forkserver_alive_fd = None  # type: ignore[union-attr]
    tracker = getattr(resource_tracker, "_resource_tracker", None)
    fd = getattr(tracker, "_fd", None)
    if isinstance(fd, int):
        with contextlib.suppress(OSError):
            os.close(fd)
        tracker._fd = None  # type: ignore[union-attr]


def _pid_from(name: str) -> int | None:
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() else None


def forkserver_started() -> None:
    """Run in the forkserver as it starts: stop signals are the parent's, and it dies with it."""
    ignore_stop_signals()
    die_with_parent(_pid_from(PARENT_ENV))
    # Inherited by every worker it forks: their expected parent.
    os.environ[FORKSERVER_ENV] = str(os.getpid())


def worker_started() -> None:
    """Run first in each worker: stop signals are the parent's; it dies with the forkserver."""
    ignore_stop_signals()
    die_with_parent(_pid_from(FORKSERVER_ENV))
    drop_borrowed_lifelines()


__all__ = [
    "FORKSERVER_ENV",
    "PARENT_ENV",
    "die_with_parent",
    "drop_borrowed_lifelines",
    "forkserver_started",
    "ignore_stop_signals",
    "worker_started",
]
