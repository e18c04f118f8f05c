"""The extraction worker pool, shared by the crawl and ``kliping extract``, and what it runs.

Each task (one story) gets a hard budget: ``KLIPING_EXTRACT_TIMEOUT`` seconds of CPU per page
(read from ``/proc``; elsewhere, and as a backstop for a worker that makes no progress at all,
:data:`WALL_FACTOR` times as long by the clock) and ``KLIPING_EXTRACT_MAX_MEMORY`` bytes of
resident memory (read from ``/proc``, and an address-space limit in the worker as a backstop
for a sudden spike). A task over budget is abandoned: its worker is killed and replaced, and the
task fails with :class:`TaskTimeout` or :class:`TaskOverMemory`; a worker that dies under a
task fails it with :class:`WorkerLost`. Nothing else in the pool is touched, which
``concurrent.futures.ProcessPoolExecutor`` cannot do (one dead worker breaks its whole pool).

Workers end with their parent and ignore stop signals, which are the parent's to handle
(:mod:`pipelines.lifeline`): after a ``kill -9`` of the crawl nothing of the pool lives on, and
a SIGTERM to the whole process group stops the crawl gracefully instead of breaking the pool.

This module is light on purpose: the crawl's process imports it, and must not import the
extraction stack (Trafilatura, lxml, jusText, CLD2: memory it never uses). Workers are forked
by a forkserver that has imported and warmed that stack once (:mod:`pipelines.preload`), so its
big read-only parts (the jusText stoplists, compiled code) are shared copy-on-write by every
worker instead of built again in each.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
import traceback
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import TracebackType
from typing import Any

from pipelines import lifeline

logger = logging.getLogger(__name__)

#: The prefix of the settings ``extract.ExtractOptions`` reads (the workers build it from them).
EXTRACT_PREFIX = "KLIPING_EXTRACT_"

#: What the forkserver imports (and so warms) before it forks the first worker.
PRELOAD = ["pipelines.preload"]

#: A task is abandoned after this many times its CPU budget by the clock, whatever its CPU:
#: a worker that makes no progress (stopped, starved, blocked) is no better than a busy one.
WALL_FACTOR = 5.0

#: Seconds between the checks of busy workers' CPU time and memory.
POLL_SECONDS = 0.2

#: Seconds a worker asked to exit may take before it is killed.
EXIT_GRACE = 5.0

BROKEN_MESSAGE = "extraction workers die as they start"

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = resource.getpagesize()


def extract_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The ``KLIPING_EXTRACT_*`` settings as a plain, picklable dict."""
    return {k: v for k, v in settings.items() if k.startswith(EXTRACT_PREFIX)}


# ----------------------------------------------------------------------------- failures


class TaskFailed(Exception):
    """A task gave no result; ``kind`` names why (the stats key suffix: ``extract_<kind>``)."""

    kind = "failed"


class TaskTimeout(TaskFailed):
    """The task used up its CPU (or clock) budget; its worker was killed and replaced."""

    kind = "timeout"


class TaskOverMemory(TaskFailed):
    """The task's worker went over its memory budget; it was killed (or failed) and replaced."""

    kind = "memory"


class WorkerLost(TaskFailed):
    """The worker died under the task (a crash, a signal, the OOM killer); it was replaced."""

    kind = "crashed"


class TaskError(TaskFailed):
    """The task raised in the worker; the message carries the remote exception and traceback."""

    kind = "error"


class PoolClosed(TaskFailed):
    """The pool was closed (or abandoned its work at a stop deadline) before the task ran to its end."""

    kind = "abandoned"


@dataclass(frozen=True)
class Budget:
    """What one task may use: ``cpu_seconds`` of CPU (0: no limit), ``max_memory`` bytes of
    resident memory in its worker (0: no limit)."""

    cpu_seconds: float = 20.0
    max_memory: int = 0

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Budget:
        return cls(
            cpu_seconds=max(0.0, float(settings.get("KLIPING_EXTRACT_TIMEOUT") or 0)),
            max_memory=max(0, int(settings.get("KLIPING_EXTRACT_MAX_MEMORY") or 0)),
        )


