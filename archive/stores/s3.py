"""The S3 store (AWS or any S3-compatible service) through boto3, with verified uploads.

Credentials come from boto3's own chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``
environment variables, ``AWS_PROFILE``, instance roles, ...) unless the ``KLIPING_S3_*``
credential settings are set; either way they go straight into the client constructor and are
never kept on this object or logged.

Every call is bounded: each request by ``KLIPING_S3_CONNECT_TIMEOUT`` and
``KLIPING_S3_READ_TIMEOUT`` (times ``KLIPING_S3_MAX_ATTEMPTS``), each file's whole upload by
``KLIPING_S3_FILE_TIMEOUT`` (plus a second per MiB), the start-up check by
``KLIPING_S3_CHECK_TIMEOUT``. An endpoint that accepts connections and never answers (hung,
frozen, partitioned) is an error within those bounds, the file stays in the spool, and for
:data:`STALL_PAUSE` seconds the uploads after it fail at once instead of each waiting its bound
again. A call past its bound runs on in a daemon thread until botocore's own timeouts end it; it
never holds up the caller, nor the process's exit (which is why uploads use no transfer threads).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from archive.stores import SettingsLike, Store, StoreError
from archive.stores.local import remove_quietly
from monitor.waits import waiting

_T = TypeVar("_T")

logger = logging.getLogger(__name__)

MIB = 1024 * 1024

#: Seconds after a call timed out during which uploads fail at once (the endpoint is taken as hung).
STALL_PAUSE = 60.0


class StoreTimeout(StoreError):
    """An S3 call that did not finish within its bound (the endpoint is hung or far too slow)."""


def run_within(
    seconds: float, what: str, func: Callable[[], _T], *, stop_at: Callable[[], float] | None = None
) -> _T:
    """``func()`` in a daemon thread, waited on for at most ``seconds`` (0: no bound), and never
    past the monotonic time ``stop_at()`` gives (read as it waits: a stop may bring it closer).

    Raises :class:`StoreTimeout` when it takes longer (the thread is left to botocore's timeouts),
    else returns its result or raises its exception.
    """
    outcome: list[Any] = []
    done = threading.Event()

    def call() -> None:
        try:
            outcome.append((True, func()))
        except BaseException as exc:
            outcome.append((False, exc))
        finally:
            done.set()

    started = time.monotonic()
    threading.Thread(target=call, name=f"s3: {what}", daemon=True).start()
    while not done.wait(0.25):
        now = time.monotonic()
        if seconds > 0 and now - started > seconds:
            raise StoreTimeout(f"{what} did not finish within {seconds:.0f} s")
        if stop_at is not None and now > stop_at():
            raise StoreTimeout(f"{what} did not finish before the run had to stop")
    ok, value = outcome[0]
    if ok:
        return cast(_T, value)
    raise value


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
    if isinstance(exc, StoreTimeout):
        return f"the endpoint did not answer: {exc}"
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
        read_timeout: float = 30,
        file_timeout: float = 300,
        check_timeout: float = 30,
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
        self.file_timeout = file_timeout
        self.check_timeout = check_timeout
        #: Once the run stops (:meth:`limit_waits`): when, and how long each upload may then take.
        self.stopping: tuple[float, float] | None = None
        #: Until when (monotonic) uploads fail at once: a call timed out just before.
        self.stalled_until = 0.0
        config = Config(
            s3={"addressing_style": addressing_style},
            retries={"max_attempts": max(1, max_attempts), "mode": "standard"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            tcp_keepalive=True,
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
        # No transfer threads: s3transfer's pool threads are joined at interpreter exit, so one
        # blocked on a hung endpoint would hold the process's exit. The parts of a multipart upload
        # go one after another, in the daemon thread of :func:`run_within`.
        self.transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=multipart_chunksize,
            use_threads=False,
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

        def seconds(name: str, default: float) -> float:
            value = settings.get(name)
            if value in (None, ""):
                return default
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                raise StoreError(f"{name}: expected a number of seconds, got {value!r}") from None

        return cls(
            parts.hostname,
            parts.path,
            endpoint_url=settings.get("KLIPING_S3_ENDPOINT_URL") or None,
            region=settings.get("KLIPING_S3_REGION") or None,
            addressing_style=str(settings.get("KLIPING_S3_ADDRESSING_STYLE") or "auto"),
            multipart_threshold=number("KLIPING_S3_MULTIPART_THRESHOLD"),
            multipart_chunksize=number("KLIPING_S3_MULTIPART_CHUNKSIZE"),
            max_attempts=number("KLIPING_S3_MAX_ATTEMPTS"),
            connect_timeout=seconds("KLIPING_S3_CONNECT_TIMEOUT", 10) or 10,
            read_timeout=seconds("KLIPING_S3_READ_TIMEOUT", 30) or 30,
            file_timeout=seconds("KLIPING_S3_FILE_TIMEOUT", 300),
            check_timeout=seconds("KLIPING_S3_CHECK_TIMEOUT", 30),
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

    def limit_waits(self, seconds: float | None) -> None:
        """The run is stopping: each upload, running or to come, may take ``seconds`` more at most."""
        self.stopping = None if seconds is None else (time.monotonic(), seconds)

    def _give_up_at(self, started: float) -> float:
        if self.stopping is None:
            return float("inf")
        stopped, seconds = self.stopping
        return max(started, stopped) + seconds

    def file_deadline(self, size: int) -> float:
        """Seconds one file's upload may take: ``KLIPING_S3_FILE_TIMEOUT`` plus one per MiB."""
        return self.file_timeout + size / MIB if self.file_timeout > 0 else 0.0

    def _stalled(self, exc: BaseException) -> None:
        from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

        if isinstance(exc, StoreTimeout | ConnectTimeoutError | ReadTimeoutError | EndpointConnectionError):
            self.stalled_until = time.monotonic() + STALL_PAUSE

    def put(self, local_path: Path, key: str) -> str:
        started = time.monotonic()
        if started < self.stalled_until:
            raise StoreError(
                f"{self.where()}: upload of {local_path.name} not tried: the endpoint did not answer "
                f"a moment ago (tried again after {STALL_PAUSE:.0f} s)"
            )
        try:
            size = local_path.stat().st_size
        except OSError as exc:
            raise StoreError(f"{local_path}: cannot read ({exc.strerror or exc})") from exc
        what = f"S3 upload of {local_path.name}"
        try:
            with waiting(what):
                return run_within(
                    self.file_deadline(size),
                    what,
                    lambda: self._put(local_path, key, size),
                    stop_at=lambda: self._give_up_at(started),
                )
        except StoreTimeout as exc:
            self._stalled(exc)
            bound = "KLIPING_SHUTDOWN_TIMEOUT" if self.stopping else "KLIPING_S3_FILE_TIMEOUT"
            raise StoreError(
                f"{self.where()}: upload of {local_path.name} failed: {describe_error(exc)} ({bound})"
            ) from exc

    def _put(self, local_path: Path, key: str, size: int) -> str:
        object_key = self.object_key(key)
        destination = f"s3://{self.bucket}/{object_key}"
        problem = "not attempted"
        # botocore retries each request with backoff; this loop re-uploads a file that arrived damaged.
        for _attempt in range(2):
            try:
                self.client.upload_file(str(local_path), self.bucket, object_key, Config=self.transfer)
                problem = self.verified(local_path, object_key, size) or ""
            except Exception as exc:
                if not local_path.exists():
                    raise FileNotFoundError(local_path) from exc  # another pass sent it meanwhile
                self._stalled(exc)
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
        def probe() -> None:
            self.client.head_bucket(Bucket=self.bucket)
            name = self.object_key(f".kliping-probe-{uuid.uuid4().hex}")
            self.client.put_object(Bucket=self.bucket, Key=name, Body=b"")
            self.client.delete_object(Bucket=self.bucket, Key=name)

        try:
            with waiting("S3 store check"):
                run_within(self.check_timeout, "the store check", probe)
        except StoreTimeout as exc:
            raise StoreError(f"{self.where()}: {describe_error(exc)} (KLIPING_S3_CHECK_TIMEOUT)") from exc
        except Exception as exc:
            raise StoreError(f"{self.where()}: {describe_error(exc)}") from exc


__all__ = ["S3Store", "StoreTimeout", "describe_error", "multipart_etag", "run_within"]
