"""The local spool: finished files waiting for a remote store, kept until an upload is verified.

With remote output (``s3://...``) every file is first written under ``<KLIPING_WORKDIR>/spool/``
at the path of its key (``spool/warc/x.warc.gz`` is sent as ``warc/x.warc.gz``). A file still
being written has a temporary name (``.open`` for WARCs, a hidden ``.*.part`` for text batches)
and is never sent. No Scrapy here.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from archive.stores import SettingsLike, Store, StoreError
from settings.runinfo import workdir

IN_PROGRESS_SUFFIXES = (".open", ".part", ".tmp")


def spool_root(settings: SettingsLike) -> Path:
    """``<KLIPING_WORKDIR>/spool``: the parent of ``settings.runinfo.local_dir`` for remote output."""
    return Path(workdir(settings)) / "spool"


def is_complete(path: Path) -> bool:
    return not path.name.startswith(".") and not path.name.endswith(IN_PROGRESS_SUFFIXES)


def spool_key(root: Path, path: Path) -> str:
    """The store key of a spooled file: its path under the spool root, with ``/`` separators."""
    return path.resolve().relative_to(root.resolve()).as_posix()


def spooled_files(root: Path) -> Iterator[Path]:
    """Complete files under ``root``, oldest first (so WARCs go before the batches citing them)."""
    if not root.is_dir():
        return
    found = []
    for directory, _dirs, files in os.walk(root):
        for name in files:
            path = Path(directory) / name
            if is_complete(path):
                try:
                    found.append((path.stat().st_mtime, path))
                except FileNotFoundError:
                    continue
    yield from (path for _mtime, path in sorted(found))


@dataclass
class SpoolResult:
    """What one pass over the spool did: files sent (with sizes) and one line per failure."""

    sent: list[tuple[str, int]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    #: the spool keys of the files that failed, in the order of ``failed``
    failed_keys: list[str] = field(default_factory=list)

    @property
    def bytes_sent(self) -> int:
        return sum(size for _key, size in self.sent)


def upload_spool(store: Store, root: Path) -> SpoolResult:
    """Put every complete spooled file into ``store``; files that fail stay for the next pass."""
    result = SpoolResult()
    for path in spooled_files(root):
        key = spool_key(root, path)
        try:
            size = path.stat().st_size
            store.put(path, key)
        except FileNotFoundError:
            continue  # sent meanwhile by another pass (the crawl's own uploader or `kliping upload`)
        except StoreError as exc:
            result.failed.append(str(exc))
            result.failed_keys.append(key)
            continue
        result.sent.append((key, size))
    return result


def prune_empty_dirs(root: Path) -> None:
    """Remove directories the sent files left empty (never the root itself)."""
    if not root.is_dir():
        return
    for directory, _dirs, _files in sorted(os.walk(root), key=lambda entry: -len(entry[0])):
        if Path(directory) != root:
            with contextlib.suppress(OSError):
                os.rmdir(directory)