# ----------------------------------------------------------------------------- /proc readings


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a live process, None where ``/proc`` cannot tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK


def resident_bytes(pid: int) -> int | None:
    """Resident set size of a live process, None where ``/proc`` cannot tell."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return None


def _address_space() -> int | None:
    try:
        return int(Path("/proc/self/statm").read_text().split()[0]) * _PAGE
    except (OSError, IndexError, ValueError):
        return None


# ----------------------------------------------------------------------------- the pool


@dataclass
class _Task:
    id: int
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    cpu_budget: float
    future: Future[Any]


@dataclass
class _Worker:
    process: Any  # multiprocessing's forkserver Process
    conn: Connection
    task: _Task | None = None
    started: float = 0.0  # monotonic time the task was sent
    cpu_at_start: float | None = None
    killed_for: type[TaskFailed] | None = None
    done: int = 0  # tasks finished by this worker

    @property
    def pid(self) -> int:
        return int(self.process.pid)


@dataclass
class _State:
    pending: deque[_Task] = field(default_factory=deque)
    workers: list[_Worker] = field(default_factory=list)
    closing: bool = False
    broken: bool = False
    #: Deaths of workers that had finished no task in a row: a pool whose workers cannot start
    #: (a broken install) fails its tasks instead of forking forever.
    barren_deaths: int = 0


_live_pools: weakref.WeakSet[ExtractionPool] = weakref.WeakSet()


@atexit.register
def _kill_leftover_workers() -> None:
    # Runs before multiprocessing's own exit handler (registered earlier, so run later), which
    # would SIGTERM daemonic children (ignored by ours) and then join them without a bound.
    for pool in list(_live_pools):
        pool.terminate()


class ExtractionPool(Executor):
    """``workers`` processes forked from a warmed forkserver, each task under a :class:`Budget`.

    Use :meth:`submit_task` (or :meth:`submit`, for ``loop.run_in_executor``): the future gets the
    task's result, or a :class:`TaskFailed`. :meth:`shutdown` lets the tasks given finish (each
    within its budget) and the workers exit; :meth:`terminate` kills them now; :meth:`abandon`
    fails every unfinished task and replaces busy workers, leaving the pool usable.
    """

    def __init__(
        self,
        workers: int,
        *,
        settings: Mapping[str, Any] | None = None,
        options: Any = None,
        budget: Budget | None = None,
        poll: float = POLL_SECONDS,
    ) -> None:
        if (settings is None) == (options is None):
            raise ValueError("ExtractionPool: give settings or options")
        self.size = max(1, workers)
        self.budget = budget or Budget()
        self.poll = poll
        self._initargs = (extract_settings(settings) if settings is not None else None, options)
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)
        # Read by the forkserver when it starts (pipelines.lifeline): its parent is this process.
        os.environ[lifeline.PARENT_ENV] = str(os.getpid())
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._state = _State()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        # The first workers start in the caller's thread: the forkserver is tied to the thread
        # that starts it (its parent-death signal), and the caller's thread outlives the pool.
        for _ in range(self.size):
            self._state.workers.append(self._spawn())
        self._manager = threading.Thread(target=self._manage, name="extraction-pool", daemon=True)
        self._manager.start()
        _live_pools.add(self)

    # --- the caller's side --------------------------------------------------------------------

    def submit_task(
        self, fn: Callable[..., Any], args: tuple[Any, ...] = (), *, budget_scale: float = 1.0, **kwargs: Any
    ) -> Future[Any]:
        """Run ``fn(*args, **kwargs)`` in a worker, within ``budget_scale`` times the CPU budget."""
        future: Future[Any] = Future()
        task = _Task(next(self._ids), fn, args, kwargs, self.budget.cpu_seconds * budget_scale, future)
        with self._lock:
            if self._state.closing:
                raise RuntimeError("cannot submit to a closed extraction pool")
            if self._state.broken:
                _fail(task, WorkerLost(BROKEN_MESSAGE))
                return future
            self._state.pending.append(task)
        self._wake()
        return future

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self.submit_task(fn, args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking tasks; ``cancel_futures``: abandon what has not finished. ``wait``: until
        the workers have exited (the tasks left finish first, each within its budget)."""
        with self._lock:
            self._state.closing = True
        if cancel_futures:
            self.abandon()
        self._wake()
        if wait and self._manager.is_alive() and threading.current_thread() is not self._manager:
            self._manager.join()

    def terminate(self) -> None:
        """Kill every worker now; unfinished tasks fail with :class:`PoolClosed`."""
        with self._lock:
            self._state.closing = True
            workers = list(self._state.workers)
            failed = list(self._state.pending) + [w.task for w in workers if w.task is not None]
            self._state.pending.clear()
            for worker in workers:
                worker.task = None
        for worker in workers:
            _kill(worker)
        for task in failed:
            _fail(task, PoolClosed("the extraction pool was closed"))
        self._wake()
        if self._manager.is_alive() and threading.current_thread() is not self._manager:
            self._manager.join(EXIT_GRACE * 2)

    def abandon(self) -> int:
        """Fail every task not finished (queued or running) with :class:`PoolClosed`, replacing
        the busy workers; returns how many. The pool stays usable."""
        with self._lock:
            failed = list(self._state.pending)
            self._state.pending.clear()
            for worker in self._state.workers:
                if worker.task is not None:
                    failed.append(worker.task)
                    worker.task = None
                    worker.killed_for = PoolClosed
                    _kill(worker)
        for task in failed:
            _fail(task, PoolClosed("abandoned: the run is stopping"))
        self._wake()
        return len(failed)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> bool | None:
        if kind is None:
            self.shutdown(wait=True)
        else:
            self.terminate()  # an error or an interrupt: nothing left to wait for
        return None

    @property
    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and monitoring)."""
        with self._lock:
            return [w.pid for w in self._state.workers if w.process.pid is not None]

    # --- the manager thread -------------------------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self._wake_w, b"x")

    def _spawn(self) -> _Worker:
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=serve,
            args=(theirs, *self._initargs, self.budget.max_memory),
            name="kliping-extract",
            daemon=True,
        )
        process.start()
        theirs.close()  # the worker's end lives in the worker only: its EOF tells us it died
        return _Worker(process, ours)

    def _manage(self) -> None:
        try:
            while self._step():
                pass
        except Exception:  # never leave callers waiting on a dead manager
            logger.exception("extraction pool manager failed")
            self.terminate()
        finally:
            self._stop_workers()
            for fd in (self._wake_r, self._wake_w):
                with contextlib.suppress(OSError):
                    os.close(fd)
            _live_pools.discard(self)

    def _step(self) -> bool:
        """One round: hand out tasks, wait for results or deaths, enforce budgets. False: done."""
        with self._lock:
            state = self._state
            self._dispatch()
            for worker in [w for w in state.workers if w.conn.closed]:
                self._buried(worker)  # it would not take its task
            busy = [w for w in state.workers if w.task is not None]
            if state.closing and not state.pending and not busy:
                return False
            watched: list[Any] = [self._wake_r]
            for worker in state.workers:
                watched += [worker.conn, worker.process.sentinel]
        ready = wait(watched, self.poll if busy or state.pending else None)
        if self._wake_r in ready:
            with contextlib.suppress(BlockingIOError, OSError):
                os.read(self._wake_r, 4096)
        with self._lock:
            for worker in list(self._state.workers):
                if worker.conn in ready:
                    self._receive(worker)
                if worker.process.sentinel in ready or worker.conn.closed:
                    self._buried(worker)
            if self._state.broken:
                return False
            self._enforce_budgets()
        return True

    def _dispatch(self) -> None:
        state = self._state
        for worker in state.workers:
            if not state.pending:
                return
            if worker.task is not None or worker.conn.closed or worker.killed_for is not None:
                continue
            task = state.pending.popleft()
            if not task.future.set_running_or_notify_cancel():
                continue
            worker.task = task
            worker.started = time.monotonic()
            worker.cpu_at_start = cpu_seconds(worker.pid)
            try:
                worker.conn.send((task.id, task.fn, task.args, task.kwargs))
            except (OSError, ValueError) as exc:  # the worker is gone; its sentinel tells the rest
                logger.debug("extraction worker %d did not take a task: %s", worker.pid, exc)
                worker.conn.close()

    def _receive(self, worker: _Worker) -> None:
        try:
            task_id, status, value = worker.conn.recv()
        except (EOFError, OSError):
            worker.conn.close()  # died; buried below
            return
        except Exception as exc:  # a result that does not unpickle here
            task_id, status, value = (
                worker.task.id if worker.task else -1,
                "error",
                f"unreadable result: {type(exc).__name__}: {exc}",
            )
        task = worker.task
        if task is None or task.id != task_id:
            return  # a result of a task abandoned meanwhile
        worker.task = None
        worker.done += 1
        self._state.barren_deaths = 0
        if status == "ok":
            _settle(task, value)
        elif status == "memory":
            worker.killed_for = TaskOverMemory  # it exits after a MemoryError; replaced when it has
            _fail(task, TaskOverMemory(f"over the memory budget ({_mib(self.budget.max_memory)}): {value}"))
        else:
            _fail(task, TaskError(value))

    def _buried(self, worker: _Worker) -> None:
        """``worker`` has died (or been killed): fail its task, start its replacement."""
        state = self._state
        worker.process.join(EXIT_GRACE)
        if worker.process.exitcode is None:
            _kill(worker)
            worker.process.join(EXIT_GRACE)
        worker.conn.close()
        state.workers.remove(worker)
        task, worker.task = worker.task, None
        if task is not None:
            if worker.killed_for is TaskTimeout:
                error: TaskFailed = TaskTimeout(
                    f"abandoned after {task.cpu_budget:g} s of CPU (KLIPING_EXTRACT_TIMEOUT)"
                )
            elif worker.killed_for is TaskOverMemory:
                error = TaskOverMemory(f"over {_mib(self.budget.max_memory)} (KLIPING_EXTRACT_MAX_MEMORY)")
            else:
                error = WorkerLost(f"the extraction worker died ({_exit_reason(worker.process.exitcode)})")
            _fail(task, error)
        if worker.done == 0 and worker.killed_for is None:
            state.barren_deaths += 1
        if state.closing and not state.pending:
            return
        if state.barren_deaths > 3 * self.size:
            # Workers die as they start (a broken install): fail the work rather than fork forever.
            state.broken = True
            broken, state.pending = list(state.pending), deque()
            for pending in broken:
                _fail(pending, WorkerLost(BROKEN_MESSAGE))
            logger.error("%s; the tasks given to it fail", BROKEN_MESSAGE)
            return
        try:
            state.workers.append(self._spawn())
        except Exception as exc:
            state.barren_deaths += 1
            logger.error("cannot start an extraction worker: %s: %s", type(exc).__name__, exc)

    def _enforce_budgets(self) -> None:
        now = time.monotonic()
        for worker in self._state.workers:
            task = worker.task
            if task is None or worker.killed_for is not None:
                continue
            if task.cpu_budget > 0:
                used = cpu_seconds(worker.pid)
                over_cpu = (
                    used is not None
                    and worker.cpu_at_start is not None
                    and used - worker.cpu_at_start > task.cpu_budget
                )
                if over_cpu or now - worker.started > task.cpu_budget * WALL_FACTOR:
                    worker.killed_for = TaskTimeout
                    _kill(worker)
                    continue
            if self.budget.max_memory:
                rss = resident_bytes(worker.pid)
                if rss is not None and rss > self.budget.max_memory:
                    worker.killed_for = TaskOverMemory
                    _kill(worker)

    def _stop_workers(self) -> None:
        with self._lock:
            workers = list(self._state.workers)
            self._state.workers.clear()
        for worker in workers:
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)
        deadline = time.monotonic() + EXIT_GRACE
        for worker in workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.exitcode is None:
                _kill(worker)
                worker.process.join(EXIT_GRACE)
            worker.conn.close()
            if worker.task is not None:
                _fail(worker.task, PoolClosed("the extraction pool was closed"))


def _kill(worker: _Worker) -> None:
    with contextlib.suppress(ProcessLookupError, TypeError, OSError):
        os.kill(worker.pid, signal.SIGKILL)


def _settle(task: _Task, value: Any) -> None:
    with contextlib.suppress(Exception):  # a future cancelled or settled meanwhile
        task.future.set_result(value)


def _fail(task: _Task, error: TaskFailed) -> None:
    with contextlib.suppress(Exception):
        task.future.set_exception(error)


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.0f} MiB"


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def extraction_pool(
    workers: int,
    *,
    settings: Mapping[str, Any] | None = None,
    options: Any = None,
    budget: Budget | None = None,
) -> ExtractionPool:
    """``workers`` processes forked from a warmed forkserver, for :func:`run_story` tasks.

    Each worker gets its ``extract.ExtractOptions`` once, at start: ``options`` as given, or
    built from ``settings`` (the ``KLIPING_EXTRACT_*`` ones: the crawl's process never builds
    them, as that imports Trafilatura). The budget is ``budget``, else read from ``settings``
    (``KLIPING_EXTRACT_TIMEOUT``, ``KLIPING_EXTRACT_MAX_MEMORY``). A forkserver rather than a
    plain fork: forking a Twisted process would copy its threads and sockets into the workers.
    The forkserver is one per process; when something else already started it, its preload is
    what it is and workers warm up on first use.
    """
    if budget is None:
        budget = Budget.from_settings(settings) if settings is not None else Budget()
    return ExtractionPool(workers, settings=settings, options=options, budget=budget)


# ----------------------------------------------------------------------------- in the workers
# These functions import pipelines.worker when they run, in the worker: the forkserver preloaded
# it, so this costs a dict lookup, and the parent that only names these functions never imports it.


def serve(conn: Connection, settings: dict[str, Any] | None, options: Any, max_memory: int) -> None:
    """A worker's life: tasks from ``conn`` until the parent says stop or is gone."""
    lifeline.worker_started()
    if max_memory:
        _cap_address_space(max_memory)
    init_worker(settings, options)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if message is None:
            return
        task_id, fn, args, kwargs = message
        try:
            reply: tuple[int, str, Any] = (task_id, "ok", fn(*args, **kwargs))
        except MemoryError:
            # Allocations failed at the address-space cap: report, then leave (the heap may be in
            # a poor state), and the parent starts a fresh worker.
            with contextlib.suppress(Exception):
                conn.send((task_id, "memory", "an allocation failed"))
            return
        except Exception as exc:
            reply = (task_id, "error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception as exc:  # a result that does not pickle
            conn.send((task_id, "error", f"unsendable result: {type(exc).__name__}: {exc}"))


def _cap_address_space(max_memory: int) -> None:
    """Cap this worker's address space at its size now plus ``max_memory``: an allocation past it
    fails (MemoryError) at once, where the parent's resident-size check comes a moment later."""
    now = _address_space()
    if now is None:
        return
    with contextlib.suppress(ValueError, OSError):
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = now + max_memory
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def init_worker(settings: dict[str, Any] | None, options: Any = None) -> None:
    """Set this worker's options (and ignore Ctrl-C/SIGTERM: the parent's to handle)."""
    from pipelines import worker

    worker.init_worker(settings, options)


def run_story(
    pages: list[dict[str, Any]], hints: dict[str, Any], run_id: str, url: str | None = None
) -> dict[str, Any] | None:
    """:func:`pipelines.worker.build_record` with this worker's options."""
    from pipelines import worker

    return worker.build_record(pages, hints, worker.worker_options(), run_id, url)
