"""Serving pages: http proxying, https through CONNECT, origin-form, matching, headers."""

from __future__ import annotations

import gzip
import http.client
import ssl
from pathlib import Path

import pytest
from rwhelpers import ca_context, connection, fetch, raw_exchange, split_response

from replayweb import ReplayWeb

PAGE = b'<html><head><meta charset="utf-8"><title>Berita</title></head><body>Isi berita</body></html>'


def test_http_proxy_absolute_form(web: ReplayWeb) -> None:
    web.add("http://www.detik.com/berita/1", PAGE)
    status, _, body = fetch(web, "http://www.detik.com/berita/1")
    assert status == 200
    assert body == PAGE


def test_content_type_has_no_charset_and_length_is_set(web: ReplayWeb) -> None:
    web.add("http://www.detik.com/berita/1.html", PAGE)
    _, headers, _ = fetch(web, "http://www.detik.com/berita/1.html")
    assert headers["Content-Type"] == "text/html"
    assert headers["Content-Length"] == str(len(PAGE))


def test_content_type_from_extension(web: ReplayWeb) -> None:
    web.add("https://o.id/sitemap.xml", b"<urlset/>")
    web.add("https://o.id/robots.txt", b"User-agent: *\n")
    assert fetch(web, "https://o.id/sitemap.xml")[1]["Content-Type"] == "application/xml"
    assert fetch(web, "https://o.id/robots.txt")[1]["Content-Type"] == "text/plain"


def test_https_connect_tunnel_with_ca_verification(web: ReplayWeb) -> None:
    web.add("https://news.detik.com/berita/d-1/judul", PAGE)
    conn = connection(web, "https://news.detik.com/berita/d-1/judul")
    conn.request("GET", "/berita/d-1/judul")
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (200, PAGE)
    assert isinstance(conn.sock, ssl.SSLSocket)
    cert = conn.sock.getpeercert()
    assert cert is not None
    assert ("DNS", "news.detik.com") in cert["subjectAltName"]
    conn.close()
    (record,) = web.requests
    assert (record.url, record.tunnel) == ("https://news.detik.com/berita/d-1/judul", True)


def test_https_certificate_for_wrong_host_fails_verification(web: ReplayWeb) -> None:
    conn = http.client.HTTPSConnection("127.0.0.1", web.port, timeout=10, context=ca_context(web))
    conn.set_tunnel("www.kompas.com", 443)
    conn.connect()  # the CA is trusted and the name matches
    conn.close()
    other = ssl.create_default_context()  # system roots only: our CA must not be trusted
    conn = http.client.HTTPSConnection("127.0.0.1", web.port, timeout=10, context=other)
    conn.set_tunnel("www.kompas.com", 443)
    with pytest.raises(ssl.SSLCertVerificationError):
        conn.connect()
    conn.close()


def test_origin_form_with_host_header(web: ReplayWeb) -> None:
    web.add("http://www.tempo.co/read/1", PAGE)
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    conn.request("GET", "/read/1", headers={"Host": "www.tempo.co"})
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (200, PAGE)
    conn.close()


def test_origin_form_host_with_server_port_is_ignored(web: ReplayWeb) -> None:
    web.add("http://www.tempo.co/read/1", PAGE)
    data, _ = raw_exchange(
        web, f"GET /read/1 HTTP/1.1\r\nHost: www.tempo.co:{web.port}\r\nConnection: close\r\n\r\n".encode()
    )
    status_line, _, body = split_response(data)
    assert status_line == b"HTTP/1.1 200 OK"
    assert body == PAGE


def test_unknown_url_is_404(web: ReplayWeb) -> None:
    status, _, body = fetch(web, "http://www.detik.com/tidak-ada")
    assert status == 404
    assert b"tidak-ada" in body


def test_unknown_https_url_is_404(web: ReplayWeb) -> None:
    assert fetch(web, "https://www.detik.com/tidak-ada")[0] == 404


def test_other_scheme_matches(web: ReplayWeb) -> None:
    web.add("http://www.antaranews.com/berita/1", PAGE)
    assert fetch(web, "https://www.antaranews.com/berita/1")[2] == PAGE


def test_exact_match_wins_over_other_scheme(web: ReplayWeb) -> None:
    web.add("http://o.id/a", b"http version")
    web.add("https://o.id/a", b"https version")
    assert fetch(web, "https://o.id/a")[2] == b"https version"
    assert fetch(web, "http://o.id/a")[2] == b"http version"


