"""A listener on a second loopback address that only counts the connections it is offered.

The destination guard refuses the whole loopback range, so a test that needs a real connection
attempt to a refused address points the crawler at ``127.0.0.2``: if the guard failed, the packet
would still never leave the machine, and this listener would see the connection.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType

REFUSED_HOST = "127.0.0.2"


class AcceptCounter:
    """Listens on ``REFUSED_HOST:port`` (port 0: any free one) and counts accepted connections."""

    def __init__(self, port: int = 0, host: str = REFUSED_HOST) -> None:
        self.sock = socket.socket()
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.host = host
        self.port = int(self.sock.getsockname()[1])
        self.accepted = 0
        self._thread = threading.Thread(target=self._serve, name="accept-counter", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() (Linux)
        self.sock.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> AcceptCounter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
