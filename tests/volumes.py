"""Small volumes for the disk-full tests and the chaos soak: a tmpfs mounted for a while (needs root),
so that ENOSPC is real, not simulated."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class MountError(RuntimeError):
    """The tmpfs could not be mounted (not root, no mount program); ``str()`` says why."""


def mount_tmpfs(path: Path, size: str) -> None:
    """Mount a tmpfs of ``size`` (``2m``, ``64m``) on ``path`` (created if missing)."""
    path.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MountError(str(exc)) from None
    if done.returncode != 0:
        raise MountError(done.stderr.decode(errors="replace").strip() or f"mount exited {done.returncode}")


def unmount(path: Path) -> bool:
    """Unmount ``path`` (lazily when busy, so a leftover process cannot keep it); whether it was mounted."""
    if not path.is_mount():
        return False
    done = subprocess.run(["umount", str(path)], capture_output=True, timeout=30)
    if done.returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)
    return True


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` on ``path`` for the block; unmounted after it, whatever happens."""
    mount_tmpfs(path, size)
    try:
        yield path
    finally:
        unmount(path)
