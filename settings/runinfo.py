"""The run's identity and output location, derived from settings the same way everywhere."""

from __future__ import annotations

import os
import re
import socket
from datetime import UTC, datetime
from typing import Any, Protocol


class SettingsLike(Protocol):
    def get(self, name: str, default: Any = None) -> Any: ...


def hostname_token(hostname: str | None = None) -> str:
    """This host's name (or ``hostname``) as one token of a file name or id: every run of
    characters other than letters and digits becomes ``_``, so ``-`` stays a field separator."""
    return re.sub(r"[^A-Za-z0-9]+", "_", hostname or socket.gethostname()) or "host"


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host (one we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def workdir(settings: SettingsLike) -> str:
    """``KLIPING_WORKDIR``: the local directory of files in progress, the spool and the state."""
    return str(settings.get("KLIPING_WORKDIR") or "data")


def new_run_id(moment: datetime | None = None) -> str:
    """A run id sortable by start time and unique across hosts and processes:
    ``20260101T120000Z-<host>-1234`` (workers on several machines share one store)."""
    moment = moment or datetime.now(UTC)
    return f"{moment.strftime('%Y%m%dT%H%M%SZ')}-{hostname_token()}-{os.getpid()}"


#: A run id as :func:`new_run_id` makes it.
RUN_ID = re.compile(r"^(?P<time>\d{8}T\d{6}Z)-(?P<host>[A-Za-z0-9_]+)-(?P<pid>\d+)$")


def run_ended_here(run: str) -> bool:
    """Whether ``run`` is the id of a run of this host whose process no longer runs (its files in
    progress are leftovers). Runs of other hosts, and names that are no run id, are never ended."""
    match = RUN_ID.match(run)
    if match is None or match["host"] != hostname_token():
        return False
    pid = int(match["pid"])
    return pid != os.getpid() and not pid_alive(pid)


def run_id(settings: SettingsLike) -> str:
    """The run id set for this crawl (spiders fill ``KLIPING_RUN_ID`` in when it is empty)."""
    return str(settings.get("KLIPING_RUN_ID") or "")


def output_dir(settings: SettingsLike) -> str:
    """The output root as a local path (``file://`` stripped)."""
    out = str(settings.get("KLIPING_OUTPUT") or "data")
    return out[len("file://") :] if out.startswith("file://") else out


def is_remote(settings: SettingsLike) -> bool:
    """Whether the output root is a remote store (``s3://...``) rather than a local path."""
    out = str(settings.get("KLIPING_OUTPUT") or "data")
    return "://" in out and not out.startswith("file://")


def local_dir(settings: SettingsLike, kind: str) -> str:
    """Where files of ``kind`` (warc, text, ...) are written locally before any store takes them.

    Local output: straight into ``<output>/<kind>``. Remote output: a spool under the work
    directory, from which the store uploads them.
    """
    if is_remote(settings):
        return os.path.join(workdir(settings), "spool", kind)
    return os.path.join(output_dir(settings), kind)


def state_uri(settings: SettingsLike) -> str:
    """``KLIPING_STATE`` with ``{workdir}`` filled in (empty: no seen-article state)."""
    value = str(settings.get("KLIPING_STATE") or "")
    return value.replace("{workdir}", workdir(settings).rstrip("/"))
