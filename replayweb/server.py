"""The replay web server: an asyncio HTTP/1.1 origin server and forward proxy (absolute-form
requests and CONNECT with TLS under a generated CA) serving saved pages at their real URLs,
with per-URL fault injection, hit counters and a request log."""

from __future__ import annotations

import asyncio
import contextlib
import gzip as gzip_module
import html
import logging
import mimetypes
import os
import socket
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from .ca import CertificateAuthority
from .config import Fault, ResetMode, normalize_url, read_faults, read_manifest, url_candidates

__all__ = ["Entry", "ReplayServer", "ReplayWeb", "RequestRecord"]

log = logging.getLogger("replayweb")

_CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".json": "application/json",
    ".js": "application/javascript",
    ".css": "text/css",
}
_MAX_HEAD = 64 * 1024
_LINGER_RST = struct.pack("ii", 1, 0)


def content_type_for(name: str, default: str = "application/octet-stream") -> str:
    """Content-Type (no charset) for a file name or URL path, by extension."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in _CONTENT_TYPES:
        return _CONTENT_TYPES[suffix]
    if not suffix:
        return default
    guessed, _ = mimetypes.guess_type(f"x{suffix}", strict=False)
    return guessed or default


@dataclass
class Entry:
    """One served URL: a body in memory or a file read on first use."""

    url: str
    status: int = 200
    content_type: str = "text/html"
    headers: dict[str, str | None] = field(default_factory=dict)
    body: bytes | None = None
    path: Path | None = None
    gzip: bool | None = None
    _gz: bytes | None = field(default=None, repr=False)

    def load(self) -> bytes:
        """The body bytes (read from ``path`` and cached on first use)."""
        if self.body is None:
            assert self.path is not None
            self.body = self.path.read_bytes()
        return self.body

    def gzipped(self) -> bytes:
        """The body gzip-compressed (cached)."""
        if self._gz is None:
            self._gz = gzip_module.compress(self.load(), compresslevel=6, mtime=0)
        return self._gz


#: Header on the 404 answering a URL the manifests do not hold.
NOT_SAVED_HEADER = "X-Replayweb"


@dataclass(frozen=True)
class RequestRecord:
    """One request as seen by the server. ``status`` is 0 when the connection was reset
    before answering; ``tunnel`` is True inside a CONNECT tunnel."""

    time: float
    client: str
    method: str
    url: str
    status: int
    tunnel: bool
    matched: str | None


class _Closing(Exception):
    """Internal: stop serving this connection."""


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Status"


def _encode_head(status: int, headers: list[tuple[str, str]]) -> bytes:
    text = f"HTTP/1.1 {status} {_reason(status)}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _merge_headers(base: list[tuple[str, str]], extra: Mapping[str, str | None] | None) -> None:
    if not extra:
        return
    for name, value in extra.items():
        low = name.lower()
        base[:] = [(k, v) for k, v in base if k.lower() != low]
        if value is not None:
            base.append((name, value))


class ReplayServer:
    """The asyncio server and its state. Use :class:`ReplayWeb` from synchronous code;
    use this directly inside a running event loop (``await start()``, ``await close()``).
    ``add``/``fault``/``hits`` may be called from any thread."""

    def __init__(
        self,
        manifests: Iterable[str | os.PathLike[str]] = (),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: str | os.PathLike[str] | None = None,
        gzip: bool = False,
        ca_dir: str | os.PathLike[str] | None = None,
        log_limit: int = 100_000,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.gzip = gzip
        self._ca_dir = ca_dir
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._entries: dict[str, Entry] = {}
        self._faults: dict[str, Fault] = {}
        self._hits: Counter[str] = Counter()
        self._arrivals: Counter[str] = Counter()
        self._log: deque[RequestRecord] = deque(maxlen=log_limit)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.ca: CertificateAuthority | None = None
        self.port = 0
        self._date = (0, "")
        for manifest in manifests:
            for row in read_manifest(manifest):
                self._entries[normalize_url(row.url)] = Entry(
                    url=row.url, content_type=content_type_for(row.path.name), path=row.path
                )
        if faults is not None:
            for url, fault in read_faults(faults):
                self._faults[normalize_url(url)] = fault

    # ------------------------------------------------------------------ public state API

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def urls(self) -> list[str]:
        """The URLs served, as given in manifests or to ``add``."""
        with self._lock:
            return [e.url for e in self._entries.values()]

    def add(
        self,
        url: str,
        body: bytes,
        status: int = 200,
        headers: Mapping[str, str | None] | None = None,
        *,
        content_type: str | None = None,
        gzip: bool | None = None,
    ) -> None:
        """Serve ``body`` at ``url``. Content-Type comes from ``headers``, else
        ``content_type``, else the URL path's extension (text/html when it has none)."""
        if not isinstance(body, bytes | bytearray | memoryview):
            raise TypeError("body must be bytes")
        ctype = content_type or content_type_for(urlsplit(url).path, default="text/html")
        entry = Entry(
            url=url,
            status=status,
            content_type=ctype,
            headers=dict(headers or {}),
            body=bytes(body),
            gzip=gzip,
        )
        with self._lock:
            self._entries[normalize_url(url)] = entry

    def remove(self, url: str) -> None:
        """Stop serving ``url`` (exact URL only)."""
        with self._lock:
            self._entries.pop(normalize_url(url), None)

    def fault(self, url: str, fault: Fault | None = None, /, **kwargs: Any) -> Fault:
        """Set (replace) the fault for ``url``: a :class:`Fault` or its fields as keywords."""
        if fault is None:
            fault = Fault(**kwargs)
        elif kwargs:
            raise TypeError("pass either a Fault or keyword fields, not both")
        with self._lock:
            self._faults[normalize_url(url)] = fault
        return fault

    def clear_faults(self, url: str | None = None) -> None:
        """Remove the fault for ``url``, or all faults."""
        with self._lock:
            if url is None:
                self._faults.clear()
            else:
                self._faults.pop(normalize_url(url), None)

    def hits(self, url: str) -> int:
        """Number of requests for exactly this URL (after normalisation), whatever the answer."""
        with self._lock:
            return self._hits[normalize_url(url)]

    def wait_hits(self, url: str, count: int = 1, timeout: float = 10.0) -> bool:
        """Block until ``hits(url) >= count`` or ``timeout`` seconds pass; return whether reached."""
        key = normalize_url(url)
        with self._cond:
            return self._cond.wait_for(lambda: self._hits[key] >= count, timeout)

    def arrivals(self, url: str) -> int:
        """Requests for this URL received so far, counted as they arrive (before any ``delay``)."""
        with self._lock:
            return self._arrivals[normalize_url(url)]

    def wait_arrivals(self, url: str, count: int = 1, timeout: float = 10.0) -> bool:
        """Block until ``arrivals(url) >= count`` or ``timeout`` seconds pass; return whether reached."""
        key = normalize_url(url)
        with self._cond:
            return self._cond.wait_for(lambda: self._arrivals[key] >= count, timeout)

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log, oldest first (bounded by ``log_limit``)."""
        with self._lock:
            return list(self._log)

    def reset_counters(self) -> None:
        """Clear hit counters and the request log."""
        with self._lock:
            self._hits.clear()
            self._arrivals.clear()
            self._log.clear()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Create the CA and bind the listening socket."""
        self._server = await asyncio.start_server(
            self._serve_connection, self.host, self.requested_port, limit=_MAX_HEAD, backlog=1024
        )
        self.port = self._server.sockets[0].getsockname()[1]
        try:
            self.ca = CertificateAuthority(self._ca_dir)
        except BaseException:
            self._server.close()
            self._server = None
            raise

    async def close(self) -> None:
        """Stop listening, drop open connections and remove the CA files."""
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None
        if self.ca is not None:
            self.ca.cleanup()

    # ------------------------------------------------------------------ internals

    def _lookup(self, key: str) -> tuple[Entry | None, Fault | None]:
        with self._lock:
            entry = None
            for cand in url_candidates(key):
                entry = self._entries.get(cand)
                if entry is not None:
                    break
            fault = None
            if self._faults:
                for cand in url_candidates(key):
                    fault = self._faults.get(cand)
                    if fault is not None:
                        left = fault.remaining
                        if left is not None:
                            if left <= 0:
                                fault = None
                                break
                            fault.remaining = left - 1
                        break
            return entry, fault

    def _record(self, rec: RequestRecord, key: str) -> None:
        with self._cond:
            self._hits[key] += 1
            self._log.append(rec)
            self._cond.notify_all()

    def _http_date(self) -> str:
        now = int(time.time())
        if self._date[0] != now:
            self._date = (now, formatdate(now, usegmt=True))
        return self._date[1]

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        peer = writer.get_extra_info("peername")
        client = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        tunnel: str | None = None  # "host[:port]" of the CONNECT target
        scheme = "http"
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                except asyncio.LimitOverrunError:
                    await self._simple(writer, 431, "request head too large\n", close=True)
                    return
                lines = head.lstrip(b"\r\n").split(b"\r\n")
                parts = lines[0].split(b" ")
                if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
                    await self._simple(writer, 400, "bad request line\n", close=True)
                    return
                method = parts[0].decode("latin-1")
                target = parts[1].decode("latin-1")
                http10 = parts[2] == b"HTTP/1.0"
                headers: dict[str, str] = {}
                for raw in lines[1:]:
                    if not raw:
                        continue
                    name, sep, value = raw.partition(b":")
                    if not sep:
                        await self._simple(writer, 400, "bad header line\n", close=True)
                        return
                    k = name.strip().decode("latin-1").lower()
                    v = value.strip().decode("latin-1")
                    headers[k] = f"{headers[k]}, {v}" if k in headers else v
                conn_tokens = headers.get("connection", "").lower()
                if tunnel is None:
                    conn_tokens += "," + headers.get("proxy-connection", "").lower()
                keep_alive = "keep-alive" in conn_tokens if http10 else "close" not in conn_tokens
                await self._read_request_body(reader, writer, headers)

                if method == "CONNECT":
                    if tunnel is not None:
                        await self._simple(writer, 400, "CONNECT inside a tunnel\n", close=True)
                        return
                    host, _, port_s = target.rpartition(":")
                    if not host or not port_s.isdigit():
                        await self._simple(writer, 400, "CONNECT needs host:port\n", close=True)
                        return
                    port = int(port_s)
                    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    await writer.drain()
                    if port == 80:
                        scheme, tunnel = "http", host
                    else:
                        assert self.ca is not None
                        await writer.start_tls(self.ca.context_for(host))
                        scheme, tunnel = "https", host if port == 443 else target
                    continue

                url = self._request_url(target, headers, scheme, tunnel)
                if url is None:
                    await self._simple(writer, 400, "cannot tell the URL (absolute target or Host)\n", True)
                    return
                try:
                    key = normalize_url(url)
                except ValueError:
                    await self._simple(writer, 400, f"bad URL {url}\n", close=True)
                    return
                with self._cond:
                    self._arrivals[key] += 1
                    self._cond.notify_all()
                keep_alive = await self._respond(
                    writer, method, key, headers, keep_alive, client, tunnel is not None
                )
                if not keep_alive:
                    return
        except (_Closing, ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        except OSError as exc:  # ssl.SSLError is an OSError: handshake refused by a client, etc.
            log.debug("connection %s: %s", client, exc)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("replayweb: error serving %s", client)
        finally:
            self._tasks.discard(task)
            if not writer.is_closing():
                writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    def _request_url(
        self, target: str, headers: dict[str, str], scheme: str, tunnel: str | None
    ) -> str | None:
        if "://" in target and not target.startswith("/"):
            return target
        if target == "*":
            return None
        host = headers.get("host") or tunnel
        if not host:
            return None
        hname, sep, hport = host.rpartition(":")
        if sep and hport == str(self.port) and "]" not in hport and tunnel is None:
            host = hname  # "Host: www.outlet.com:PORT" when used as an origin server
        if not target.startswith("/"):
            target = "/" + target
        return f"{scheme}://{host}{target}"

    async def _read_request_body(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, headers: dict[str, str]
    ) -> None:
        if headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":
                        pass
                    return
                await reader.readexactly(size + 2)
        length = headers.get("content-length")
        if length:
            try:
                n = int(length)
            except ValueError:
                await self._simple(writer, 400, "bad Content-Length\n", close=True)
                raise _Closing() from None
            if n:
                await reader.readexactly(n)

    async def _simple(
        self, writer: asyncio.StreamWriter, status: int, text: str, close: bool = False
    ) -> None:
        body = text.encode("utf-8")
        hdrs = [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ]
        if close:
            hdrs.append(("Connection", "close"))
        writer.write(_encode_head(status, hdrs) + body)
        await writer.drain()

    @staticmethod
    def _rst(writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RST)
        writer.transport.abort()

    async def _respond(
        self,
        writer: asyncio.StreamWriter,
        method: str,
        key: str,
        req_headers: dict[str, str],
        keep_alive: bool,
        client: str,
        tunnel: bool,
    ) -> bool:
        entry, fault = self._lookup(key)
        matched = entry.url if entry is not None else None

        def record(status: int) -> None:
            self._record(RequestRecord(time.time(), client, method, key, status, tunnel, matched), key)

        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.reset == "before":
            record(0)
            self._rst(writer)
            raise _Closing()

        hdrs: list[tuple[str, str]] = [("Server", "replayweb"), ("Date", self._http_date())]
        body: bytes | None = None
        chunks: Iterable[bytes] | None = None
        length: int | None
        if fault is not None and fault.redirect is not None:
            status = fault.redirect_status
            body = f'<html><body><a href="{html.escape(fault.redirect)}">moved</a></body></html>\n'.encode()
            hdrs += [("Location", fault.redirect), ("Content-Type", "text/html")]
            _merge_headers(hdrs, fault.headers)
        else:
            if entry is not None:
                status = entry.status
                hdrs.append(("Content-Type", entry.content_type))
                body = entry.load()
                use_gzip = self.gzip if entry.gzip is None else entry.gzip
                if use_gzip and body and "gzip" in req_headers.get("accept-encoding", "").lower():
                    body = entry.gzipped()
                    hdrs += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
                _merge_headers(hdrs, entry.headers)
            else:
                status = 404
            if fault is not None:
                if fault.status is not None:
                    status = fault.status
                if fault.stream is not None:
                    body, chunks = None, fault.stream()
                    status = fault.status or (200 if entry is None else status)
                elif fault.body is not None:
                    body = fault.body
                    status = fault.status or (200 if entry is None else status)
                if entry is None and body is None and chunks is None:
                    body = f"{status} {_reason(status)}: {key}\n".encode()
                    hdrs.append(("Content-Type", "text/plain; charset=utf-8"))
                if (fault.stream is not None or fault.body is not None) and not any(
                    k.lower() == "content-type" for k, _ in hdrs
                ):
                    hdrs.append(("Content-Type", content_type_for(urlsplit(key).path, "text/html")))
                _merge_headers(hdrs, fault.headers)
            elif entry is None:
                # A link the saved pages point to that was never saved: answered distinctly, so a
                # crawl's 404s can be told apart from a site's own (``make demo`` counts them).
                body = f"404 Not Found: {key} is not in the replayed manifest (never saved)\n".encode()
                hdrs += [("Content-Type", "text/plain; charset=utf-8"), (NOT_SAVED_HEADER, "not-saved")]

        if chunks is not None:
            length = fault.stream_length if fault is not None else None
        else:
            assert body is not None
            length = len(body)
        chunked = False
        if not any(k.lower() == "content-length" for k, _ in hdrs):
            if length is not None:
                hdrs.append(("Content-Length", str(length)))
            elif method != "HEAD":
                chunked = True
                hdrs.append(("Transfer-Encoding", "chunked"))
        no_body = method == "HEAD" or status in (204, 304) or 100 <= status < 200
        cut: int | None = None
        cut_rst = False
        if fault is not None and not no_body:
            if fault.truncate is not None:
                cut = fault.truncate
            elif fault.reset == "mid":
                cut_rst = True
                cut = fault.reset_after if fault.reset_after is not None else (length or 0) // 2
        if cut is not None:
            keep_alive = False
        if not keep_alive:
            hdrs.append(("Connection", "close"))
        record(status)
        head = _encode_head(status, hdrs)

        if no_body:
            writer.write(head)
            await writer.drain()
            return keep_alive
        if body is not None and cut is None:
            writer.write(head + body)
            await writer.drain()
            return keep_alive
        writer.write(head)
        source: Iterable[bytes] = chunks if chunks is not None else (body or b"",)
        await self._send_chunks(writer, source, chunked, cut)
        if cut is not None:
            await writer.drain()
            if cut_rst:
                self._rst(writer)
            else:
                writer.close()
            raise _Closing()
        return keep_alive

    @staticmethod
    async def _send_chunks(
        writer: asyncio.StreamWriter, source: Iterable[bytes], chunked: bool, cut: int | None
    ) -> None:
        sent = 0
        it: Iterator[bytes] = iter(source)
        try:
            for chunk in it:
                if not chunk:
                    continue
                if cut is not None:
                    if sent >= cut:
                        return
                    chunk = chunk[: cut - sent]
                sent += len(chunk)
                if chunked:
                    writer.write(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                else:
                    writer.write(chunk)
                await writer.drain()
                if cut is not None and sent >= cut:
                    return
            if chunked:
                writer.write(b"0\r\n\r\n")
            await writer.drain()
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()


class ReplayWeb:
    """The replay web in a background thread with its own event loop.

    >>> with ReplayWeb(["corpus/MANIFEST.tsv"]) as web:  # doctest: +SKIP
    ...     web.add("https://example.id/a", b"<html>...</html>")
    ...     web.fault("https://example.id/b", status=503, times=2)
    ...     # point the crawler at web.proxy_url, trust web.ca_cert_path
    ...     web.hits("https://example.id/b")

    Manifests and the faults file are read in the constructor (raising
    :class:`~replayweb.config.ManifestError` / ``FaultsError``); ``start()`` creates
    the CA and binds ``host:port`` (port 0 picks a free port).
    """

    def __init__(
        self,
        manifests: Iterable[str | os.PathLike[str]] = (),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: str | os.PathLike[str] | None = None,
        gzip: bool = False,
        ca_dir: str | os.PathLike[str] | None = None,
        log_limit: int = 100_000,
    ) -> None:
        if isinstance(manifests, str | os.PathLike):
            manifests = [manifests]
        self.server = ReplayServer(
            manifests, host=host, port=port, faults=faults, gzip=gzip, ca_dir=ca_dir, log_limit=log_limit
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    # lifecycle
    def start(self) -> ReplayWeb:
        """Start serving in a daemon thread; return once the socket is bound."""
        if self._thread is not None:
            raise RuntimeError("already started")
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="replayweb", daemon=True)
        self._thread.start()
        ready.wait()
        if self._error is not None:
            self._thread.join()
            self._thread = None
            raise self._error
        return self

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        try:
            try:
                loop.run_until_complete(self.server.start())
            except BaseException as exc:
                self._error = exc
                return
            self._loop = loop
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.server.close())
        finally:
            ready.set()
            loop.close()

    def stop(self) -> None:
        """Stop serving, close connections and remove the CA files. Idempotent."""
        if self._thread is None:
            return
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._thread = None
        self._loop = None

    def __enter__(self) -> ReplayWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # addresses
    @property
    def port(self) -> int:
        """The bound port (after ``start()``)."""
        return self.server.port

    @property
    def proxy_url(self) -> str:
        """``http://127.0.0.1:PORT``: use as http and https proxy."""
        return f"http://{self.server.host}:{self.server.port}"

    @property
    def ca_cert_path(self) -> str:
        """Path of the CA certificate (PEM) that signs the per-host certificates."""
        if self.server.ca is None:
            raise RuntimeError("ReplayWeb not started")
        return str(self.server.ca.cert_path)

    # state (delegated)
    def __len__(self) -> int:
        return len(self.server)

    @property
    def urls(self) -> list[str]:
        """The URLs served."""
        return self.server.urls

    def add(
        self,
        url: str,
        body: bytes,
        status: int = 200,
        headers: Mapping[str, str | None] | None = None,
        *,
        content_type: str | None = None,
        gzip: bool | None = None,
    ) -> None:
        """Serve ``body`` at ``url`` (see :meth:`ReplayServer.add`)."""
        self.server.add(url, body, status, headers, content_type=content_type, gzip=gzip)

    def remove(self, url: str) -> None:
        """Stop serving ``url``."""
        self.server.remove(url)

    def fault(
        self,
        url: str,
        *,
        status: int | None = None,
        times: int | None = None,
        delay: float = 0.0,
        truncate: int | None = None,
        reset: ResetMode | None = None,
        reset_after: int | None = None,
        redirect: str | None = None,
        redirect_status: int = 302,
        body: bytes | None = None,
        headers: Mapping[str, str | None] | None = None,
        stream: Callable[[], Iterable[bytes]] | None = None,
        stream_length: int | None = None,
    ) -> Fault:
        """Set (replace) the fault for ``url``; see :class:`~replayweb.config.Fault`."""
        return self.server.fault(
            url,
            Fault(
                status=status,
                times=times,
                delay=delay,
                truncate=truncate,
                reset=reset,
                reset_after=reset_after,
                redirect=redirect,
                redirect_status=redirect_status,
                body=body,
                headers=dict(headers) if headers is not None else None,
                stream=stream,
                stream_length=stream_length,
            ),
        )

    def clear_faults(self, url: str | None = None) -> None:
        """Remove the fault for ``url``, or all faults."""
        self.server.clear_faults(url)

    def hits(self, url: str) -> int:
        """Requests received for exactly this URL (normalised), whatever the answer."""
        return self.server.hits(url)

    def wait_hits(self, url: str, count: int = 1, timeout: float = 10.0) -> bool:
        """Block until ``hits(url) >= count`` or timeout; return whether reached."""
        return self.server.wait_hits(url, count, timeout)

    def arrivals(self, url: str) -> int:
        """Requests for exactly this URL received, counted on arrival (a delayed one included)."""
        return self.server.arrivals(url)

    def wait_arrivals(self, url: str, count: int = 1, timeout: float = 10.0) -> bool:
        """Block until ``arrivals(url) >= count`` or timeout; return whether reached."""
        return self.server.wait_arrivals(url, count, timeout)

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log, oldest first."""
        return self.server.requests

    def reset_counters(self) -> None:
        """Clear hit counters and the request log."""
        self.server.reset_counters()
