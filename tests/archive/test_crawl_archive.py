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


def wacz_records(wacz: Path) -> list[Any]:
    """Every record of every WARC inside a WACZ."""
    import io
    import zipfile

    out = []
    with zipfile.ZipFile(wacz) as archive:
        for name in archive.namelist():
            if name.startswith("archive/"):
                for record in ArchiveIterator(io.BytesIO(archive.read(name))):
                    record.content_stream().read()
                    out.append(record)
    return out


def wacz_pages(wacz: Path) -> list[dict[str, Any]]:
    import zipfile

    lines = zipfile.ZipFile(wacz).read("pages/pages.jsonl").decode("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_the_page_list_names_every_article_with_its_title_and_capture_time(two_runs: Kliping) -> None:
    result = two_runs("wacz", "--run", "run-one", "-o", "one.wacz")
    assert result.code == 0, result.stderr
    header, *pages = wacz_pages(two_runs.cwd / "one.wacz")
    assert header == {"format": "json-pages-1.0", "id": "pages", "title": "Pages"}
    rows = [
        r
        for r in read_jsonl(sorted((two_runs.cwd / "data" / "text").rglob("*.jsonl")))
        if r["run_id"] == "run-one"
    ]
    assert sorted((p["url"], p["title"]) for p in pages) == sorted((r["url"], r["title"]) for r in rows)
    responses = {
        r.rec_headers.get_header("WARC-Target-URI"): r.rec_headers.get_header("WARC-Date")
        for r in wacz_records(two_runs.cwd / "one.wacz")
        if r.rec_type == "response"
    }
    assert all(page["ts"] == responses[page["url"]] for page in pages)


def test_an_incremental_runs_wacz_holds_the_originals_of_its_revisits(two_runs: Kliping) -> None:
    result = two_runs("wacz", "--run", "run-two", "-o", "two.wacz")
    assert result.code == 0, result.stderr
    assert "originals of " in result.stderr
    records = wacz_records(two_runs.cwd / "two.wacz")
    revisits = [r for r in records if r.rec_type == "revisit"]
    assert revisits  # run two fetched the same pages again
    originals = {
        (r.rec_headers.get_header("WARC-Target-URI"), r.rec_headers.get_header("WARC-Payload-Digest"))
        for r in records
        if r.rec_type == "response"
    }
    for revisit in revisits:
        target = revisit.rec_headers.get_header("WARC-Refers-To-Target-URI")
        assert (target, revisit.rec_headers.get_header("WARC-Payload-Digest")) in originals
    assert len(wacz_pages(two_runs.cwd / "two.wacz")) == 1 + len(article_urls(FIXTURE_SITE))
    alone = two_runs("wacz", "--run", "run-two", "-o", "alone.wacz", "--no-originals")
    assert alone.code == 0, alone.stderr
    assert "without their originals (--no-originals)" in alone.stderr
    assert not [
        r
        for r in wacz_records(two_runs.cwd / "alone.wacz")
        if r.rec_type == "response" and "/berita/" in r.rec_headers.get_header("WARC-Target-URI")
    ]


def test_titles_in_the_page_list_are_plain_text() -> None:
    from archive.wacz import html_title, plain_title

    assert plain_title("<b>Banjir</b> &amp; longsor\x07\u2028di  Garut") == "Banjir & longsor di Garut"
    assert html_title(b"<title>Harga &lt;cabai&gt; <script>x</script></title>", None) == "Harga <cabai> x"


def test_kliping_wacz_check_validates_quietly(two_runs: Kliping) -> None:
    import os
    import subprocess
    import sys

    two_runs("wacz", "--run", "run-one", "-o", "checked.wacz")
    # Python's own warning filters, not the test runner's "ignore": py-wacz's pkg_resources
    # DeprecationWarning would show here.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    for args in (["--check", "checked.wacz"], ["--run", "run-one", "-o", "again.wacz"]):
        done = subprocess.run(
            [sys.executable, "-W", "default", "-m", "cli", "wacz", *args],
            cwd=two_runs.cwd, env=env, capture_output=True, text=True, timeout=240,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "pkg_resources" not in done.stderr and "Warning" not in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1
