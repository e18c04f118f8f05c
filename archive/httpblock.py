"""The HTTP message inside a WARC record's block: its head parsed and its body decoded, leniently.

Both WARC readers (:mod:`archive.fastreader`, :mod:`archive.reader`) hand the record block to
this module, so they give the same page whatever writer made the file:

- a head whose lines end with LF only (WARC 0.18, ClueWeb09) parses like one with CRLF;
- ``Transfer-Encoding: chunked`` is undone only when the body really is chunked: older pywb and
  warcprox recorders kept the header over a body they stored de-chunked;
- ``Content-Encoding`` (``gzip``, ``x-gzip``, ``deflate``, ``br``, ``zstd``, or a list of them) is
  undone with our own decoders: warcio 1.8's brotli path breaks with brotli 1.2, and FastWARC's
  chained decoding ends its iteration early. A body that does not decode is kept as stored, as
  warcio does. No Scrapy here.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import brotli

try:  # Python 3.14's compression.zstd, backported; Scrapy depends on it
    from backports import zstd as _zstd
except ImportError:  # pragma: no cover - the lock file installs it
    _zstd = None  # type: ignore[assignment]

_STATUS = re.compile(rb"^HTTP/\d+(?:\.\d+)?\s+(\d{3})")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]+)[ \t]*(?:;[^\r\n]*)?\r?\n")
_LINE_END = re.compile(rb"\r*\n")
_BLANK_LINE = re.compile(rb"\r*\n\r*\n")
#: A head longer than this is not an HTTP head (the block is taken as body only).
MAX_HEAD = 1 << 20


@dataclass(frozen=True)
class HttpMessage:
    """An HTTP response as archived: status, header lines and the body with its encodings undone."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def get(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


def head_end(block: bytes) -> tuple[int, int] | None:
    """Where the head ends and the body starts: after the first empty line (CRLF, LF or CRCRLF)."""
    match = _BLANK_LINE.search(block, 0, min(len(block), MAX_HEAD))
    return (match.start(), match.end()) if match else None


def parse_head(head: bytes) -> tuple[int, tuple[tuple[str, str], ...]] | None:
    """Status code and header lines of a response head, or None when it is not one."""
    lines = _LINE_END.split(head)
    match = _STATUS.match(lines[0])
    if match is None:
        return None
    headers: list[tuple[str, str]] = []
    for raw in lines[1:]:
        line = raw.decode("iso-8859-1").rstrip("\r")
        if line[:1] in (" ", "\t") and headers:  # an obsolete folded continuation line
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers.append((name.strip(), value.strip()))
    return int(match.group(1)), tuple(headers)


def dechunk(body: bytes) -> bytes | None:
    """The body with chunked framing undone; None when it is not chunked (it was stored de-chunked).

    A body cut in the middle of a chunk (a truncated capture) gives what arrived.
    """
    out: list[bytes] = []
    pos = 0
    while True:
        match = _CHUNK_SIZE.match(body, pos)
        if match is None:
            # No chunk size line: a plain body if this is the start, else junk after the chunks.
            return None if pos == 0 else b"".join(out)
        size = int(match.group(1), 16)
        pos = match.end()
        if size == 0:
            return b"".join(out)
        out.append(body[pos : pos + size])
        pos += size
        if pos >= len(body):
            return b"".join(out)
        if body.startswith(b"\r\n", pos):
            pos += 2
        elif body.startswith(b"\n", pos):
            pos += 1
        else:
            # A chunk not followed by its line end: the first one means the body was never chunked.
            return None if len(out) == 1 else b"".join(out)


def _gunzip(data: bytes) -> bytes:
    # Several members are allowed, and trailing garbage after the last is ignored.
    out: list[bytes] = []
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out.append(inflater.decompress(data))
        if not inflater.eof:
            out.append(inflater.flush())
            break
        data = inflater.unused_data
        if not data.startswith(b"\x1f\x8b"):
            break
    return b"".join(out)


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        # Many servers send raw deflate without the zlib wrapper.
        return zlib.decompressobj(-zlib.MAX_WBITS).decompress(data)


def _unbrotli(data: bytes) -> bytes:
    return bytes(brotli.decompress(data))


def _unzstd(data: bytes) -> bytes:
    if _zstd is None:  # pragma: no cover
        raise ValueError("no zstd decoder")
    return bytes(_zstd.decompress(data))


_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate,
    "br": _unbrotli,
    "zstd": _unzstd,
}
#: What a decoder raises on data it cannot decode.
_DECODE_ERRORS: tuple[type[BaseException], ...] = (zlib.error, brotli.error, ValueError, EOFError) + (
    (_zstd.ZstdError,) if _zstd is not None else ()
)


def decode_content(body: bytes, encoding: str | None) -> bytes:
    """The body with its Content-Encoding undone (the codings in reverse order of application);
    as stored when a coding is unknown or does not decode (like warcio: taken to be unencoded)."""
    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
    decoded = body
    for coding in reversed(codings):
        if coding == "identity":
            continue
        decoder = _DECODERS.get(coding)
        if decoder is None or not decoded:
            return body
        try:
            decoded = decoder(decoded)
        except _DECODE_ERRORS:
            return body
    return decoded


def parse_http_block(block: bytes) -> HttpMessage | None:
    """The response in a record block (``application/http``), decoded; None when the block holds
    no HTTP response head."""
    ends = head_end(block)
    if ends is None:
        # A head with no body and no empty line after it (a truncated capture, a HEAD response).
        if not _STATUS.match(block) or len(block) > MAX_HEAD:
            return None
        ends = (len(block), len(block))
    parsed = parse_head(block[: ends[0]])
    if parsed is None:
        return None
    status, headers = parsed
    message = HttpMessage(status, headers, b"")
    body = block[ends[1] :]
    if "chunked" in (message.get("Transfer-Encoding") or "").lower():
        dechunked = dechunk(body)
        if dechunked is not None:
            body = dechunked
    return HttpMessage(status, headers, decode_content(body, message.get("Content-Encoding")))
