"""The local-disk store: files under a directory, made durable with fsync and atomic renames."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from pathlib import Path

from archive.stores import SettingsLike, Store, StoreError


def fsync_dir(directory: Path) -> None:
    """Persist a directory entry (a rename or a new file) so a crash cannot undo it."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_path(path: Path) -> None:
    with open(path, "rb") as stream:
        os.fsync(stream.fileno())


def publish(tmp: Path, final: Path) -> None:
    """Atomically give the complete, fsynced file ``tmp`` its final name ``final`` (same directory)."""
    fsync_path(tmp)
    os.replace(tmp, final)
    fsync_dir(final.parent)


def temp_name(final: Path) -> Path:
    """A hidden in-progress name beside ``final``; globs for ``*.jsonl`` and the spool skip it."""
    return final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.part")


def root_path(uri: str) -> Path:
    return Path(uri[len("file://") :] if uri.startswith("file://") else uri)


class LocalStore(Store):
    """Files under a local directory (``data``, ``/srv/news`` or ``file:///srv/news``)."""

    def __init__(self, root: Path, uri: str | None = None) -> None:
        self.root = root
        self.uri = uri or str(root)

    @classmethod
    def from_settings(cls, uri: str, settings: SettingsLike) -> LocalStore:
        return cls(root_path(uri), uri)

    def destination(self, key: str) -> Path:
        return self.root / key

    def put(self, local_path: Path, key: str) -> str:
        dest = self.destination(key)
        try:
            if dest.exists() and os.path.samefile(local_path, dest):
                # Written in place (local output): only make sure it is on disk.
                fsync_path(dest)
                fsync_dir(dest.parent)
                return str(dest)
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(local_path, dest)
                fsync_path(dest)
                fsync_dir(dest.parent)
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
                tmp = temp_name(dest)
                shutil.copyfile(local_path, tmp)
                publish(tmp, dest)
                local_path.unlink()
        except OSError as exc:
            reason = exc.strerror or exc
            raise StoreError(f"{self.uri}: cannot store {local_path} as {key} ({reason})") from exc
        return str(dest)

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".kliping-probe-{uuid.uuid4().hex[:8]}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise StoreError(f"output {self.uri}: not writable ({exc.strerror or exc})") from exc


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
