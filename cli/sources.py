"""Turn ``kliping extract``'s arguments into local WARC files: paths, globs and ``s3://`` URIs.

An ``s3://bucket/key`` names one object, ``s3://bucket/prefix`` (or ``.../prefix/``) every WARC
under it; they are downloaded into a temporary directory the caller owns. The endpoint is
``KLIPING_S3_ENDPOINT_URL`` (empty: AWS, or boto3's ``AWS_ENDPOINT_URL``); credentials come
from boto3's usual chain.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

from cli.common import BadInput

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")


def _s3_client(endpoint_url: str | None) -> Any:
    import boto3

    return boto3.client("s3", endpoint_url=endpoint_url or None)


def fetch_s3(uri: str, dest: Path, endpoint_url: str | None = None) -> list[Path]:
    """Download the WARC object(s) ``uri`` names into ``dest``; BadInput when there are none."""
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket:
        raise BadInput(f"{uri}: no bucket in the S3 URI")
    client = _s3_client(endpoint_url)
    try:
        keys: list[str] = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
            for obj in page.get("Contents", []):
                name = obj["Key"]
                if name == key or name.endswith(WARC_SUFFIXES):
                    keys.append(name)
        if key in keys:
            keys = [key]
        if not keys:
            raise BadInput(f"{uri}: no WARC object there")
        out = []
        for number, name in enumerate(sorted(keys)):
            # Keep the object's own name: records cite their WARC by file name.
            target = dest / f"{number:05d}" / Path(name).name
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, name, str(target))
            out.append(target)
        return out
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        reason = "no such bucket" if code == "NoSuchBucket" else f"S3 error {code}"
        raise BadInput(f"{uri}: {reason}") from exc
    except BotoCoreError as exc:
        raise BadInput(f"{uri}: cannot reach S3 ({exc})") from exc


def check_local(patterns: list[str]) -> list[Path]:
    """The local WARCs the arguments name (``s3://`` ones skipped); BadInput for a missing one."""
    paths: list[Path] = []
    for pattern in patterns:
        if not pattern.startswith("s3://"):
            paths += _local(pattern)
    return paths


def resolve_warcs(patterns: list[str], tmpdir: Path, endpoint_url: str | None = None) -> list[Path]:
    """Every WARC the arguments name, in the order given (a glob's matches sorted)."""
    paths: list[Path] = []
    for pattern in patterns:
        if pattern.startswith("s3://"):
            paths += fetch_s3(pattern, tmpdir / f"s3-{len(paths):05d}", endpoint_url)
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
