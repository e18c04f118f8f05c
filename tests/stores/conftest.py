"""Fixtures for the store tests: a moto S3 server for the module, credentials only in the environment."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.stores.moto import MotoServer, moto_server, s3_environment


@pytest.fixture(autouse=True)
def s3_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials reach boto3 through its ordinary chain (environment variables), as in production."""
    for name, value in s3_environment().items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    with moto_server() as server:
        yield server


@pytest.fixture
def bucket(moto: MotoServer) -> str:
    name = f"kliping-{uuid.uuid4().hex[:12]}"
    moto.client().create_bucket(Bucket=name)
    return name
