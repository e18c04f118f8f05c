"""Small HTTP client helpers for the replay web tests (127.0.0.1 only)."""

from __future__ import annotations

import http.client
import socket
import ssl
import sys
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from replayweb import ReplayWeb  # noqa: E402


def ca_context(web: ReplayWeb) -> ssl.SSLContext:
    """Client SSL context trusting only the replay web's CA (hostname checked)."""
    return ssl.create_default_context(cafile=web.ca_cert_path)


def connection(web: ReplayWeb, url: str, timeout: float = 10.0) -> http.client.HTTPConnection:
    """A connection that reaches ``url`` through the replay web as a proxy: plain for
    http (absolute-form requests), a CONNECT tunnel with TLS for https."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection("127.0.0.1", web.port, timeout=timeout, context=ca_context(web))
        conn.set_tunnel(parts.hostname or "", parts.port or 443)
        return conn
    return http.client.HTTPConnection("127.0.0.1", web.port, timeout=timeout)


def request_target(url: str) -> str:
    """Absolute-form for http (proxy style), origin-form inside an https tunnel."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return url


def fetch(
    web: ReplayWeb, url: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request through the proxy: (status, headers, body)."""
    conn = connection(web, url)
    try:
        conn.request(method, request_target(url), headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def raw_exchange(web: ReplayWeb, request: bytes, timeout: float = 10.0) -> tuple[bytes, BaseException | None]:
    """Send raw bytes on a plain socket; read until EOF or error. Returns (bytes, error)."""
    data = b""
    with socket.create_connection(("127.0.0.1", web.port), timeout=timeout) as sock:
        sock.sendall(request)
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    return data, None
                data += chunk
        except OSError as exc:
            return data, exc


def split_response(data: bytes) -> tuple[bytes, dict[str, str], bytes]:
    """Split a raw HTTP response into (status line, lower-cased headers, body bytes)."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return lines[0].encode(), headers, body
