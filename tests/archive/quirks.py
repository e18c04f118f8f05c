"""WARC files with the quirks other writers' files have, written byte by byte so each quirk is exact.

Every builder returns the bytes of a whole file; record ids and dates are pinned. The pages are
small Indonesian articles the extractor takes (``article(n)``), so a page read right is an
article written.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable

DATE = "2024-05-06T07:08:09Z"


def article(n: int) -> bytes:
    """An article page (utf-8), different for each ``n``."""
    paragraphs = "".join(
        f"<p>Paragraf {i} berita {n}: warga Kota Contoh bergotong royong membersihkan saluran air "
        f"setelah hujan deras mengguyur wilayah itu sejak Senin malam, kata lurah setempat.</p>"
        for i in range(6)
    )
    return (
        f"<html><head><title>Berita nomor {n} dari Kota Contoh</title></head><body><article>"
        f"<h1>Berita nomor {n} dari Kota Contoh</h1>{paragraphs}</article></body></html>"
    ).encode()


def url(n: int) -> str:
    return f"https://kabar.example.id/berita/2024/05/06/{n}/kota-contoh"


def record_id(n: int) -> str:
    return f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"


def http(body: bytes, headers: Iterable[tuple[str, str]] = (), *, nl: bytes = b"\r\n") -> bytes:
    """An HTTP response head (status 200, text/html) and the body as given."""
    lines = [b"HTTP/1.1 200 OK", b"Content-Type: text/html; charset=utf-8"]
    lines += [f"{name}: {value}".encode() for name, value in headers]
    return nl.join(lines) + nl + nl + body


def record(
    kind: str,
    target: str,
    block: bytes,
    n: int,
    *,
    version: str = "WARC/1.1",
    nl: bytes = b"\r\n",
    content_type: str = "application/http; msgtype=response",
    extra: Iterable[tuple[str, str]] = (),
    length: int | None = None,
) -> bytes:
    """One record: head (``nl`` line ends), block and the two line ends after it."""
    heads = [
        version,
        f"WARC-Type: {kind}",
        f"WARC-Record-ID: {record_id(n)}",
        f"WARC-Date: {DATE}",
        *([f"WARC-Target-URI: {target}"] if target else []),
        f"Content-Type: {content_type}",
        *(f"{name}: {value}" for name, value in extra),
        f"Content-Length: {len(block) if length is None else length}",
    ]
    return nl.join(h.encode() for h in heads) + nl + nl + block + nl + nl


def warcinfo(n: int = 0, *, version: str = "WARC/1.1", nl: bytes = b"\r\n", **fields: str) -> bytes:
    body = nl.join(f"{k}: {v}".encode() for k, v in {"software": "othercrawler/2.0", **fields}.items()) + nl
    return record("warcinfo", "", body, n, version=version, nl=nl, content_type="application/warc-fields")


def response(
    n: int, *, body: bytes | None = None, headers: Iterable[tuple[str, str]] = (), **kw: object
) -> bytes:
    return record("response", url(n), http(article(n) if body is None else body, headers), n, **kw)  # type: ignore[arg-type]


def pages(count: int, *, version: str = "WARC/1.1", first: int = 1) -> list[bytes]:
    """warcinfo, then ``count`` responses with articles ``first``..."""
    return [warcinfo(version=version)] + [response(n, version=version) for n in range(first, first + count)]


def per_record_gzip(records: Iterable[bytes]) -> bytes:
    """Each record its own gzip member (the standard .warc.gz)."""
    return b"".join(gzip.compress(r, mtime=0) for r in records)


def whole_file_gzip(records: Iterable[bytes]) -> bytes:
    """The whole file one gzip member (``gzip file.warc``)."""
    return gzip.compress(b"".join(records), mtime=0)


def lf_only(count: int = 3) -> bytes:
    """WARC 0.18 as ClueWeb09 wrote it: every head line, WARC and HTTP, ends with LF only."""
    out = [warcinfo(version="WARC/0.18", nl=b"\n")]
    for n in range(1, count + 1):
        block = http(article(n), nl=b"\n")
        out.append(record("response", url(n), block, n, version="WARC/0.18", nl=b"\n"))
    return b"".join(out)


def revisit(n: int, original: int, *, refers: bool = True, digest: str = "") -> bytes:
    """A revisit of ``url(original)`` (identical payload), its HTTP head kept, no payload."""
    extra = [
        ("WARC-Profile", "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"),
        ("WARC-Refers-To-Target-URI", url(original)),
        ("WARC-Refers-To-Date", DATE),
    ]
    if refers:
        extra.append(("WARC-Refers-To", record_id(original)))
    if digest:
        extra.append(("WARC-Payload-Digest", digest))
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    return record("revisit", url(original), head, n, extra=extra)


def resource(n: int, *, content_type: str = "text/html; charset=utf-8") -> bytes:
    """A resource record holding the page itself (no HTTP head), as browser-based tools write."""
    return record("resource", url(n), article(n), n, content_type=content_type)


def arc(count: int = 2) -> list[bytes]:
    """The records of an ARC (version 1) file, the WARC's predecessor: a filedesc record, then pages."""
    version = b"1 0 Internet Archive\nURL IP-address Archive-date Content-type Archive-length\n"
    head = b"filedesc://kliping-test.arc 0.0.0.0 20240506070809 text/plain %d\n" % len(version)
    out = [head + version + b"\n"]
    for n in range(1, count + 1):
        block = http(article(n))
        out.append(f"{url(n)} 192.0.2.1 20240506070809 text/html {len(block)}\n".encode() + block + b"\n")
    return out
