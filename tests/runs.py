"""Runs of the real ``kliping`` command in the background, for tests that act while a run is going
(kill it, start a second one beside it)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path


def start(cwd: Path, *args: str, log: Path | None = None) -> subprocess.Popen[str]:
    """``kliping ARGS`` in ``cwd``, in its own process group, its stderr appended to ``log``."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    stderr = open(log or os.devnull, "a")  # noqa: SIM115 - the child holds it
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "cli", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
            start_new_session=True,
        )
    finally:
        stderr.close()


def kill_9(proc: subprocess.Popen[str]) -> None:
    """SIGKILL the run's whole process group (its extraction workers too), as a power cut would."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
