"""Helpers for the CLI tests: URL lists of the fixture site, foreign WARCs written with warcio."""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import site_articles

HTML = (
    "<html><head><title>Banjir di Kota Contoh</title></head><body><article>"
    + "".join(
        f"<p>Paragraf {i}: warga kota contoh membersihkan rumah setelah banjir surut.</p>" for i in range(8)
    )
    + "</article></body></html>"
).encode()


def article_urls() -> list[str]:
    return site_articles()


def chunked(data: bytes, size: int = 7) -> bytes:
    out = b""
    for i in range(0, len(data), size):
        part = data[i : i + size]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"


#: Name -> (extra response headers, body as transferred); every one decodes to HTML.
ENCODINGS: dict[str, tuple[list[tuple[str, str]], bytes]] = {
    "plain": ([], HTML),
    "gzip": ([("Content-Encoding", "gzip")], gzip.compress(HTML)),
    "deflate": ([("Content-Encoding", "deflate")], zlib.compress(HTML)),
    "chunked": ([("Transfer-Encoding", "chunked")], chunked(HTML)),
    "chunked-gzip": (
        [("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")],
        chunked(gzip.compress(HTML)),
    ),
}


def write_foreign_warc(
    path: Path, *, compress: bool, version: str, encodings: dict[str, tuple[list[tuple[str, str]], bytes]]
) -> None:
    """A WARC as another crawler would write it: warcinfo, then one response per encoding, then a 404."""
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=compress, warc_version=version)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "othercrawler/1.0"}))
        cases = [(name, "200 OK", headers, body) for name, (headers, body) in encodings.items()]
        cases.append(("missing", "404 Not Found", [], b"not here"))
        for name, status, headers, body in cases:
            http = StatusAndHeaders(
                status, [("Content-Type", "text/html; charset=utf-8"), *headers], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                f"https://berita.example.id/2024/01/02/{name}",
                "response",
                payload=io.BytesIO(body),
                http_headers=http,
            )
            writer.write_record(record)
