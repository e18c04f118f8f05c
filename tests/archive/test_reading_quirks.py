"""Other writers' WARCs read with both readers: one quirk per test, each file written byte by byte.

Every test reads its file with FastWARC (which falls back to warcio, then to the lenient framer)
and with warcio (which falls back to the lenient framer), and expects the same pages from both.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from types import ModuleType

import brotli
import pytest
from backports import zstd

from archive import fastreader, reader
from archive.damage import DamageReport
from archive.warcfile import Layout, sniff
from tests.archive import quirks
from tests.archive.quirks import article, url

READERS = [pytest.param(fastreader, id="fastwarc"), pytest.param(reader, id="warcio")]


def read(module: ModuleType, path: Path) -> tuple[list[reader.ArchivedResponse], DamageReport]:
    report = DamageReport()
    return list(module.iter_responses(path, report)), report


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("module", READERS)
@pytest.mark.parametrize("version", ["WARC/0.18", "WARC/1.0", "WARC/1.1"])
def test_every_warc_version_reads(tmp_path: Path, module: ModuleType, version: str) -> None:
    path = write(tmp_path, "v.warc", b"".join(quirks.pages(3, version=version)))
    pages, report = read(module, path)
    assert [(p.url, p.body) for p in pages] == [(url(n), article(n)) for n in (1, 2, 3)]
    assert not report.lines()


@pytest.mark.parametrize("module", READERS)
def test_lf_only_heads_read_like_crlf_ones(tmp_path: Path, module: ModuleType) -> None:
    path = write(tmp_path, "clueweb.warc", quirks.lf_only(29))
    pages, report = read(module, path)
    assert [(p.url, p.status, p.body) for p in pages] == [(url(n), 200, article(n)) for n in range(1, 30)]
    assert not report.damaged
    assert reader.read_warcinfo(path)["software"] == fastreader.read_warcinfo(path)["software"]


@pytest.mark.parametrize("module", READERS)
def test_a_chunked_header_over_a_dechunked_body_keeps_the_body(tmp_path: Path, module: ModuleType) -> None:
    data = (
        quirks.warcinfo()
        + quirks.response(1, headers=[("Transfer-Encoding", "chunked")])
        + quirks.response(2)
    )
    pages, report = read(module, write(tmp_path, "pywb-old.warc", data))
    assert [p.body for p in pages] == [article(1), article(2)]
    assert not report.lines()


@pytest.mark.parametrize("module", READERS)
@pytest.mark.parametrize("wrong_by", [+40, -40], ids=["too-long", "too-short"])
def test_a_wrong_content_length_is_read_up_to_the_next_record(
    tmp_path: Path, module: ModuleType, wrong_by: int
) -> None:
    block = quirks.http(article(2))
    bad = quirks.record("response", url(2), block, 2, length=len(block) + wrong_by)
    data = quirks.warcinfo() + quirks.response(1) + bad + quirks.response(3)
    pages, report = read(module, write(tmp_path, "trunc-length.warc", data))
    assert [(p.url, p.body) for p in pages] == [(url(n), article(n)) for n in (1, 2, 3)]
    assert not report.damaged
    (line,) = report.lines()
    assert "wrong Content-Length" in line and "trunc-length.warc" in line


@pytest.mark.parametrize("module", READERS)
def test_a_truncated_gzip_member_keeps_the_records_before_it(tmp_path: Path, module: ModuleType) -> None:
    data = quirks.per_record_gzip(quirks.pages(3))
    cut = data[: len(data) - 30]
    path = write(tmp_path, "cut.warc.gz", cut)
    last = len(quirks.per_record_gzip(quirks.pages(2)))
    pages, report = read(module, path)
    assert [p.body for p in pages] == [article(1), article(2)]
    assert report.damaged
    (line,) = report.lines()
    assert line.startswith(f"cut.warc.gz: truncated at offset {last} (")
    assert line.endswith("the records before it are kept")


@pytest.mark.parametrize("module", READERS)
def test_a_plain_file_cut_mid_record_is_reported_truncated(tmp_path: Path, module: ModuleType) -> None:
    data = b"".join(quirks.pages(3))
    path = write(tmp_path, "cut.warc", data[:-100])
    pages, report = read(module, path)
    assert [p.body for p in pages] == [article(1), article(2)]
    assert report.lines()[0].startswith(f"cut.warc: truncated at offset {len(b''.join(quirks.pages(2)))} (")


@pytest.mark.parametrize("module", READERS)
def test_whole_file_gzip_reads_with_offsets_in_the_decompressed_stream(
    tmp_path: Path, module: ModuleType
) -> None:
    records = quirks.pages(3)
    path = write(tmp_path, "whole.warc.gz", quirks.whole_file_gzip(records))
    assert sniff(path).layout is Layout.STREAM
    pages, report = read(module, path)
    assert [p.body for p in pages] == [article(1), article(2), article(3)]
    assert [p.offset for p in pages] == [sum(len(r) for r in records[:n]) for n in (1, 2, 3)]
    assert not report.lines()


@pytest.mark.parametrize("module", READERS)
def test_gzip_named_warc_and_plain_named_warc_gz(tmp_path: Path, module: ModuleType) -> None:
    gzipped = write(tmp_path, "archiveweb.warc", quirks.per_record_gzip(quirks.pages(2)))
    plain = write(tmp_path, "plain.warc.gz", b"".join(quirks.pages(2)))
    assert (sniff(gzipped).layout, sniff(plain).layout) == (Layout.MEMBERS, Layout.PLAIN)
    for path in (gzipped, plain):
        pages, report = read(module, path)
        assert [p.body for p in pages] == [article(1), article(2)]
        assert not report.lines()


@pytest.mark.parametrize("module", READERS)
@pytest.mark.parametrize(
    "coding",
    [
        ("br", brotli.compress),
        ("zstd", zstd.compress),
        ("gzip, br", lambda b: brotli.compress(gzip.compress(b))),
    ],
    ids=["br", "zstd", "gzip-then-br"],
)
def test_brotli_and_zstd_bodies_are_decoded(tmp_path: Path, module: ModuleType, coding: tuple) -> None:
    name, encode = coding
    data = quirks.warcinfo() + quirks.response(
        1, body=encode(article(1)), headers=[("Content-Encoding", name)]
    )
    pages, _ = read(module, write(tmp_path, "br.warc.gz", quirks.per_record_gzip([data])))
    assert [p.body for p in pages] == [article(1)]


@pytest.mark.parametrize("module", READERS)
def test_resource_records_holding_html_are_pages(tmp_path: Path, module: ModuleType) -> None:
    data = (
        quirks.warcinfo()
        + quirks.resource(1)
        + quirks.resource(2, content_type="image/png")
        + quirks.resource(3, content_type="application/xhtml+xml")
    )
    pages, _ = read(module, write(tmp_path, "browsertrix.warc", data))
    assert [(p.url, p.status, p.kind, p.body) for p in pages] == [
        (url(1), 200, "resource", article(1)),
        (url(3), 200, "resource", article(3)),
    ]


@pytest.mark.parametrize("module", READERS)
def test_revisits_are_given_with_what_names_their_original(tmp_path: Path, module: ModuleType) -> None:
    path = write(tmp_path, "second.warc", quirks.warcinfo() + quirks.revisit(7, 1, digest="sha1:ABC"))
    (page,), _ = read(module, path)
    assert (page.kind, page.url, page.status, page.body) == ("revisit", url(1), 200, b"")
    assert (page.refers_to, page.refers_to_uri, page.payload_digest) == (
        quirks.record_id(1),
        url(1),
        "sha1:ABC",
    )


@pytest.mark.parametrize("module", READERS)
def test_an_empty_file_is_reported(tmp_path: Path, module: ModuleType) -> None:
    pages, report = read(module, write(tmp_path, "empty.warc.gz", b""))
    assert pages == [] and report.damaged
    assert report.lines() == ["empty.warc.gz: empty file, no records"]


@pytest.mark.parametrize("module", READERS)
def test_a_damaged_record_is_skipped_and_the_next_ones_read(tmp_path: Path, module: ModuleType) -> None:
    records = quirks.pages(4)
    broken = records[2].replace(b"WARC/1.1", b"WARX/1.1", 1)
    offset = sum(len(r) for r in records[:2])
    for name, data in (
        ("plain.warc", b"".join([*records[:2], broken, *records[3:]])),
        ("members.warc.gz", quirks.per_record_gzip([*records[:2], broken, *records[3:]])),
    ):
        if name.endswith(".gz"):
            offset = len(quirks.per_record_gzip(records[:2]))
        pages, report = read(module, write(tmp_path, name, data))
        assert [p.body for p in pages] == [article(1), article(3), article(4)], name
        (line,) = report.lines()
        assert line.startswith(f"{name}: 1 damaged record(s) skipped, at offset(s) {offset} ("), line


@pytest.mark.parametrize("module", READERS)
def test_a_corrupt_gzip_member_costs_its_own_record_only(tmp_path: Path, module: ModuleType) -> None:
    members = [gzip.compress(r, mtime=0) for r in quirks.pages(4)]
    middle = bytearray(members[2])
    middle[len(middle) // 2] ^= 0xFF
    data = b"".join([*members[:2], bytes(middle), *members[3:]])
    pages, report = read(module, write(tmp_path, "flip.warc.gz", data))
    assert [p.body for p in pages] == [article(1), article(3), article(4)]
    assert report.damaged and str(sum(map(len, members[:2]))) in report.lines()[0]


@pytest.mark.parametrize("module", READERS)
def test_readers_agree_on_every_quirk_file(tmp_path: Path, module: ModuleType) -> None:
    files = {
        "lf.warc": quirks.lf_only(3),
        "whole.warc.gz": quirks.whole_file_gzip(quirks.pages(2)),
        "members.warc": quirks.per_record_gzip(quirks.pages(2)),
        "res.warc": quirks.warcinfo() + quirks.resource(1),
    }
    for name, data in files.items():
        path = write(tmp_path, name, data)
        assert read(module, path)[0] == read(reader, path)[0], name


@pytest.mark.parametrize("module", READERS)
def test_target_uris_in_angle_brackets_are_unwrapped(tmp_path: Path, module: ModuleType) -> None:
    block = quirks.http(article(1))
    data = quirks.warcinfo(version="WARC/1.0") + quirks.record(
        "response", f"<{url(1)}>", block, 1, version="WARC/1.0"
    )
    pages, _ = read(module, write(tmp_path, "brackets.warc", data))
    assert [p.url for p in pages] == [url(1)]


@pytest.mark.parametrize("module", READERS)
@pytest.mark.parametrize("compress", [False, True], ids=["arc", "arc-gz"])
def test_arc_files_are_read_by_warcio(tmp_path: Path, module: ModuleType, compress: bool) -> None:
    data = quirks.per_record_gzip(quirks.arc(2)) if compress else b"".join(quirks.arc(2))
    path = write(tmp_path, "old.arc.gz" if compress else "old.arc", data)
    assert sniff(path).arc
    pages, report = read(module, path)
    assert [(p.url, p.body) for p in pages] == [(url(1), article(1)), (url(2), article(2))]
    assert not report.lines()
