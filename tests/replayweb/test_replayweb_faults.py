"""Fault injection, hit counting and the request log."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rwhelpers import ca_context, connection, fetch, raw_exchange, split_response

from replayweb import ReplayWeb, filler

PAGE = b"<html><body>" + b"Isi berita yang panjang. " * 400 + b"</body></html>"


def opener(web: ReplayWeb) -> urllib.request.OpenerDirector:
    """urllib through the replay web proxy for http and https, trusting its CA."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": web.proxy_url, "https": web.proxy_url}),
        urllib.request.HTTPSHandler(context=ca_context(web)),
    )


def test_status_fault_for_first_n_requests_then_normal(web: ReplayWeb) -> None:
    web.add("https://o.id/a", PAGE)
    web.fault("https://o.id/a", status=503, times=2)
    statuses = [fetch(web, "https://o.id/a")[0] for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert web.hits("https://o.id/a") == 3


def test_status_fault_without_times_is_permanent(web: ReplayWeb) -> None:
    web.fault("http://o.id/a", status=500)
    assert [fetch(web, "http://o.id/a")[0] for _ in range(3)] == [500, 500, 500]


def test_clear_faults_restores_normal_serving(web: ReplayWeb) -> None:
    web.add("http://o.id/a", PAGE)
    web.fault("http://o.id/a", status=500)
    web.clear_faults("http://o.id/a")
    assert fetch(web, "http://o.id/a")[0] == 200


def test_delay_fault_delays_the_answer(web: ReplayWeb) -> None:
    web.add("http://o.id/slow", PAGE)
    web.fault("http://o.id/slow", delay=0.3)
    start = time.monotonic()
    status, _, body = fetch(web, "http://o.id/slow")
    assert time.monotonic() - start >= 0.3
    assert (status, body) == (200, PAGE)


def test_delay_longer_than_client_timeout_times_out(web: ReplayWeb) -> None:
    web.add("http://o.id/slow", PAGE)
    web.fault("http://o.id/slow", delay=30)
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=0.2)
    conn.request("GET", "http://o.id/slow")
    with pytest.raises(TimeoutError):
        conn.getresponse()
    conn.close()


def test_truncate_sends_full_length_then_closes_after_k_bytes(web: ReplayWeb) -> None:
    web.add("http://o.id/a", PAGE)
    web.fault("http://o.id/a", truncate=100)
    data, err = raw_exchange(web, b"GET http://o.id/a HTTP/1.1\r\nHost: o.id\r\n\r\n")
    status_line, headers, body = split_response(data)
    assert err is None  # a clean close, not a reset
    assert status_line == b"HTTP/1.1 200 OK"
    assert headers["content-length"] == str(len(PAGE))
    assert body == PAGE[:100]


def test_truncate_is_incomplete_read_for_http_client(web: ReplayWeb) -> None:
    web.add("https://o.id/a", PAGE)
    web.fault("https://o.id/a", truncate=10)
    conn = connection(web, "https://o.id/a")
    conn.request("GET", "/a")
    resp = conn.getresponse()
    with pytest.raises(http.client.IncompleteRead):
        resp.read()
    conn.close()


def test_reset_before_answering(web: ReplayWeb) -> None:
    web.add("http://o.id/a", PAGE)
    web.fault("http://o.id/a", reset="before")
    data, err = raw_exchange(web, b"GET http://o.id/a HTTP/1.1\r\nHost: o.id\r\n\r\n")
    assert data == b""
    assert isinstance(err, ConnectionResetError)
    assert web.requests[-1].status == 0


def test_reset_mid_body(web: ReplayWeb) -> None:
    web.add("http://o.id/a", PAGE)
    web.fault("http://o.id/a", reset="mid", reset_after=50)
    data, err = raw_exchange(web, b"GET http://o.id/a HTTP/1.1\r\nHost: o.id\r\n\r\n")
    assert isinstance(err, ConnectionResetError)
    status_line, headers, body = split_response(data)
    if data:  # the kernel may drop unread data on RST; what arrived is a cut-off response
        assert status_line == b"HTTP/1.1 200 OK"
        assert headers["content-length"] == str(len(PAGE))
        assert len(body) <= 50


def test_reset_fault_only_first_time_then_served(web: ReplayWeb) -> None:
    web.add("https://o.id/a", PAGE)
    web.fault("https://o.id/a", reset="before", times=1)
    with pytest.raises(OSError):
        fetch(web, "https://o.id/a")
    assert fetch(web, "https://o.id/a")[2] == PAGE


def test_redirect_fault(web: ReplayWeb) -> None:
    web.fault("https://o.id/old", redirect="https://o.id/new", redirect_status=301)
    status, headers, _ = fetch(web, "https://o.id/old")
    assert (status, headers["Location"]) == (301, "https://o.id/new")


