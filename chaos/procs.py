"""The soak's processes: each kliping run in its own session, marked through its environment so that
every process it leaves behind can be found (forkserver, workers, resource tracker included), with
signals to the main process or the whole group, bounded waits, and a sweep that ends whatever the
harness started, mounts included, even when the harness itself is interrupted."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cli.common import EXIT_HEALTH
from tests.volumes import unmount

#: Set on every process the harness starts (value: the harness's id), inherited by their children.
MARK = "KLIPING_CHAOS"
#: Set on every kliping run (value: the run's tag), inherited by its forkserver, workers and tracker.
RUN_TAG = "KLIPING_CHAOS_RUN"
#: Log lines that name a known kind of trouble (issue 19), counted per run in the report.
SIGNATURES = (
    "Traceback",
    "BrokenProcessPool",
    "Unhandled error in Deferred",
    "Cannot operate on a closed database",
    "No space left",
    "stopped: ",
    "not marked seen",
)


def poll_until(check: Callable[[], bool], bound: float, interval: float = 0.1) -> bool:
    """Poll ``check`` until it holds (True) or ``bound`` seconds pass (False)."""
    deadline = time.monotonic() + bound
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name: state, ppid, pgrp, session, ..."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _environ_has(pid: int, needle: bytes) -> bool:
    try:
        return needle in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def describe(pid: int) -> str:
    """``pid`` and its command line, shortened, for a report."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        cmd = "?"
    fields = _stat(pid)
    if fields is not None and "multiprocessing.forkserver" in cmd:
        try:
            parent = Path(f"/proc/{fields[1]}/cmdline").read_bytes()
        except OSError:
            parent = b""
        if b"multiprocessing.forkserver" in parent:
            return f"{pid} (extraction worker)"  # forked by the forkserver: its command line
    for needle, name in (
        ("multiprocessing.forkserver", "forkserver"),
        ("multiprocessing.resource_tracker", "resource tracker"),
        ("multiprocessing.spawn", "spawned worker"),
        ("-m cli ", "kliping"),
    ):
        if needle in cmd:
            return f"{pid} ({name})"
    return f"{pid} ({cmd.strip()[:60]})"


def live_processes(*, tag: tuple[str, str] | None = None, session: int | None = None) -> list[int]:
    """Live (not zombie) processes whose environment holds ``NAME=VALUE`` or in ``session``."""
    me = os.getpid()
    needle = f"{tag[0]}={tag[1]}".encode() if tag else None
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        if pid == me:
            continue
        fields = _stat(pid)
        if fields is None or fields[0] in ("Z", "X"):
            continue
        if (session is not None and int(fields[3]) == session) or (
            needle is not None and _environ_has(pid, needle)
        ):
            found.append(pid)
    return found


def kill_all(pids: list[int]) -> None:
    """SIGKILL every one of ``pids`` (SIGCONT first: a frozen process's pending work is not ours to keep)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGCONT)
            os.kill(pid, signal.SIGKILL)


@dataclass
class Run:
    """One ``kliping`` process the harness started, and what became of it."""

    scenario: str
    number: int
    #: what the harness did to it: ``complete``, ``kill -9 group @ mid-crawl``, ``SIGTERM main @ early``
    kind: str
    proc: subprocess.Popen[bytes]
    tag: str
    log: Path
    expected: frozenset[int]
    started: float = field(default_factory=time.monotonic)
    code: int | None = None
    ended: float | None = None
    signalled: float | None = None
    #: seconds from the stop signal to the end of the main process
    stop_seconds: float | None = None
    over_bound: str = ""
    orphans: list[str] = field(default_factory=list)
    note: str = ""
    _log_seen: int = 0
    _log_text: str = ""

    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc.poll() is None

    def log_text(self) -> str:
        """The run's log so far (read incrementally)."""
        try:
            with self.log.open("rb") as fh:
                fh.seek(self._log_seen)
                chunk = fh.read()
        except OSError:
            return self._log_text
        self._log_seen += len(chunk)
        self._log_text += chunk.decode("utf-8", "replace")
        return self._log_text

    def signal_main(self, sig: int) -> None:
        self.signalled = self.signalled or time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)

    def signal_group(self, sig: int) -> None:
        self.signalled = self.signalled or time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)

    def wait(self, bound: float) -> bool:
        """Wait for the main process to end, at most ``bound`` seconds; whether it ended."""
        try:
            self.proc.wait(timeout=max(bound, 0.0))
        except subprocess.TimeoutExpired:
            return False
        self._ended()
        return True

    def _ended(self) -> None:
        if self.code is None:
            self.code = self.proc.returncode
            self.ended = time.monotonic()
            if self.signalled is not None:
                self.stop_seconds = round(self.ended - self.signalled, 1)

    @property
    def seconds(self) -> float:
        return round((self.ended or time.monotonic()) - self.started, 1)

    def finished(self) -> bool:
        """Whether the run ended its crawl itself (exit 0, or 7: the run worked and only an outlet's
        health alarmed; Scrapy's ``Spider closed (finished)``)."""
        return self.code in (0, EXIT_HEALTH) and "Spider closed (finished)" in self.log_text()

    def signatures(self) -> str:
        """Known trouble in the log, counted: ``Traceback×3, BrokenProcessPool×2``."""
        text = self.log_text()
        found = [(name, text.count(name)) for name in SIGNATURES]
        return ", ".join(f"{name}×{n}" for name, n in found if n)

    def unexpected_code(self) -> bool:
        return self.code not in self.expected


