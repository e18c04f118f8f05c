"""Looking at a command's processes from outside, as an operator would (``ps``): Linux ``/proc``."""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def session(sid: int) -> list[int]:
    """Live processes (zombies left out) of session ``sid``: a command started with
    ``start_new_session=True`` and everything it started, orphans included."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            # fields[0] is the state, [3] the session id
            if fields and int(fields[3]) == sid and fields[0] not in ("Z", "X"):
                found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICK if fields else 0.0


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def extraction_workers(sid: int) -> list[int]:
    """The forkserver's children in the session: the extraction workers."""
    servers = {pid for pid in session(sid) if "multiprocessing.forkserver" in command_line(pid)}
    return [pid for pid in session(sid) if (f := _stat(pid)) and int(f[1]) in servers]


def describe(pids: list[int]) -> str:
    return "; ".join(f"{pid}: {command_line(pid)[:100]}" for pid in pids)
