"""A real crawl's WARCs: headers as sent, bodies as transferred, warcinfo, CDXJ, revisits, WACZ."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.reader import read_warcinfo
from replayweb import ReplayWeb
from tests.archive.helpers import raw_records
from tests.archive.rawweb import raw_web
from tests.conftest import FIXTURE_SITE, Kliping, Result
from tests.test_scrape import article_urls
from tests.warcs import read_jsonl, warc_files, warcio_check

PAGE = b"<html><head><title>Uji</title></head><body><p>Halo dunia.</p></body></html>"


def ok(body: bytes, *headers: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return f"HTTP/1.1 200 OK\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


def scrape(kliping: Kliping, urls: list[str], *args: str) -> None:
    (kliping.cwd / "links.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    result = kliping("scrape", "links.txt", "-s", "AUTOTHROTTLE_ENABLED=0", *args)
    assert result.code in (0, 1), result.stderr


def all_records(root: Path) -> list:
    return [r for path in warc_files(root) for r in raw_records(path)]


def test_request_records_hold_the_headers_as_sent_on_the_wire(kliping: Kliping) -> None:
    with raw_web({"/robots.txt": ok(b""), "/page": ok(PAGE, "Content-Type: text/html")}) as web:
        scrape(
            kliping,
            [web.url("/page")],
            *web.ALLOW,
            "-s",
            "USER_AGENT=kliping-probe/9 (+https://example.org/bot)",
        )
    requests = {
        r.rec_headers.get_header("WARC-Target-URI"): r
        for r in all_records(kliping.cwd)
        if r.rec_type == "request"
    }
    for path in ("/robots.txt", "/page"):
        record = requests[web.url(path)]
        recorded = record.http_headers.protocol + " " + record.http_headers.statusline
        sent = web.head_for(path).decode("latin-1").rstrip("\r\n").split("\r\n")
        assert recorded == sent[0]
        assert [f"{k}: {v}" for k, v in record.http_headers.headers] == sent[1:]
        assert record.http_headers.get_header("User-Agent") == "kliping-probe/9 (+https://example.org/bot)"


WIRE_HEAD = (
    b"HTTP/1.1 200 Baik\r\n"
    b"content-type: text/html; charset=utf-8\r\n"
    b"Set-Cookie: a=1\r\n"
    b"x-served-by: cache-sin-1\r\n"
    b"Set-Cookie: b=2\r\n"
    b'ETag: "abc"\r\n'
    b"Connection: keep-alive\r\n"
)


def response_record(kliping: Kliping, url: str) -> Any:
    return next(
        r
        for r in all_records(kliping.cwd)
        if r.rec_type == "response" and r.rec_headers.get_header("WARC-Target-URI") == url
    )


def test_response_records_hold_the_status_line_and_headers_as_received_on_the_wire(kliping: Kliping) -> None:
    # Twisted would hand over "Content-Type", "X-Served-By", "Etag", the cookies grouped, no reason
    # phrase and no Connection header: the record keeps what the server sent.
    sent = WIRE_HEAD + f"Content-Length: {len(PAGE)}\r\n\r\n".encode() + PAGE
    with raw_web({"/robots.txt": ok(b""), "/page": sent}) as web:
        scrape(kliping, [web.url("/page")], *web.ALLOW)
    record = response_record(kliping, web.url("/page"))
    lines = WIRE_HEAD.decode().rstrip("\r\n").split("\r\n")
    assert record.http_headers.protocol + " " + record.http_headers.statusline == lines[0]
    expected = [*lines[1:], f"Content-Length: {len(PAGE)}"]
    assert [f"{k}: {v}" for k, v in record.http_headers.headers] == expected
    assert record.raw == PAGE


def test_after_an_interim_1xx_response_the_record_holds_the_final_head(kliping: Kliping) -> None:
    sent = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + WIRE_HEAD
    sent += f"Content-Length: {len(PAGE)}\r\n\r\n".encode() + PAGE
    with raw_web({"/robots.txt": ok(b""), "/page": sent}) as web:
        scrape(kliping, [web.url("/page")], *web.ALLOW)
    record = response_record(kliping, web.url("/page"))
    assert record.http_headers.statusline == "200 Baik"
    assert record.http_headers.headers[0] == ("content-type", "text/html; charset=utf-8")


def test_a_reason_phrase_that_is_not_ascii_is_archived_percent_encoded(kliping: Kliping) -> None:
    # warcio cannot write it as it came; the response must still be in the WARC.
    sent = "HTTP/1.1 200 Baik ✓\r\n".encode() + f"Content-Length: {len(PAGE)}\r\n\r\n".encode() + PAGE
    with raw_web({"/robots.txt": ok(b""), "/page": sent}) as web:
        scrape(kliping, [web.url("/page")], *web.ALLOW)
    assert response_record(kliping, web.url("/page")).http_headers.statusline == "200 Baik %E2%9C%93"


def test_a_chunked_response_is_recorded_de_chunked_with_its_framing_header_renamed(kliping: Kliping) -> None:
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(PAGE), PAGE)
    sent = WIRE_HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + chunked
    with raw_web({"/robots.txt": ok(b""), "/page": sent}) as web:
        scrape(kliping, [web.url("/page")], *web.ALLOW)
    record = response_record(kliping, web.url("/page"))
    assert record.http_headers.headers[-1] == ("X-Kliping-Orig-Transfer-Encoding", "chunked")
    assert record.raw == PAGE
    assert all(warcio_check(path).returncode == 0 for path in warc_files(kliping.cwd))


def test_a_gzip_response_keeps_its_encoding_and_compressed_bytes_and_still_extracts(
    gzip_scraped: tuple[Path, Result], kliping: Kliping
) -> None:
    scraped, result = gzip_scraped
    urls = article_urls(FIXTURE_SITE)
    assert result.code == 0, result.stderr
    responses = [r for r in all_records(scraped) if r.rec_type == "response"]
    articles = [r for r in responses if r.rec_headers.get_header("WARC-Target-URI") in urls]
    assert len(articles) == len(urls)
    for record in articles:
        assert record.http_headers.get_header("Content-Encoding") == "gzip"
        assert record.raw[:2] == b"\x1f\x8b"
        assert b"<html" in gzip.decompress(record.raw).lower()
    for path in warc_files(scraped):
        assert warcio_check(path).returncode == 0
    again = kliping("extract", f"{scraped}/data/warc/*.warc.gz", "--output", "again.jsonl")
    assert again.code == 0, again.stderr
    rows = read_jsonl([kliping.cwd / "again.jsonl"])
    assert sorted(row["url"] for row in rows) == sorted(urls)
    assert all(row["text"] for row in rows)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory, site_web: ReplayWeb) -> Kliping:
    """The fixture site's articles scraped twice into one output: the second run finds nothing new."""
    kliping = Kliping(tmp_path_factory.mktemp("runs"))
    urls = article_urls(FIXTURE_SITE)
    (kliping.cwd / "links.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    for run in ("run-one", "run-two"):
        result = kliping(
            "scrape",
            "links.txt",
            "--proxy",
            site_web.proxy_url,
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
            "-s",
            f"KLIPING_RUN_ID={run}",
            "-s",
            "KLIPING_WARC_OPERATOR=Tim Arsip <arsip@example.org>",
        )
        assert result.code == 0, result.stderr
    return kliping


def run_files(kliping: Kliping, run: str) -> list[Path]:
    return [p for p in warc_files(kliping.cwd / "data" / "warc") if read_warcinfo(p).get("run-id") == run]


def test_every_file_passes_warcio_check_and_starts_with_a_complete_warcinfo(two_runs: Kliping) -> None:
    files = warc_files(two_runs.cwd / "data" / "warc")
    assert len(files) == 2
    for path in files:
        assert warcio_check(path).returncode == 0
        info = read_warcinfo(path)
        assert info["software"].startswith("kliping/")
        assert info["format"] == "WARC File Format 1.1"
        assert info["operator"] == "Tim Arsip <arsip@example.org>"
        assert info["robots"] == "obey"
        assert info["hostname"] and info["run-id"] in ("run-one", "run-two")
        assert info["spider"] == "urls" and info["url-list"] == "links.txt"
        assert not list(path.parent.glob("*.open"))


def test_a_cdxj_index_lies_beside_each_closed_warc(two_runs: Kliping) -> None:
    for path in warc_files(two_runs.cwd / "data" / "warc"):
        lines = path.with_name(path.name + ".cdxj").read_text(encoding="utf-8").splitlines()
        entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
        assert {e["filename"] for e in entries} == {path.name}
        assert set(article_urls(FIXTURE_SITE)) <= {e["url"] for e in entries}
        assert lines == sorted(lines)


def test_a_second_run_writes_unchanged_pages_as_revisits_of_the_first(two_runs: Kliping) -> None:
    (first,) = run_files(two_runs, "run-one")
    (second,) = run_files(two_runs, "run-two")
    originals = {
        r.rec_headers.get_header("WARC-Target-URI") for r in raw_records(first) if r.rec_type == "response"
    }
    revisits = [r for r in raw_records(second) if r.rec_type == "revisit"]
    assert {r.rec_headers.get_header("WARC-Target-URI") for r in revisits} >= set(article_urls(FIXTURE_SITE))
    assert {r.rec_headers.get_header("WARC-Refers-To-Target-URI") for r in revisits} <= originals
    assert all(r.http_headers.get_statuscode() == "200" for r in revisits)


def test_article_records_point_at_the_response_that_holds_their_page(two_runs: Kliping) -> None:
    rows = read_jsonl(sorted((two_runs.cwd / "data" / "text").rglob("*.jsonl")))
    warc_dir = two_runs.cwd / "data" / "warc"
    for row in rows:
        for page in row["warc"]:
            with open(warc_dir / page["file"], "rb") as stream:
                stream.seek(page["offset"])
                (record,) = raw_records_from(stream)
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Record-ID") == page["record_id"]
            assert record.rec_headers.get_header("WARC-Target-URI") == page["url"]


def raw_records_from(stream: BinaryIO) -> list[Any]:

    for record in ArchiveIterator(stream):
        return [record]
    return []


def test_kliping_wacz_packages_a_run_into_a_valid_wacz(two_runs: Kliping) -> None:
    result = two_runs("wacz", "--run", "run-one")
    assert result.code == 0, result.stderr
    wacz = two_runs.cwd / "data" / "wacz" / "run-one.wacz"
    import zipfile

    names = zipfile.ZipFile(wacz).namelist()
    assert [n for n in names if n.startswith("archive/")] == [
        f"archive/{p.name}" for p in run_files(two_runs, "run-one")
    ]
    assert "datapackage.json" in names
    from archive.wacz import validate_wacz

    validate_wacz(wacz)


def test_kliping_wacz_without_warcs_is_one_line(kliping: Kliping) -> None:
    result = kliping("wacz", "--run", "nope")
    assert result.code == 2
    assert result.stderr.strip() == "kliping wacz: data/warc: no WARC directory"
