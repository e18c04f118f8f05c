"""Turn ``kliping extract``'s arguments into local WARC files: paths, globs and ``s3://`` URIs.

An ``s3://bucket/key`` names one object, ``s3://bucket/prefix`` (or ``.../prefix/``) every WARC
under it; they are downloaded into a temporary directory the caller owns, through the store
class ``KLIPING_STORES_BASE`` maps ``s3`` to (:class:`archive.stores.s3.S3Store`), opened with
every ``KLIPING_S3_*`` setting (endpoint, region, addressing style, credentials, timeouts) like
the output store.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import TYPE_CHECKING

from cli.common import BadInput

if TYPE_CHECKING:
    from archive.stores import SettingsLike

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")


def fetch_s3(uri: str, dest: Path, settings: SettingsLike) -> list[Path]:
    """Download the WARC object(s) ``uri`` names into ``dest``; BadInput when there are none."""
    from archive.stores import StoreError, open_store, store_classes

    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket:
        raise BadInput(f"{uri}: no bucket in the S3 URI")
    try:
        store = open_store(f"s3://{bucket}", store_classes(settings), settings)
        found = store.list_keys(key)
        keys = [key] if key in found else [name for name in found if name.endswith(WARC_SUFFIXES)]
        if not keys:
            raise BadInput(f"{uri}: no WARC object there")
        # Keep each object's own name: records cite their WARC by file name.
        return [store.get(name, dest / f"{n:05d}" / Path(name).name) for n, name in enumerate(keys)]
    except StoreError as exc:
        raise BadInput(f"{uri}: {exc}") from exc


def check_local(patterns: list[str]) -> list[Path]:
    """The local WARCs the arguments name (``s3://`` ones skipped); BadInput for a missing one."""
    paths: list[Path] = []
    for pattern in patterns:
        if not pattern.startswith("s3://"):
            paths += _local(pattern)
    return paths


def resolve_warcs(patterns: list[str], tmpdir: Path, settings: SettingsLike) -> list[Path]:
    """Every WARC the arguments name, in the order given (a glob's matches sorted)."""
    paths: list[Path] = []
    for pattern in patterns:
        if pattern.startswith("s3://"):
            paths += fetch_s3(pattern, tmpdir / f"s3-{len(paths):05d}", settings)
        else:
            paths += _local(pattern)
    return paths


def _local(pattern: str) -> list[Path]:
    matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
    if not matches:
        raise BadInput(f"{pattern}: no file matches")
    paths: list[Path] = []
    for match in matches:
        path = Path(match)
        if path.is_dir():
            raise BadInput(f"{match}: is a directory (give WARC files or a glob)")
        if not path.is_file():
            raise BadInput(f"{match}: no such file")
        paths.append(path)
    return paths
