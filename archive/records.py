"""Build warcio records from one HTTP exchange; writing them is :mod:`archive.writer`'s job.

Nothing here imports Scrapy: an :class:`Exchange` is plain data, so the same code builds records
for the crawler, for tests with pinned ids and dates, and for any other source of exchanges.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from urllib.parse import urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders

Headers = Sequence[tuple[str, str]]

# Hop-by-hop framing that the HTTP client undid before we saw the body: keeping the header as is
# would make a reader try to de-chunk an already de-chunked body, so it is kept under this name.
_FRAMING_HEADERS = {"transfer-encoding"}
ORIG_FRAMING_PREFIX = "X-Kliping-Orig-"
# Credentials for the proxy or the site never reach the archive (docs/security.md).
_SECRET_REQUEST_HEADERS = {"proxy-authorization", "authorization"}


def warc_date(moment: datetime) -> str:
    """Format a moment as a WARC/1.1 date with microseconds, always in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def payload_digest(body: bytes) -> str:
    """``sha1:<base32>`` of a payload, the form WARC-Payload-Digest and CDXJ ``digest`` use."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def new_record_id() -> str:
    """A fresh ``<urn:uuid:...>`` record id."""
    return f"<urn:uuid:{uuid.uuid4()}>"


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its response, as sent and as received (body still content-encoded)."""

    url: str
    status: int
    response_headers: Headers
    body: bytes
    method: str = "GET"
    request_headers: Headers = ()
    request_body: bytes = b""
    protocol: str = "HTTP/1.1"
    #: the reason phrase as received ("" when the server sent none); None when not known, for
    #: the status code's standard phrase
    reason: str | None = None
    ip_address: str | None = None
    date: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def status_line(self) -> str:
        reason = self.reason
        if reason is None:
            try:
                reason = HTTPStatus(self.status).phrase
            except ValueError:
                reason = ""
        return f"{self.status} {reason}".rstrip()

    @property
    def request_line(self) -> str:
        parts = urlsplit(self.url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        return f"{self.method} {target} {self.protocol}"


@dataclass(frozen=True)
class RecordPair:
    """The request and response records of one exchange, not yet written."""

    request: ArcWarcRecord
    response: ArcWarcRecord

    @property
    def response_id(self) -> str:
        return str(self.response.rec_headers.get_header("WARC-Record-ID"))


@dataclass(frozen=True)
class Original:
    """The earlier response record a revisit points back to (record id unknown when seeded from CDXJ)."""

    url: str
    date: str
    digest: str
    record_id: str | None = None
    file: str | None = None
    offset: int | None = None


class RecordFactory:
    """Turns exchanges into linked request/response records.

    ``make_id`` is injectable so tests can pin record ids and compare WARC bytes exactly.
    """

    def __init__(self, *, warc_version: str = "WARC/1.1", make_id: Callable[[], str] = new_record_id) -> None:
        self._builder = RecordBuilder(warc_version=warc_version)
        self._make_id = make_id

    def pair(self, exchange: Exchange) -> RecordPair:
        date = warc_date(exchange.date)
        response_id = self._make_id()
        response_headers = {"WARC-Record-ID": response_id, "WARC-Date": date}
        if exchange.ip_address:
            response_headers["WARC-IP-Address"] = exchange.ip_address
        response = self._builder.create_warc_record(
            exchange.url,
            "response",
            payload=BytesIO(exchange.body),
            http_headers=self._response_http_headers(exchange),
            warc_headers_dict=response_headers,
        )
        return RecordPair(request=self._request(exchange, date), response=response)

    def revisit_pair(self, exchange: Exchange, original: Original) -> RecordPair:
        """A request record and a ``revisit`` (identical-payload-digest) for a payload archived before.

        The revisit keeps the HTTP status line and headers of this fetch; only the payload is left
        out, to be found through ``WARC-Refers-To-*``.
        """
        date = warc_date(exchange.date)
        headers = {"WARC-Record-ID": self._make_id(), "WARC-Date": date}
        if exchange.ip_address:
            headers["WARC-IP-Address"] = exchange.ip_address
        if original.record_id:
            headers["WARC-Refers-To"] = original.record_id
        revisit = self._builder.create_revisit_record(
            exchange.url,
            original.digest,
            original.url,
            original.date,
            http_headers=self._response_http_headers(exchange),
            warc_headers_dict=headers,
        )
        return RecordPair(request=self._request(exchange, date), response=revisit)

    @staticmethod
    def _response_http_headers(exchange: Exchange) -> StatusAndHeaders:
        headers = [
            (ORIG_FRAMING_PREFIX + k if k.lower() in _FRAMING_HEADERS else k, v)
            for k, v in exchange.response_headers
        ]
        return StatusAndHeaders(exchange.status_line, headers, protocol=exchange.protocol)

    def _request(self, exchange: Exchange, date: str) -> ArcWarcRecord:
        return self._builder.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(exchange.request_body),
            http_headers=StatusAndHeaders(
                exchange.request_line,
                request_headers_as_sent(exchange),
                is_http_request=True,
            ),
            # WARC-Concurrent-To is added by warcio's write_request_response_pair.
            warc_headers_dict={"WARC-Record-ID": self._make_id(), "WARC-Date": date},
        )

    def metadata(self, url: str, payload: bytes, refers_to: str, date: datetime) -> ArcWarcRecord:
        """A ``metadata`` record about an earlier record (JSON describing a story, for instance)."""
        return self._builder.create_warc_record(
            url,
            "metadata",
            payload=BytesIO(payload),
            length=len(payload),
            warc_content_type="application/json",
            warc_headers_dict={
                "WARC-Record-ID": self._make_id(),
                "WARC-Date": warc_date(date),
                "WARC-Refers-To": refers_to,
            },
        )

    def warcinfo(self, filename: str, fields: dict[str, str], date: datetime) -> ArcWarcRecord:
        record = self._builder.create_warcinfo_record(filename, fields)
        record.rec_headers.replace_header("WARC-Record-ID", self._make_id())
        record.rec_headers.replace_header("WARC-Date", warc_date(date))
        return record


def request_headers_as_sent(exchange: Exchange) -> list[tuple[str, str]]:
    """The request headers in wire order, with the ``Host`` the HTTP client adds itself.

    Scrapy's HTTP/1.1 client (Twisted) writes the request's headers in order and appends ``Host``
    last when the request has none; ``tests/archive`` checks this against the bytes on the wire.
    """
    headers = [(k, v) for k, v in exchange.request_headers if k.lower() not in _SECRET_REQUEST_HEADERS]
    names = {k.lower() for k, _ in headers}
    if "host" not in names:
        headers.append(("Host", urlsplit(exchange.url).netloc))
    if exchange.request_body and "content-length" not in names:
        headers.append(("Content-Length", str(len(exchange.request_body))))
    return headers
