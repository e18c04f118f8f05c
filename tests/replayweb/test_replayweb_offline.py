"""The replay web never connects anywhere: it answers every URL itself, known or not.

The crawler's tests that name private or cloud-metadata addresses rely on this: with the replay
web as their proxy, no packet can leave loopback even if the destination guard failed.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

from rwhelpers import fetch, raw_exchange, split_response

from replayweb import ReplayWeb
from tests.fetch.loopback import AcceptCounter

REPLAYWEB = Path(__file__).resolve().parents[2] / "replayweb"


def test_an_unknown_url_is_answered_404_without_a_connection_to_its_host(web: ReplayWeb) -> None:
    with AcceptCounter() as target:
        status, _, body = fetch(web, f"http://{target.host}:{target.port}/latest/meta-data/")
        assert status == 404
        assert body.startswith(b"404 Not Found: ")
        assert target.accepted == 0


def test_a_connect_tunnel_is_ended_by_the_replay_web_itself(web: ReplayWeb) -> None:
    with AcceptCounter() as target, socket.create_connection(("127.0.0.1", web.port), timeout=10) as sock:
        target_name = f"{target.host}:{target.port}"
        sock.sendall(f"CONNECT {target_name} HTTP/1.1\r\nHost: {target_name}\r\n\r\n".encode())
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            chunk = sock.recv(1)
            assert chunk, head
            head += chunk
        assert head.startswith(b"HTTP/1.1 200 Connection established")
        assert target.accepted == 0


def test_a_redirect_fault_is_only_answered_never_followed(web: ReplayWeb) -> None:
    with AcceptCounter() as target:
        inside = f"http://{target.host}:{target.port}/admin"
        web.fault("http://berita.contoh.id/a", redirect=inside)
        status, headers, _ = fetch(web, "http://berita.contoh.id/a")
        assert (status, headers["Location"]) == (302, inside)
        assert target.accepted == 0


def test_the_redirect_body_keeps_its_target_as_text(web: ReplayWeb) -> None:
    web.fault("http://berita.contoh.id/a", redirect='javascript:alert("x")<script>')
    data, _ = raw_exchange(
        web, b"GET http://berita.contoh.id/a HTTP/1.1\r\nHost: berita.contoh.id\r\nConnection: close\r\n\r\n"
    )
    _, _, body = split_response(data)
    assert b"<script>" not in body
    assert b"javascript:alert(&quot;x&quot;)&lt;script&gt;" in body


def test_the_replay_web_has_no_client_code() -> None:
    # The spec of its isolation: nothing in the package opens an outgoing connection.
    client_calls = re.compile(
        r"open_connection|create_connection|\.connect\(|urlopen|http\.client|import requests|aiohttp"
        r"|socket\.socket\("
    )
    for source in sorted(REPLAYWEB.rglob("*.py")):
        found = client_calls.findall(source.read_text(encoding="utf-8"))
        assert not found, f"{source.name}: {found}"
