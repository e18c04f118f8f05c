"""`kliping extract` on damaged, incomplete and foreign WARCs: it reads what is there, says what
is not (one line per file, exit code 4), and writes its output whole or not at all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from archive.cdxj import write_cdxj
from cli.common import EXIT_BAD_INPUT, EXIT_DAMAGED_INPUT, EXIT_INTERRUPTED
from tests.archive import quirks
from tests.conftest import REPO, Kliping
from tests.polling import wait_until
from tests.warcs import read_jsonl

SCHEMA = json.loads((REPO / "extract" / "article.schema.json").read_text(encoding="utf-8"))


def titles(path: Path) -> list[str]:
    return [row["title"] for row in read_jsonl([path])]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


@pytest.mark.parametrize("reader", ["fastwarc", "warcio"])
def test_a_truncated_file_keeps_what_came_before_and_exits_4(kliping: Kliping, reader: str) -> None:
    whole = quirks.per_record_gzip(quirks.pages(2, first=1))
    (kliping.cwd / "a.warc.gz").write_bytes(whole)
    cut = quirks.per_record_gzip(quirks.pages(3, first=3))
    (kliping.cwd / "b.warc.gz").write_bytes(cut[:-25])
    offset = len(quirks.per_record_gzip(quirks.pages(2, first=3)))
    result = kliping("extract", "a.warc.gz", "b.warc.gz", "-o", "out.jsonl", "--reader", reader)
    assert result.code == EXIT_DAMAGED_INPUT, result.stderr
    damage = [line for line in result.stderr.splitlines() if "b.warc.gz" in line]
    assert damage == [
        f"kliping extract: b.warc.gz: truncated at offset {offset} (gzip member cut short by the end "
        "of the file); the records before it are kept"
    ]
    assert sorted(titles(kliping.cwd / "out.jsonl")) == [
        f"Berita nomor {n} dari Kota Contoh" for n in (1, 2, 3, 4)
    ]
    assert leftovers(kliping.cwd) == []


def test_an_empty_file_is_reported_and_the_others_read(kliping: Kliping) -> None:
    (kliping.cwd / "empty.warc").write_bytes(b"")
    (kliping.cwd / "ok.warc").write_bytes(b"".join(quirks.pages(1)))
    result = kliping("extract", "empty.warc", "ok.warc", "-o", "out.jsonl")
    assert result.code == EXIT_DAMAGED_INPUT
    assert "kliping extract: empty.warc: empty file, no records" in result.stderr.splitlines()
    assert len(titles(kliping.cwd / "out.jsonl")) == 1


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b'{"url": "https://kabar.example.id/"}\n', "no WARC record head in its first bytes"),
        (bytes(range(256)) * 8, "no WARC record head in its first bytes"),
        (
            __import__("gzip").compress(b"<html>not a warc</html>"),
            "gzip of something other than WARC records",
        ),
    ],
    ids=["jsonl", "random-bytes", "gzipped-html"],
)
def test_a_file_that_is_not_a_warc_is_bad_input(kliping: Kliping, content: bytes, why: str) -> None:
    (kliping.cwd / "ok.warc").write_bytes(b"".join(quirks.pages(1)))
    (kliping.cwd / "notes.warc.gz").write_bytes(content)
    result = kliping("extract", "ok.warc", "notes.warc.gz", "-o", "out.jsonl")
    assert result.code == EXIT_BAD_INPUT
    assert result.stderr.strip() == f"kliping extract: notes.warc.gz: not a WARC file ({why})"
    assert not (kliping.cwd / "out.jsonl").exists() and leftovers(kliping.cwd) == []


def test_foreign_records_get_a_run_id_that_passes_the_schema(kliping: Kliping) -> None:
    (kliping.cwd / "crawl-2024-05.warc.gz").write_bytes(quirks.per_record_gzip(quirks.pages(1)))
    part_of = quirks.warcinfo(isPartOf="pemilu-2024") + quirks.response(2)
    (kliping.cwd / "collection.warc").write_bytes(part_of)
    result = kliping("extract", "crawl-2024-05.warc.gz", "collection.warc", "-o", "out.jsonl")
    assert result.code == 0, result.stderr
    rows = read_jsonl([kliping.cwd / "out.jsonl"])
    assert [row["run_id"] for row in rows] == ["crawl-2024-05", "pemilu-2024"]
    for row in rows:
        jsonschema.validate(row, SCHEMA)


@pytest.mark.parametrize("order", ["original-first", "revisit-first"])
def test_a_revisit_is_resolved_against_an_original_among_the_inputs(kliping: Kliping, order: str) -> None:
    (kliping.cwd / "day1.warc.gz").write_bytes(quirks.per_record_gzip(quirks.pages(1)))
    (kliping.cwd / "day2.warc.gz").write_bytes(
        quirks.per_record_gzip([quirks.warcinfo(), quirks.revisit(9, 1)])
    )
    files = ["day1.warc.gz", "day2.warc.gz"]
    result = kliping("extract", *(files if order == "original-first" else files[::-1]), "-o", "out.jsonl")
    assert result.code == 0, result.stderr
    rows = read_jsonl([kliping.cwd / "out.jsonl"])
    assert len(rows) == 2 and {row["url"] for row in rows} == {quirks.url(1)}
    # Both point at the record that holds the body, as the crawl's own records do.
    assert {row["warc"][0]["record_id"] for row in rows} == {quirks.record_id(1)}


def test_a_revisit_whose_original_is_missing_is_reported(kliping: Kliping) -> None:
    (kliping.cwd / "day2.warc").write_bytes(quirks.warcinfo() + quirks.revisit(9, 1) + quirks.response(2))
    result = kliping("extract", "day2.warc", "-o", "out.jsonl")
    assert result.code == EXIT_DAMAGED_INPUT
    (line,) = [line for line in result.stderr.splitlines() if "revisit" in line]
    assert line.startswith(
        "kliping extract: day2.warc: 1 revisit record(s) whose original is not among the inputs"
    )
    assert "--originals" in line
    assert titles(kliping.cwd / "out.jsonl") == ["Berita nomor 2 dari Kota Contoh"]


def test_originals_are_found_with_the_originals_option(kliping: Kliping) -> None:
    (kliping.cwd / "old").mkdir()
    (kliping.cwd / "old" / "day1.warc").write_bytes(b"".join(quirks.pages(1)))
    (kliping.cwd / "day2.warc").write_bytes(quirks.warcinfo() + quirks.revisit(9, 1))
    result = kliping("extract", "day2.warc", "--originals", "old/*.warc", "-o", "out.jsonl")
    assert result.code == 0, result.stderr
    assert titles(kliping.cwd / "out.jsonl") == ["Berita nomor 1 dari Kota Contoh"]


def test_originals_are_found_through_the_cdxj_indexes_beside_the_inputs(kliping: Kliping) -> None:
    # As a scheduled crawl leaves them: yesterday's WARC and its index, today's WARC beside them.
    warcs = kliping.cwd / "warc"
    warcs.mkdir()
    digest = (
        "sha1:"
        + __import__("base64").b32encode(__import__("hashlib").sha1(quirks.article(1)).digest()).decode()
    )
    day1 = warcs / "day1.warc.gz"
    day1.write_bytes(quirks.per_record_gzip(quirks.pages(1)))
    write_cdxj(day1)
    # No WARC-Refers-To: only the URL and the payload digest name the original.
    day2 = quirks.per_record_gzip([quirks.warcinfo(), quirks.revisit(9, 1, refers=False, digest=digest)])
    (warcs / "day2.warc.gz").write_bytes(day2)
    result = kliping("extract", "warc/day2.warc.gz", "-o", "out.jsonl")
    assert result.code == 0, result.stderr
    (row,) = read_jsonl([kliping.cwd / "out.jsonl"])
    assert row["url"] == quirks.url(1) and row["warc"][0]["file"] == "day1.warc.gz"


def test_an_s3_output_is_written_there(kliping: Kliping, s3: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3)
    client.create_bucket(Bucket="hasil")
    (kliping.cwd / "a.warc").write_bytes(b"".join(quirks.pages(2)))
    endpoint = f"KLIPING_S3_ENDPOINT_URL={s3}"
    result = kliping("extract", "a.warc", "-o", "s3://hasil/ulang/a.jsonl", "-s", endpoint)
    assert result.code == 0, result.stderr
    body = client.get_object(Bucket="hasil", Key="ulang/a.jsonl")["Body"].read().decode()
    assert len(body.splitlines()) == 2
    assert leftovers(kliping.cwd) == []
    bad = kliping("extract", "a.warc", "-o", "s3://hasil/", "-s", endpoint)
    assert (bad.code, bad.stderr.strip()) == (
        EXIT_BAD_INPUT,
        "kliping extract: --output s3://hasil/: give s3://bucket/key.jsonl",
    )


def test_a_stop_leaves_neither_output_nor_part_file(tmp_path: Path) -> None:
    (tmp_path / "big.warc.gz").write_bytes(quirks.per_record_gzip(quirks.pages(400)))
    err = tmp_path / "stderr.txt"
    with open(err, "w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "extract", "big.warc.gz", "-o", "out.jsonl", "--workers", "1",
             "-s", "KLIPING_PROGRESS_INTERVAL=0.000001"],
            cwd=tmp_path, stderr=stderr, env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )  # fmt: skip
        try:
            wait_until(lambda: "articles" in err.read_text(), 120, "extraction under way")
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=120) == EXIT_INTERRUPTED
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert not (tmp_path / "out.jsonl").exists()
    assert leftovers(tmp_path) == []


def test_an_output_that_is_a_directory_is_bad_input(kliping: Kliping) -> None:
    (kliping.cwd / "a.warc").write_bytes(b"".join(quirks.pages(1)))
    (kliping.cwd / "hasil").mkdir()
    result = kliping("extract", "a.warc", "-o", "hasil")
    assert (result.code, result.stderr.strip()) == (
        EXIT_BAD_INPUT,
        "kliping extract: --output hasil: is a directory (give a file name)",
    )