def test_trailing_slash_toggled(web: ReplayWeb) -> None:
    web.add("https://o.id/kanal/", b"with slash")
    web.add("https://o.id/tag", b"without slash")
    assert fetch(web, "https://o.id/kanal")[2] == b"with slash"
    assert fetch(web, "https://o.id/tag/")[2] == b"without slash"


def test_query_string_is_a_different_page(web: ReplayWeb) -> None:
    web.add("https://o.id/read/1", b"page one")
    web.add("https://o.id/read/1?page=2", b"page two")
    assert fetch(web, "https://o.id/read/1?page=2")[2] == b"page two"
    assert fetch(web, "https://o.id/read/1")[2] == b"page one"
    assert fetch(web, "https://o.id/read/1?page=3")[0] == 404


def test_keep_alive_serves_several_requests_on_one_connection(web: ReplayWeb) -> None:
    web.add("https://o.id/a", b"A")
    web.add("https://o.id/b", b"B")
    conn = connection(web, "https://o.id/a")
    bodies = []
    for path in ("/a", "/b", "/a"):
        conn.request("GET", path)
        bodies.append(conn.getresponse().read())
    conn.close()
    assert bodies == [b"A", b"B", b"A"]
    assert len({r.client for r in web.requests}) == 1


def test_connection_close_is_honoured(web: ReplayWeb) -> None:
    web.add("http://o.id/a", b"A")
    data, err = raw_exchange(web, b"GET http://o.id/a HTTP/1.1\r\nHost: o.id\r\nConnection: close\r\n\r\n")
    status_line, headers, body = split_response(data)
    assert err is None  # the server closed after the response
    assert (status_line, headers["connection"], body) == (b"HTTP/1.1 200 OK", "close", b"A")


def test_gzip_served_when_enabled_and_accepted(web: ReplayWeb) -> None:
    web.add("https://o.id/a", PAGE * 20, gzip=True)
    status, headers, body = fetch(web, "https://o.id/a", headers={"Accept-Encoding": "gzip, deflate"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert int(headers["Content-Length"]) == len(body) < len(PAGE * 20)
    assert gzip.decompress(body) == PAGE * 20


def test_gzip_not_served_without_accept_encoding(web: ReplayWeb) -> None:
    web.add("https://o.id/a", PAGE, gzip=True)
    _, headers, body = fetch(web, "https://o.id/a", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in headers
    assert body == PAGE


def test_gzip_off_by_default(web: ReplayWeb) -> None:
    web.add("https://o.id/a", PAGE)
    _, headers, _ = fetch(web, "https://o.id/a", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in headers


def test_extra_headers_and_status_per_entry(web: ReplayWeb) -> None:
    web.add(
        "https://o.id/a",
        PAGE,
        status=410,
        headers={"Content-Type": "text/html; charset=windows-1252", "X-Kliping": "ya"},
    )
    status, headers, _ = fetch(web, "https://o.id/a")
    assert status == 410
    assert headers["Content-Type"] == "text/html; charset=windows-1252"
    assert headers["X-Kliping"] == "ya"


def test_head_has_length_but_no_body(web: ReplayWeb) -> None:
    web.add("http://o.id/a", PAGE)
    data, _ = raw_exchange(web, b"HEAD http://o.id/a HTTP/1.1\r\nHost: o.id\r\nConnection: close\r\n\r\n")
    _, headers, body = split_response(data)
    assert headers["content-length"] == str(len(PAGE))
    assert body == b""


def test_bad_request_line_is_400(web: ReplayWeb) -> None:
    data, _ = raw_exchange(web, b"NONSENSE\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 400 ")


def test_manifest_pages_served_with_type_from_file_extension(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_bytes(b"<rss/>")
    (tmp_path / "MANIFEST.tsv").write_text("path\turl\nfeed.xml\thttps://o.id/rss\n")
    with ReplayWeb([tmp_path / "MANIFEST.tsv"]) as web:
        status, headers, body = fetch(web, "https://o.id/rss")
        assert (status, headers["Content-Type"], body) == (200, "application/xml", b"<rss/>")
        assert len(web) == 1


def test_port_in_use_raises(web: ReplayWeb) -> None:
    with pytest.raises(OSError):
        ReplayWeb(port=web.port).start()
