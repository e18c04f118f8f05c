"""A real S3 endpoint for the tests: moto's server in a subprocess on 127.0.0.1, spoken to over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.polling import listening, wait_until
from tests.servers import free_port

__all__ = ["MotoServer", "cli_settings", "free_port", "moto_server", "s3_environment", "store_settings"]

#: Fake credentials for the moto server; the secret is distinctive so tests can look for leaks.
ACCESS_KEY = "AKIAKLIPINGTEST00001"
SECRET_KEY = "kliping-test-secret-9f3c1e7a5b"


def s3_environment() -> dict[str, str]:
    """boto3's chain limited to these variables: no config files, no instance metadata lookups."""
    return {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


class MotoServer:
    """moto in server mode as a child process; ``stop``/``start`` keep the port (state resets)."""

    def __init__(self, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from moto.server import main; main()",
                "-H",
                "127.0.0.1",
                "-p",
                str(self.port),
            ],
            env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        proc = self.proc
        wait_until(lambda: proc.poll() is not None or listening(self.port), 30, "moto to listen")
        if proc.poll() is not None:
            raise RuntimeError(f"moto server exited with {proc.returncode}")
        return self

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): it accepts connections (the kernel does) and answers nothing."""
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.resume()  # a stopped process does not act on SIGTERM
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.proc = None

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}),
        )


@contextmanager
def moto_server(env: dict[str, str] | None = None) -> Iterator[MotoServer]:
    server = MotoServer(env=env).start()
    try:
        yield server
    finally:
        server.stop()


def store_settings(server: MotoServer, output: str, **extra: Any) -> dict[str, Any]:
    """``KLIPING_*`` settings for a store on ``server`` (small parts, one attempt: the tests stay fast)."""
    return {
        "KLIPING_OUTPUT": output,
        "KLIPING_S3_ENDPOINT_URL": server.endpoint,
        "KLIPING_S3_ADDRESSING_STYLE": "path",
        "KLIPING_S3_MAX_ATTEMPTS": 1,
        "KLIPING_S3_CONNECT_TIMEOUT": 2,
        "KLIPING_S3_MULTIPART_THRESHOLD": 5 * 1024 * 1024,
        "KLIPING_S3_MULTIPART_CHUNKSIZE": 5 * 1024 * 1024,
        "KLIPING_S3_VERIFY": "etag",
        "KLIPING_STORES_BASE": {"file": "archive.stores.local.LocalStore", "s3": "archive.stores.s3.S3Store"},
        **extra,
    }


def cli_settings(server: MotoServer) -> list[str]:
    """The same settings as ``-s`` arguments for the ``kliping`` command."""
    args: list[str] = []
    for name, value in store_settings(server, "").items():
        if name not in ("KLIPING_OUTPUT", "KLIPING_STORES_BASE"):
            args += ["-s", f"{name}={value}"]
    return args
