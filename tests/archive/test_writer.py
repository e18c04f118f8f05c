"""The WARC writer: exact bytes, gzip per record, .open files, rollover, revisits."""

from __future__ import annotations

import re
import zlib
from datetime import timedelta
from pathlib import Path

from archive.cdxj import write_cdxj
from archive.records import Exchange, RecordFactory
from archive.revisits import DigestIndex
from archive.writer import OPEN_SUFFIX, RollingWarcWriter
from tests.archive.helpers import MOMENT, counting_ids, gzip_members, raw_records
from tests.warcs import warcio_check

GOLDEN = Path(__file__).parent / "golden" / "one-exchange.warc"
PAGE = b"<html><body><p>Berita hari ini.</p></body></html>"


def exchange(url: str = "https://www.kabarcontoh.id/berita/1", body: bytes = PAGE, **kw: object) -> Exchange:
    fields: dict = {
        "url": url,
        "status": 200,
        "response_headers": [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
        "body": body,
        "request_headers": [("User-Agent", "kliping-test/1"), ("Accept-Encoding", "gzip")],
        "ip_address": "127.0.0.1",
        "date": MOMENT,
    }
    fields.update(kw)
    return Exchange(**fields)


def writer(directory: Path, **kw: object) -> RollingWarcWriter:
    options: dict = {
        "hostname": "testhost",
        "factory": RecordFactory(make_id=counting_ids()),
        "clock": lambda: MOMENT,
        "pid": 4242,
        "warcinfo": {"software": "kliping/test", "operator": "Tester <t@example.org>"},
    }
    options.update(kw)
    return RollingWarcWriter(directory, **options)


def test_one_exchange_is_written_byte_for_byte(tmp_path: Path) -> None:
    w = writer(tmp_path)
    w.write(exchange())
    w.close()
    (path,) = w.closed_files
    # Each record is its own gzip member: warcinfo, response, request.
    members = gzip_members(path)
    assert len(members) == 3
    assert b"".join(members) == GOLDEN.read_bytes()
    assert warcio_check(path).returncode == 0


def test_the_gzip_level_changes_the_compressed_bytes_only(tmp_path: Path) -> None:
    story = b"<html><body>" + b"<p>Hujan deras mengguyur Jakarta sejak pagi.</p>" * 200 + b"</body></html>"
    files = {}
    for level in (0, 1, 9):
        w = writer(tmp_path / str(level), gzip_level=level)
        w.write(exchange(body=story))
        w.close()
        (files[level],) = w.closed_files
        assert len(gzip_members(files[level])) == 3
        assert warcio_check(files[level]).returncode == 0
    assert gzip_members(files[0]) == gzip_members(files[1]) == gzip_members(files[9])
    sizes = {level: path.stat().st_size for level, path in files.items()}
    assert sizes[0] > sizes[1] > sizes[9]


def test_the_response_record_carries_digests_ip_and_a_link_from_its_request(tmp_path: Path) -> None:
    w = writer(tmp_path)
    provenance = w.write(exchange())
    w.close()
    info, response, request = raw_records(w.closed_files[0])
    assert info.rec_type == "warcinfo"
    assert response.rec_headers.get_header("WARC-Payload-Digest").startswith("sha1:")
    assert response.rec_headers.get_header("WARC-Block-Digest").startswith("sha1:")
    assert response.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert response.rec_headers.get_header("WARC-Date") == "2026-01-02T03:04:05.678901Z"
    assert request.rec_headers.get_header("WARC-Concurrent-To") == provenance.record_id
    assert request.http_headers.get_header("User-Agent") == "kliping-test/1"
    # The response is the second gzip member: its offset is the warcinfo member's length.
    data = w.closed_files[0].read_bytes()
    inflater = zlib.decompressobj(zlib.MAX_WBITS + 16)
    inflater.decompress(data)
    assert provenance.offset == len(data) - len(inflater.unused_data)


def test_a_file_is_open_while_written_and_renamed_when_closed(tmp_path: Path) -> None:
    w = writer(tmp_path)
    w.write(exchange())
    (open_file,) = tmp_path.iterdir()
    assert open_file.name.endswith(".warc.gz" + OPEN_SUFFIX)
    w.write(exchange(url="https://www.kabarcontoh.id/berita/2"))
    assert list(tmp_path.iterdir()) == [open_file]  # the same file, kept open across records
    w.close()
    (closed,) = tmp_path.iterdir()
    assert closed.name == open_file.name[: -len(OPEN_SUFFIX)]
    assert re.fullmatch(r"kliping-20260102030405678901-00001-testhost-4242\.warc\.gz", closed.name)


def test_files_roll_over_at_the_size_limit_each_with_its_warcinfo(tmp_path: Path) -> None:
    w = writer(tmp_path, max_size=1)
    for n in range(3):
        w.write(exchange(url=f"https://www.kabarcontoh.id/berita/{n}"))
    w.close()
    assert len(w.closed_files) == 3
    assert len({p.name for p in w.closed_files}) == 3
    for path in w.closed_files:
        assert raw_records(path)[0].rec_type == "warcinfo"
        assert warcio_check(path).returncode == 0


def test_an_identical_payload_for_the_same_url_becomes_a_revisit(tmp_path: Path) -> None:
    w = writer(tmp_path, revisits=DigestIndex())
    first = w.write(exchange())
    again = w.write(
        exchange(date=MOMENT + timedelta(hours=1), response_headers=[("Content-Type", "text/html")])
    )
    w.close()
    path = w.closed_files[0]
    assert warcio_check(path).returncode == 0
    recs = raw_records(path)
    revisit = next(r for r in recs if r.rec_type == "revisit")
    headers = revisit.rec_headers
    assert (
        headers.get_header("WARC-Profile")
        == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    )
    assert headers.get_header("WARC-Refers-To") == first.record_id
    assert headers.get_header("WARC-Refers-To-Target-URI") == first.url
    assert headers.get_header("WARC-Refers-To-Date") == "2026-01-02T03:04:05.678901Z"
    original = next(r for r in recs if r.rec_type == "response")
    assert headers.get_header("WARC-Payload-Digest") == original.rec_headers.get_header("WARC-Payload-Digest")
    # The HTTP status line and headers of the second fetch are kept; the payload is not.
    assert revisit.http_headers.get_statuscode() == "200"
    assert revisit.http_headers.get_header("Content-Type") == "text/html"
    assert revisit.raw == b""
    # The article's provenance points at the record that holds the body.
    assert again.revisit and (again.file, again.offset, again.record_id) == (
        first.file,
        first.offset,
        first.record_id,
    )


def test_the_same_payload_at_another_url_or_a_changed_payload_is_archived_again(tmp_path: Path) -> None:
    w = writer(tmp_path, revisits=DigestIndex())
    w.write(exchange())
    w.write(exchange(url="https://www.kabarcontoh.id/berita/other"))
    w.write(exchange(body=PAGE + b"<!-- updated -->"))
    w.close()
    assert [r.rec_type for r in raw_records(w.closed_files[0])].count("revisit") == 0


def test_earlier_runs_cdxj_makes_a_refetch_a_revisit(tmp_path: Path) -> None:
    earlier = writer(tmp_path / "one")
    earlier.write(exchange(url="https://www.kabarcontoh.id/robots.txt", body=b"User-agent: *\nAllow: /\n"))
    earlier.close()
    index = DigestIndex()
    assert index.seed_from_cdxj([write_cdxj(earlier.closed_files[0])]) == 1
    later = writer(tmp_path / "two", revisits=index)
    provenance = later.write(
        exchange(url="https://www.kabarcontoh.id/robots.txt", body=b"User-agent: *\nAllow: /\n")
    )
    later.close()
    assert provenance.revisit
    (revisit,) = [r for r in raw_records(later.closed_files[0]) if r.rec_type == "revisit"]
    assert (
        revisit.rec_headers.get_header("WARC-Refers-To-Target-URI") == "https://www.kabarcontoh.id/robots.txt"
    )
    assert revisit.rec_headers.get_header("WARC-Refers-To-Date") == "2026-01-02T03:04:05Z"
    # CDXJ has no record ids: it is read from the earlier file, which lies beside its index.
    original = raw_records(earlier.closed_files[0])[1]
    assert revisit.rec_headers.get_header("WARC-Refers-To") == original.rec_headers.get_header(
        "WARC-Record-ID"
    )
    assert warcio_check(later.closed_files[0]).returncode == 0


def test_transfer_encoding_the_client_undid_is_kept_under_another_name(tmp_path: Path) -> None:
    w = writer(tmp_path)
    w.write(exchange(response_headers=[("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")]))
    w.close()
    response = raw_records(w.closed_files[0])[1]
    assert response.http_headers.get_header("Transfer-Encoding") is None
    assert response.http_headers.get_header("X-Kliping-Orig-Transfer-Encoding") == "chunked"
    assert response.raw == PAGE
    assert warcio_check(w.closed_files[0]).returncode == 0
