"""Crawls to ``s3://`` against moto over HTTP: objects equal the local files, nothing is lost when
S3 goes away mid-run, and an unusable store stops a crawl before its first request."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from archive.stores.spool import spooled_files
from cli.common import EXIT_HEALTH
from pipelines.exporters import ARTICLE_SCHEMA
from replayweb import ReplayWeb
from tests.conftest import FIXTURE_OUTLETS, REPO, Kliping, site_page
from tests.holds import AnswerHold
from tests.outputs.test_staged_parquet import ended_pid, run_of
from tests.stores.moto import ACCESS_KEY, SECRET_KEY, MotoServer, cli_settings

ARTICLE_1 = "https://www.kabarcontoh.id/berita/2024/02/12/101/harga-cabai-naik-jelang-ramadan"


@pytest.fixture(autouse=True)
def importable_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """The crawl subprocess loads the test store class (``tests.stores.keepcopy``) by dotted path."""
    monkeypatch.setenv("PYTHONPATH", str(REPO))


def crawl_args(web: ReplayWeb, server: MotoServer, output: str, *extra: str) -> list[str]:
    return [
        "crawl",
        "kabarcontoh",
        "--output",
        output,
        "--proxy",
        web.proxy_url,
        "-s",
        f"KLIPING_OUTLETS_DIRS={FIXTURE_OUTLETS}",
        "-s",
        "AUTOTHROTTLE_ENABLED=0",
        *cli_settings(server),
        *extra,
    ]


def objects(server: MotoServer, bucket: str, prefix: str) -> dict[str, bytes]:
    client = server.client()
    listing = client.list_objects_v2(Bucket=bucket, Prefix=prefix + "/").get("Contents", [])
    return {
        obj["Key"][len(prefix) + 1 :]: client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
        for obj in listing
    }


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_crawl_to_s3_stores_warc_jsonl_and_parquet_with_the_bytes_written_locally(
    kliping: Kliping, site_web: ReplayWeb, moto: MotoServer, bucket: str
) -> None:
    copies = kliping.cwd / "copies"
    result = kliping(
        *crawl_args(site_web, moto, f"s3://{bucket}/news"),
        "-s",
        'KLIPING_STORES={"s3": "tests.stores.keepcopy.CopyingS3Store"}',
        "-s",
        f"TEST_STORE_COPY_DIR={copies}",
        "-s",
        "LOG_LEVEL=DEBUG",
    )
    assert result.code == 0, result.stderr
    stored = objects(moto, bucket, "news")
    kinds = {key.split("/")[0] + ":" + key.rsplit(".", 1)[-1] for key in stored}
    assert kinds == {"warc:gz", "warc:cdxj", "text:jsonl", "text:parquet", "runs:json"}
    assert stored == files_under(copies)
    assert list(spooled_files(kliping.cwd / "data" / "spool")) == []

    jsonl = next(body for key, body in stored.items() if key.endswith(".jsonl"))
    rows = [json.loads(line) for line in jsonl.decode().splitlines()]
    assert len(rows) == 3
    assert all(key.startswith("text/kabarcontoh/") for key in stored if key.startswith("text/"))
    table = pq.read_table(io.BytesIO(next(b for k, b in stored.items() if k.endswith(".parquet"))))
    assert table.schema.equals(ARTICLE_SCHEMA, check_metadata=False)
    assert sorted(table.to_pylist(), key=lambda r: r["url"]) == sorted(rows, key=lambda r: r["url"])

    for body in [*stored.values(), result.stderr.encode(), result.stdout.encode()]:
        assert SECRET_KEY.encode() not in body
        assert ACCESS_KEY.encode() not in body


def test_s3_gone_mid_run_loses_nothing_and_kliping_upload_sends_the_spool(
    kliping: Kliping, site_web: ReplayWeb, moto: MotoServer, bucket: str
) -> None:
    # The crawl waits for an article while S3 goes away; every upload of the run then fails.
    proc: subprocess.Popen[str] | None = None
    try:
        with AnswerHold(site_web, {ARTICLE_1: site_page(ARTICLE_1)}) as article:
            proc = subprocess.Popen(
                [sys.executable, "-m", "cli", *crawl_args(site_web, moto, f"s3://{bucket}/news")],
                cwd=kliping.cwd,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            # Past the start-up check of the store once it asks for an article: stop S3 now.
            article.wait_held("the crawl to ask for an article", proc)
            moto.stop()
        _out, err = proc.communicate(timeout=240)
    finally:
        site_web.clear_faults(ARTICLE_1)
        if proc is not None and proc.poll() is None:
            proc.kill()
        if moto.proc is None:
            moto.start()  # state is empty after a restart
    # Nothing is lost (all of it is in the spool), but the store failed: a health alarm, exit 7.
    assert proc.returncode == EXIT_HEALTH, err
    assert "Traceback" not in err
    spool = kliping.cwd / "data" / "spool"
    kept = {p.relative_to(spool).as_posix(): p.read_bytes() for p in spooled_files(spool)}
    kinds = {key.split("/")[0] + ":" + key.rsplit(".", 1)[-1] for key in kept}
    assert kinds == {"warc:gz", "warc:cdxj", "text:jsonl", "text:parquet", "runs:json"}

    moto.client().create_bucket(Bucket=bucket)
    sent = kliping("upload", "--output", f"s3://{bucket}/news", *cli_settings(moto))
    assert sent.code == 0, sent.stderr
    assert objects(moto, bucket, "news") == kept
    assert list(spooled_files(spool)) == []


def test_a_crawl_to_a_missing_bucket_stops_at_start_with_one_line(
    kliping: Kliping, site_web: ReplayWeb, moto: MotoServer
) -> None:
    before = len(site_web.requests)
    result = kliping(*crawl_args(site_web, moto, "s3://no-such-bucket/news"))
    assert result.code == 2
    assert result.stderr.splitlines() == [
        f"kliping crawl: S3 endpoint {moto.endpoint} bucket 'no-such-bucket': bucket does not exist"
    ]
    assert len(site_web.requests) == before


def test_the_scrapy_command_also_stops_at_start_for_an_unusable_store(
    tmp_path: Path, site_web: ReplayWeb, moto: MotoServer
) -> None:
    links = tmp_path / "links.txt"
    links.write_text(ARTICLE_1 + "\n")
    before = len(site_web.requests)
    settings = [
        *cli_settings(moto),
        "-s",
        "KLIPING_OUTPUT=s3://no-such-bucket",
        "-s",
        f"KLIPING_WORKDIR={tmp_path}",
    ]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "urls",
            "-a",
            f"file={links}",
            "-s",
            f"KLIPING_PROXY={site_web.proxy_url}",
            *settings,
        ],
        cwd=tmp_path,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "settings", "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        timeout=240,
    )
    errors = [line for line in proc.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1, proc.stderr
    assert errors[0].endswith(f"S3 endpoint {moto.endpoint} bucket 'no-such-bucket': bucket does not exist")
    assert "'finish_reason': 'kliping_store_unusable'" in proc.stderr
    assert len(site_web.requests) == before


def test_upload_writes_parquet_batches_a_killed_run_left_staged_and_sends_them(
    kliping: Kliping, moto: MotoServer
) -> None:
    moto.client().create_bucket(Bucket="staged")
    folder = kliping.cwd / "data" / "spool" / "text" / "kabarcontoh" / "2026-11-24"
    folder.mkdir(parents=True)
    row = {"url": ARTICLE_1, "text": "Harga cabai naik.", "authors": [], "tags": [], "pages": [ARTICLE_1]}
    row |= {"fetched_at": "2026-11-24T01:00:00+00:00", "run_id": "run", "warc": []}
    run = run_of(ended_pid())  # a run of this host whose process is gone
    (folder / f".{run}-00001.parquet.rows").write_text(json.dumps(row) + "\n")

    sent = kliping("upload", "--output", "s3://staged/news", *cli_settings(moto))

    assert sent.code == 0, sent.stderr
    stored = objects(moto, "staged", "news")
    key = f"text/kabarcontoh/2026-11-24/{run}-00001.parquet"
    assert list(stored) == [key]
    table = pq.read_table(io.BytesIO(stored[key]))
    assert table.schema.equals(ARTICLE_SCHEMA) and table.column("url").to_pylist() == [ARTICLE_1]
