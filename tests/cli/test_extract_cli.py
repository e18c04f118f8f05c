"""`kliping extract`: paths, globs and s3:// URIs, every core, progress over the WARC bytes."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from tests.cli.helpers import ENCODINGS, write_foreign_warc
from tests.conftest import Kliping
from tests.warcs import read_jsonl


@pytest.fixture
def warcs(kliping: Kliping, scraped: Path) -> Path:
    """The shared scrape's WARCs, copied into this test's directory, plus one foreign WARC."""
    target = kliping.cwd / "warcs"
    target.mkdir()
    for path in (scraped / "data" / "warc").glob("*.warc.gz"):
        shutil.copy(path, target / path.name)
    write_foreign_warc(target / "other.warc", compress=False, version="WARC/1.0", encodings=ENCODINGS)
    return target


def test_a_glob_on_every_core_gives_the_crawls_records(kliping: Kliping, scraped: Path, warcs: Path) -> None:
    result = kliping("extract", "warcs/*.warc.gz", "--output", "again.jsonl", "--workers", "2")
    assert result.code == 0, result.stderr
    crawled = read_jsonl(sorted((scraped / "data" / "text").rglob("*.jsonl")))
    again = read_jsonl([kliping.cwd / "again.jsonl"])
    assert sorted(again, key=lambda r: r["url"]) == sorted(crawled, key=lambda r: r["url"])
    assert "2 worker(s), fastwarc" in result.stderr


def test_fastwarc_and_warcio_readers_give_the_same_output(kliping: Kliping, warcs: Path) -> None:
    for reader in ("fastwarc", "warcio"):
        result = kliping(
            "extract", "warcs/*", "--output", f"{reader}.jsonl", "--reader", reader, "--workers", "1"
        )
        assert result.code == 0, result.stderr
    fast = (kliping.cwd / "fastwarc.jsonl").read_text(encoding="utf-8")
    assert fast and fast == (kliping.cwd / "warcio.jsonl").read_text(encoding="utf-8")
    # Foreign pages too, whatever their transfer and content encoding.
    assert {row["url"].rsplit("/", 1)[1] for row in read_jsonl([kliping.cwd / "fastwarc.jsonl"])} >= set(
        ENCODINGS
    )


def test_progress_lines_over_the_warc_bytes(kliping: Kliping, warcs: Path) -> None:
    result = kliping(
        "extract", "warcs/other.warc", "--output", "out.jsonl", "-s", "KLIPING_PROGRESS_INTERVAL=0.000001"
    )
    assert result.code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("progress: extract")]
    assert lines
    assert "100.0%" in lines[-1] and "articles" in lines[-1]
    size = (warcs / "other.warc").stat().st_size
    assert f"/{size} B" in lines[-1] or "KiB" in lines[-1]


def test_a_progress_bar_on_a_terminal(kliping: Kliping, warcs: Path) -> None:
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "cli", "extract", "warcs/other.warc", "--output", "out.jsonl"],
            cwd=kliping.cwd,
            stdout=subprocess.PIPE,
            stderr=slave,
            env={**os.environ, "TERM": "xterm", "PYTHONWARNINGS": "ignore"},
            timeout=240,
        )
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0, shown
    assert "\r[" in shown and "100.0%" in shown and "#" * 30 in shown
    assert "progress: " not in shown  # the bar replaces the periodic lines


def test_warcs_from_s3(kliping: Kliping, warcs: Path, s3: str, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
    for name, value in creds.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3)
    client.create_bucket(Bucket="arsip")
    for path in sorted(warcs.glob("*.warc.gz")):
        client.upload_file(str(path), "arsip", f"crawl/warc/{path.name}")
    client.put_object(Bucket="arsip", Key="crawl/warc/README.txt", Body=b"not a warc")
    endpoint = f"KLIPING_S3_ENDPOINT_URL={s3}"
    from_s3 = kliping("extract", "s3://arsip/crawl/warc/", "--output", "s3.jsonl", "-s", endpoint)
    assert from_s3.code == 0, from_s3.stderr
    local = kliping("extract", "warcs/*.warc.gz", "--output", "local.jsonl")
    assert local.code == 0, local.stderr
    assert (kliping.cwd / "s3.jsonl").read_text() == (kliping.cwd / "local.jsonl").read_text()
    missing = kliping("extract", "s3://arsip/nothing/", "--output", "x.jsonl", "-s", endpoint)
    assert missing.code == 2
    assert missing.stderr.strip() == "kliping extract: s3://arsip/nothing/: no WARC object there"
    no_bucket = kliping("extract", "s3://tiada/x.warc.gz", "--output", "x.jsonl", "-s", endpoint)
    assert no_bucket.code == 2
    line = no_bucket.stderr.strip()
    assert line.startswith("kliping extract: s3://tiada/x.warc.gz: S3 endpoint "), line
    assert line.endswith("bucket 'tiada': bucket does not exist"), line
