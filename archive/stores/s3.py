"""The S3 store (AWS or any S3-compatible service) through boto3, with verified uploads.

Credentials come from boto3's own chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``
environment variables, ``AWS_PROFILE``, instance roles, ...) unless the ``KLIPING_S3_*``
credential settings are set; either way they go straight into the client constructor and are
never kept on this object or logged.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from archive.stores import SettingsLike, Store, StoreError
from archive.stores.local import remove_quietly

logger = logging.getLogger(__name__)

MIB = 1024 * 1024


def quiet_boto_logs() -> None:
    """botocore's debug log prints signed request headers; keep it out of kliping's log at any level."""
    for name in ("botocore", "boto3", "s3transfer", "urllib3"):
        log = logging.getLogger(name)
        if log.level < logging.WARNING:
            log.setLevel(logging.WARNING)


def describe_error(exc: BaseException) -> str:
    """One short reason for a failed S3 call, never quoting credentials."""
    from botocore.exceptions import (
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
        ReadTimeoutError,
    )

    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return "no usable credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)"
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        return "cannot connect to the endpoint"
    if isinstance(exc, ReadTimeoutError):
        return "the endpoint did not answer in time"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("NoSuchBucket", "404", "NotFound") or (status == 404 and not code):
            return "bucket does not exist"
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"):
            return f"credentials rejected ({code})"
        if code in ("AccessDenied", "403", "Forbidden") or status == 403:
            return "access denied (check the credentials and the bucket policy)"
        return f"{code or status}: {error.get('Message') or 'request failed'}"
    return f"{type(exc).__name__}: {exc}"


def multipart_etag(path: Path, part_size: int) -> str:
    """The ETag S3 gives an object uploaded from ``path`` in parts of ``part_size`` bytes."""
    digests = []
    with open(path, "rb") as stream:
        while chunk := stream.read(part_size):
            digests.append(hashlib.md5(chunk).digest())
    return f"{hashlib.md5(b''.join(digests)).hexdigest()}-{len(digests)}"


def md5_hex(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as stream:
        while chunk := stream.read(MIB):
            digest.update(chunk)
    return digest.hexdigest()


class S3Store(Store):
    """Objects under ``s3://bucket/prefix``.

    ``put`` uploads (in parts when large), verifies size and checksum, then deletes the local file.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        addressing_style: str = "auto",
        multipart_threshold: int = 64 * MIB,
        multipart_chunksize: int = 64 * MIB,
        max_attempts: int = 5,
        connect_timeout: float = 10,
        verify: str = "etag",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        session_token: str | None = None,
    ) -> None:
        import boto3.session
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        if verify not in ("etag", "size"):
            raise StoreError(f"KLIPING_S3_VERIFY: expected 'etag' or 'size', got {verify!r}")
        quiet_boto_logs()
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.uri = f"s3://{bucket}/{self.prefix}".rstrip("/")
        self.verify = verify
        self.multipart_threshold = multipart_threshold
        self.multipart_chunksize = multipart_chunksize
        config = Config(
            s3={"addressing_style": addressing_style},
            retries={"max_attempts": max(1, max_attempts), "mode": "standard"},
            connect_timeout=connect_timeout,
            read_timeout=max(60.0, connect_timeout),
        )
        # Credentials are handed to the client and not kept here: None lets boto3's chain decide.
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            aws_session_token=session_token or None,
            config=config,
        )
        self.transfer = TransferConfig(
            multipart_threshold=multipart_threshold, multipart_chunksize=multipart_chunksize
        )

    @classmethod
    def from_settings(cls, uri: str, settings: SettingsLike) -> S3Store:
        parts = urlsplit(uri)
        if not parts.hostname:
            raise StoreError(f"{uri}: no bucket name (expected s3://bucket/prefix)")
        if parts.username or parts.password:
            raise StoreError(
                "S3 output URI must not carry credentials; use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
            )

        def number(name: str) -> int:
            value = settings.get(name)
            try:
                return int(value)
            except (TypeError, ValueError):
                raise StoreError(f"{name}: expected a whole number, got {value!r}") from None

        return cls(
            parts.hostname,
            parts.path,
            endpoint_url=settings.get("KLIPING_S3_ENDPOINT_URL") or None,
            region=settings.get("KLIPING_S3_REGION") or None,
            addressing_style=str(settings.get("KLIPING_S3_ADDRESSING_STYLE") or "auto"),
            multipart_threshold=number("KLIPING_S3_MULTIPART_THRESHOLD"),
            multipart_chunksize=number("KLIPING_S3_MULTIPART_CHUNKSIZE"),
            max_attempts=number("KLIPING_S3_MAX_ATTEMPTS"),
            connect_timeout=float(settings.get("KLIPING_S3_CONNECT_TIMEOUT") or 10),
            verify=str(settings.get("KLIPING_S3_VERIFY") or "etag"),
            access_key_id=settings.get("KLIPING_S3_ACCESS_KEY_ID") or None,
            secret_access_key=settings.get("KLIPING_S3_SECRET_ACCESS_KEY") or None,
            session_token=settings.get("KLIPING_S3_SESSION_TOKEN") or None,
        )

    @property
    def is_remote(self) -> bool:
        return True

    @property
    def endpoint(self) -> str:
        return str(self.client.meta.endpoint_url)

    def where(self) -> str:
        """Endpoint and bucket, the way every message names this store."""
        return f"S3 endpoint {self.endpoint} bucket {self.bucket!r}"

    def object_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def expected_etag(self, path: Path, size: int) -> str:
        from s3transfer.utils import ChunksizeAdjuster

        if size < self.multipart_threshold:
            return md5_hex(path)
        part = ChunksizeAdjuster().adjust_chunksize(self.multipart_chunksize, size)
        return multipart_etag(path, part)

    def verified(self, path: Path, object_key: str, size: int) -> str | None:
        """None when the object matches the local file, else what differs."""
        head = self.client.head_object(Bucket=self.bucket, Key=object_key)
        if int(head["ContentLength"]) != size:
            return f"size {head['ContentLength']} != local {size}"
        if self.verify == "etag":
            etag = str(head.get("ETag", "")).strip('"')
            expected = self.expected_etag(path, size)
            if etag != expected:
                return f"ETag {etag} != local {expected}"
        return None

    def put(self, local_path: Path, key: str) -> str:
        object_key = self.object_key(key)
        destination = f"s3://{self.bucket}/{object_key}"
        try:
            size = local_path.stat().st_size
        except OSError as exc:
            raise StoreError(f"{local_path}: cannot read ({exc.strerror or exc})") from exc
        problem = "not attempted"
        # botocore retries each request with backoff; this loop re-uploads a file that arrived damaged.
        for _attempt in range(2):
            try:
                self.client.upload_file(str(local_path), self.bucket, object_key, Config=self.transfer)
                problem = self.verified(local_path, object_key, size) or ""
            except Exception as exc:
                if not local_path.exists():
                    raise FileNotFoundError(local_path) from exc  # another pass sent it meanwhile
                raise StoreError(
                    f"{self.where()}: upload of {local_path.name} failed: {describe_error(exc)}"
                ) from exc
            if not problem:
                remove_quietly(local_path)
                return destination
            logger.warning("%s: %s did not verify (%s); uploading again", self.where(), destination, problem)
        raise StoreError(f"{self.where()}: {destination} did not verify after upload ({problem})")

    def list_keys(self, prefix: str = "") -> list[str]:
        base = self.object_key("")
        try:
            keys = [
                str(obj["Key"])[len(base) :]
                for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=self.object_key(prefix)
                )
                for obj in page.get("Contents", [])
            ]
        except Exception as exc:
            raise StoreError(f"{self.where()}: {describe_error(exc)}") from exc
        return sorted(keys)

    def get(self, key: str, local_path: Path) -> Path:
        local_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.client.download_file(self.bucket, self.object_key(key), str(local_path))
        except Exception as exc:
            raise StoreError(f"{self.where()}: download of {key} failed: {describe_error(exc)}") from exc
        return local_path

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
            probe = self.object_key(f".kliping-probe-{uuid.uuid4().hex}")
            self.client.put_object(Bucket=self.bucket, Key=probe, Body=b"")
            self.client.delete_object(Bucket=self.bucket, Key=probe)
        except Exception as exc:
            raise StoreError(f"{self.where()}: {describe_error(exc)}") from exc


__all__ = ["S3Store", "describe_error", "multipart_etag"]
