"""A tiny loopback origin server that keeps every request's raw bytes and answers with raw bytes.

The replay web logs requests by URL; to prove what Scrapy puts on the wire we need the bytes
themselves, so this server records the request head exactly as received.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class RawWeb:
    """Answers ``responses[path]`` (whole raw HTTP responses) and records each request head."""

    responses: dict[str, bytes]
    heads: list[bytes] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    #: The crawler's destination guard refuses loopback addresses: a crawl of this server names
    #: the one address it needs (docs/security.md).
    ALLOW = ("-s", "KLIPING_ALLOWED_DESTINATIONS=127.0.0.1")

    def head_for(self, path: str) -> bytes:
        for head in self.heads:
            if head.split(b" ", 2)[1] == path.encode():
                return head
        raise KeyError(path)


def not_found() -> bytes:
    return b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found"


@contextmanager
def raw_web(responses: dict[str, bytes]) -> Iterator[RawWeb]:
    web = RawWeb(responses)

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            while True:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = self.rfile.readline()
                    if not line:
                        return
                    head += line
                web.heads.append(head)
                path = head.split(b" ", 2)[1].decode()
                self.wfile.write(web.responses.get(path, not_found()))
                self.wfile.flush()

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    with Server(("127.0.0.1", 0), Handler) as server:
        web.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield web
        finally:
            server.shutdown()
            # Unblock handler threads waiting on keep-alive connections.
            socket.socket().close()
