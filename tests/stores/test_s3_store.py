"""S3Store against moto over HTTP: verified uploads, multipart, and one clear line when S3 is unusable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archive.stores import StoreError, open_store, store_classes
from archive.stores.s3 import S3Store
from tests.stores.moto import MotoServer, free_port, moto_server, store_settings


def s3_store(server: MotoServer, output: str) -> S3Store:
    settings = store_settings(server, output)
    store = open_store(output, store_classes(settings), settings)
    assert isinstance(store, S3Store)
    return store


def test_put_uploads_the_same_bytes_and_removes_the_local_file(
    moto: MotoServer, bucket: str, tmp_path: Path
) -> None:
    local = tmp_path / "a.warc.gz"
    local.write_bytes(os.urandom(70_000))
    expected = local.read_bytes()
    store = s3_store(moto, f"s3://{bucket}/crawls")
    assert store.put(local, "warc/a.warc.gz") == f"s3://{bucket}/crawls/warc/a.warc.gz"
    body = moto.client().get_object(Bucket=bucket, Key="crawls/warc/a.warc.gz")["Body"].read()
    assert body == expected
    assert not local.exists()


def test_a_large_file_goes_up_in_parts_and_is_verified(moto: MotoServer, bucket: str, tmp_path: Path) -> None:
    local = tmp_path / "big.warc.gz"
    local.write_bytes(os.urandom(11 * 1024 * 1024))
    expected = local.read_bytes()
    store = s3_store(moto, f"s3://{bucket}")
    store.put(local, "warc/big.warc.gz")
    head = moto.client().head_object(Bucket=bucket, Key="warc/big.warc.gz")
    assert head["ETag"].strip('"').endswith("-3")  # three 5 MiB parts
    assert moto.client().get_object(Bucket=bucket, Key="warc/big.warc.gz")["Body"].read() == expected


def test_a_failed_upload_keeps_the_local_file(tmp_path: Path) -> None:
    server = MotoServer(port=free_port())  # never started: nothing listens there
    local = tmp_path / "b.jsonl"
    local.write_bytes(b'{"url": "x"}\n')
    store = s3_store(server, "s3://somebucket")
    with pytest.raises(StoreError) as err:
        store.put(local, "text/b.jsonl")
    assert str(err.value).startswith(f"S3 endpoint {server.endpoint} bucket 'somebucket': upload of b.jsonl")
    assert local.read_bytes() == b'{"url": "x"}\n'


def test_check_passes_for_a_usable_bucket_and_leaves_nothing_behind(moto: MotoServer, bucket: str) -> None:
    s3_store(moto, f"s3://{bucket}/p").check()
    assert moto.client().list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0


def test_a_missing_bucket_is_one_line_naming_endpoint_and_bucket(moto: MotoServer) -> None:
    with pytest.raises(StoreError) as err:
        s3_store(moto, "s3://no-such-bucket/p").check()
    assert str(err.value) == f"S3 endpoint {moto.endpoint} bucket 'no-such-bucket': bucket does not exist"


def test_an_unreachable_endpoint_is_one_line_naming_endpoint_and_bucket() -> None:
    server = MotoServer(port=free_port())
    with pytest.raises(StoreError) as err:
        s3_store(server, "s3://b1/p").check()
    assert str(err.value) == f"S3 endpoint {server.endpoint} bucket 'b1': cannot connect to the endpoint"


def test_rejected_credentials_are_one_line_without_the_secret() -> None:
    # moto checks signatures against its IAM users only when auth is switched on.
    with moto_server(env={"INITIAL_NO_AUTH_ACTION_COUNT": "0"}) as server, pytest.raises(StoreError) as err:
        s3_store(server, "s3://b2").check()
    line = str(err.value)
    assert line.startswith(f"S3 endpoint {server.endpoint} bucket 'b2': ")
    assert "credentials rejected" in line or "access denied" in line
    assert "\n" not in line
    assert os.environ["AWS_SECRET_ACCESS_KEY"] not in line


def test_credentials_are_not_kept_on_the_store(moto: MotoServer) -> None:
    settings = store_settings(
        moto, "s3://b3", KLIPING_S3_ACCESS_KEY_ID="AKIASETTING", KLIPING_S3_SECRET_ACCESS_KEY="setting-secret"
    )
    store = open_store("s3://b3", store_classes(settings), settings)
    assert "setting-secret" not in repr(vars(store))