def test_redirect_chain_followed_by_urllib(web: ReplayWeb) -> None:
    web.add("https://o.id/final", PAGE)
    web.fault("http://o.id/1", redirect="https://o.id/2")
    web.fault("https://o.id/2", redirect="https://o.id/3")
    web.fault("https://o.id/3", redirect="https://o.id/final")
    with opener(web).open("http://o.id/1", timeout=10) as resp:
        assert (resp.url, resp.read()) == ("https://o.id/final", PAGE)
    assert [web.hits(u) for u in ("http://o.id/1", "https://o.id/2", "https://o.id/3")] == [1, 1, 1]


def test_redirect_loop(web: ReplayWeb) -> None:
    web.fault("https://o.id/a", redirect="https://o.id/b")
    web.fault("https://o.id/b", redirect="https://o.id/a")
    with pytest.raises(urllib.error.HTTPError, match="infinite loop"):
        opener(web).open("https://o.id/a", timeout=10)
    assert web.hits("https://o.id/a") >= 2
    assert web.hits("https://o.id/b") >= 2


def test_binary_body_behind_html_url(web: ReplayWeb) -> None:
    blob = bytes(range(256)) * 4
    web.add("https://o.id/artikel.html", PAGE)
    web.fault("https://o.id/artikel.html", body=blob)
    status, headers, body = fetch(web, "https://o.id/artikel.html")
    assert (status, headers["Content-Type"], body) == (200, "text/html", blob)


def test_empty_200(web: ReplayWeb) -> None:
    web.fault("https://o.id/kosong", body=b"")
    status, headers, body = fetch(web, "https://o.id/kosong")
    assert (status, headers["Content-Length"], body) == (200, "0", b"")


def test_custom_headers_fault(web: ReplayWeb) -> None:
    web.add("https://o.id/a", PAGE)
    web.fault("https://o.id/a", headers={"Content-Type": "application/pdf", "Retry-After": "5"})
    _, headers, _ = fetch(web, "https://o.id/a")
    assert (headers["Content-Type"], headers["Retry-After"]) == ("application/pdf", "5")


def test_huge_streamed_body_is_chunked_and_complete(web: ReplayWeb) -> None:
    total = 32 * 1024 * 1024
    web.fault("https://o.id/huge.html", stream=filler(total))
    conn = connection(web, "https://o.id/huge.html", timeout=30)
    conn.request("GET", "/huge.html")
    resp = conn.getresponse()
    assert resp.headers["Transfer-Encoding"] == "chunked"
    received = 0
    while chunk := resp.read(1 << 20):
        received += len(chunk)
    conn.close()
    assert received == total


def test_streamed_body_generator_is_lazy(web: ReplayWeb) -> None:
    produced = []

    def gen() -> Iterator[bytes]:
        for i in range(1000):
            produced.append(i)
            yield b"x" * 65536

    web.fault("http://o.id/huge", stream=gen, stream_length=1000 * 65536, truncate=65536)
    data, _ = raw_exchange(web, b"GET http://o.id/huge HTTP/1.1\r\nHost: o.id\r\n\r\n")
    _, headers, body = split_response(data)
    assert headers["content-length"] == str(1000 * 65536)
    assert len(body) == 65536
    assert len(produced) < 5  # stopped pulling from the generator at the cut


def test_hits_count_each_request_by_url(web: ReplayWeb) -> None:
    web.add("https://o.id/a", PAGE)
    for _ in range(3):
        fetch(web, "https://o.id/a")
    fetch(web, "https://o.id/tidak-ada")
    assert web.hits("https://o.id/a") == 3
    assert web.hits("https://O.ID:443/a#frag") == 3  # same URL after normalisation
    assert web.hits("https://o.id/tidak-ada") == 1
    assert web.hits("https://o.id/b") == 0


def test_request_log_records_method_url_status(web: ReplayWeb) -> None:
    web.add("http://o.id/a", PAGE)
    fetch(web, "http://o.id/a")
    fetch(web, "http://o.id/b")
    log = [(r.method, r.url, r.status, r.tunnel, r.matched) for r in web.requests]
    assert log == [
        ("GET", "http://o.id/a", 200, False, "http://o.id/a"),
        ("GET", "http://o.id/b", 404, False, None),
    ]


def test_wait_hits_returns_when_count_reached(web: ReplayWeb) -> None:
    web.add("http://o.id/a", PAGE)
    assert not web.wait_hits("http://o.id/a", 1, timeout=0.05)
    fetch(web, "http://o.id/a")
    assert web.wait_hits("http://o.id/a", 1, timeout=5)


def test_faults_file_applied(tmp_path: Path) -> None:
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps({"https://o.id/a": {"status": 503, "times": 1}}))
    with ReplayWeb(faults=faults) as web:
        web.add("https://o.id/a", PAGE)
        assert [fetch(web, "https://o.id/a")[0] for _ in range(2)] == [503, 200]