@dataclass
class Processes:
    """Everything the harness started: runs, servers, mounts; :meth:`cleanup` ends them all."""

    harness_id: str
    runs: list[Run] = field(default_factory=list)
    servers: list[Callable[[], None]] = field(default_factory=list)
    mounts: list[Path] = field(default_factory=list)
    counter: int = 0

    def env(self, base: dict[str, str], tag: str | None = None) -> dict[str, str]:
        env = {**base, MARK: self.harness_id}
        if tag is not None:
            env[RUN_TAG] = tag
        return env

    def start(
        self,
        scenario: str,
        kind: str,
        argv: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        log: Path,
        expected: frozenset[int],
    ) -> Run:
        """Start ``argv`` in its own session (so it can be signalled as a group), marked."""
        self.counter += 1
        tag = f"{self.harness_id}-{self.counter}"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            proc = subprocess.Popen(
                argv,
                cwd=cwd,
                env=self.env(env, tag),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        run = Run(scenario, self.counter, kind, proc, tag, log, expected)
        self.runs.append(run)
        return run

    def survivors(self, run: Run) -> list[int]:
        """Live processes of ``run``: its marked ones and any left in its session."""
        return sorted(set(live_processes(tag=(RUN_TAG, run.tag), session=run.pid)))

    def reap(self, run: Run, grace: float) -> list[str]:
        """After ``run``'s main process ended: give its other processes ``grace`` seconds to end on
        their own; the ones still alive are orphans (recorded and killed). Returns their names."""
        run._ended()
        poll_until(lambda: not self.survivors(run), grace, 0.2)
        left = self.survivors(run)
        if left:
            run.orphans += [describe(pid) for pid in left]
            kill_all(left)
            if not poll_until(lambda: not self.survivors(run), 15, 0.1):
                run.note += " processes survived SIGKILL;"
        return run.orphans

    def kill_run(self, run: Run) -> None:
        """SIGKILL ``run``'s whole group and everything marked as its own (cleanup, not a scenario step)."""
        run.signal_group(signal.SIGCONT)
        run.signal_group(signal.SIGKILL)
        kill_all(self.survivors(run))
        run.wait(15)

    def cleanup(self) -> list[str]:
        """End every process the harness started and unmount its mounts; what it had to end."""
        ended = []
        for run in self.runs:
            if run.running():
                ended.append(f"run {run.number} ({run.kind})")
                self.kill_run(run)
        for stop in reversed(self.servers):
            with contextlib.suppress(Exception):
                stop()
        self.servers.clear()
        left = live_processes(tag=(MARK, self.harness_id))
        if left:
            ended += [describe(pid) for pid in left]
            kill_all(left)
            poll_until(lambda: not live_processes(tag=(MARK, self.harness_id)), 15)
        for path in reversed(self.mounts):
            with contextlib.suppress(Exception):
                unmount(path)
        self.mounts.clear()
        return ended
