"""Reading a response head as it came over the wire."""

from __future__ import annotations

from archive.records import Exchange
from fetch.wirehead import Head, parse_head


def test_a_head_keeps_the_order_spelling_and_repeats_of_its_headers() -> None:
    raw = b"HTTP/1.1 404 Tidak Ditemukan\r\nx-a: 1\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n"
    assert parse_head(raw) == Head(
        "HTTP/1.1", 404, "Tidak Ditemukan", [("x-a", "1"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
    )


def test_a_continuation_line_joins_its_header_and_a_line_without_a_colon_is_left_out() -> None:
    raw = b"HTTP/1.0 200\nX-Long: one\n two\nnonsense\nServer: s\n\n"
    assert parse_head(raw) == Head("HTTP/1.0", 200, "", [("X-Long", "one two"), ("Server", "s")])


def test_a_head_that_is_not_http_is_none() -> None:
    assert parse_head(b"ICY 200 OK\r\n\r\n") is None
    assert parse_head(b"HTTP/1.1 abc\r\n\r\n") is None


def test_bytes_a_warc_head_cannot_hold_are_percent_encoded() -> None:
    raw = "HTTP/1.1 200 Baik ✓\r\nX-Nama: Café\r\n\r\n".encode()
    assert parse_head(raw) == Head("HTTP/1.1", 200, "Baik %E2%9C%93", [("X-Nama", "Caf%C3%A9")])


def test_a_status_line_without_a_reason_is_recorded_without_one() -> None:
    head = parse_head(b"HTTP/1.1 200\r\n\r\n")
    assert head is not None
    exchange = Exchange(url="http://x.id/", status=200, response_headers=(), body=b"", reason=head.reason)
    assert exchange.status_line == "200"
    assert Exchange(url="http://x.id/", status=200, response_headers=(), body=b"").status_line == "200 OK"
