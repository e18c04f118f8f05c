"""Scrapy's HTTP/1.1 download handler, keeping each response's head as it came over the wire.

Twisted's HTTP client hands Scrapy a parsed head: header names recased, repeated headers grouped
under their first occurrence, and the connection headers (``Connection``, ``Keep-Alive``,
``Transfer-Encoding``) kept to itself; Scrapy's response then has no reason phrase. A web
archive's response record should hold what the server sent, so this handler's response parser
also keeps the raw status line and header lines. They reach the archiver with the completed
response as ``request.meta[WIRE_HEAD_META]``, and it reads them with :func:`parse_head`; a
response from any other handler has no wire head and is archived from Scrapy's headers.

It builds on Scrapy's private HTTP/1.1 classes (the lenient parser, its protocol and factory, the
agent), swapping the parser's class the way Scrapy itself does; ``tests/archive`` compares the
records with the bytes a loopback server sent, so a Scrapy upgrade that breaks this shows there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
    _ScrapyAgent,
)
from scrapy.exceptions import CannotResolveHostError, ResponseDataLossError
from scrapy.utils._download_handlers import get_dataloss_msg, wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.web._newclient import HEADER

from fetch.guard import refuse, resolver_refusal
from fetch.shutdown import InflightDownloads

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.internet.defer import Deferred
    from twisted.internet.interfaces import IAddress
    from twisted.web._newclient import HTTP11ClientProtocol
    from twisted.web._newclient import Request as TxRequest
    from twisted.web.client import Response as TxResponse
    from twisted.web.iweb import IResponse

logger = logging.getLogger(__name__)

#: ``request.meta`` key of the raw head (bytes) of the response to that request.
WIRE_HEAD_META = "kliping_wire_head"


class _WireHeadParser(_LenientHTTPClientParser):
    """Scrapy's lenient response parser that also keeps the raw lines of the head."""

    def lineReceived(self, line: bytes) -> None:
        # The class is swapped onto a live parser (see _WireHeadProtocol): no __init__ runs.
        lines: list[bytes] = self.__dict__.setdefault("_wire_lines", [])
        lines.append(line)
        if self.state == HEADER and not line.removesuffix(b"\r"):
            # Attached before the parser hands the response on: a response without a body is
            # finished within this very call.
            self.response.kliping_wire_head = b"\n".join(lines) + b"\n"
            lines.clear()  # after an interim 1xx head, the final head starts afresh
        super().lineReceived(line)


class _WireHeadProtocol(_LenientHTTP11ClientProtocol):
    def request(self, request: TxRequest) -> Deferred[IResponse]:
        d = super().request(request)
        assert self._parser is not None
        self._parser.__class__ = _WireHeadParser
        return d


class _WireHeadFactory(_LenientHTTP11ClientFactory):
    def buildProtocol(self, addr: IAddress | None) -> HTTP11ClientProtocol:
        return _WireHeadProtocol(self._quiescentCallback)


class _WireHeadAgent(_ScrapyAgent):
    _wire_head: bytes | None = None

    def download_request(self, request: Request) -> Deferred[Response]:
        d = super().download_request(request)
        d.addCallback(self._attach_head, request)
        return d

    def _cb_bodyready(self, txresponse: TxResponse, request: Request) -> Any:
        self._wire_head = getattr(txresponse, "kliping_wire_head", None)
        return super()._cb_bodyready(txresponse, request)

    def _attach_head(self, response: Response, request: Request) -> Response:
        # Only a response that arrived gets it: a failed download leaves no head in meta for a
        # retry to carry (Scrapy's Response takes no attributes of ours).
        request.meta[WIRE_HEAD_META] = self._wire_head
        return response


class WireHeadDownloadHandler(HTTP11DownloadHandler):
    """``DOWNLOAD_HANDLERS`` entry for ``http`` and ``https``: Scrapy's HTTP/1.1 handler whose
    responses carry their raw head in ``request.meta[WIRE_HEAD_META]``."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._pool._factory = _WireHeadFactory
        # Cancelled at the stop deadline (fetch.shutdown), so a stop is not held up by downloads.
        self._inflight = InflightDownloads(crawler)

    async def download_request(self, request: Request) -> Response:
        self._inflight.refuse_if_stopped(request)
        # Scrapy's download_request with the agent class swapped (Scrapy names it in the method).
        agent = _WireHeadAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=getattr(self._crawler.spider, "download_maxsize", self._default_maxsize),
            warnsize=getattr(self._crawler.spider, "download_warnsize", self._default_warnsize),
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        download = agent.download_request(request)
        try:
            with self._inflight.track(request, download), wrap_twisted_exceptions():
                return await maybe_deferred_to_future(download)
        except CannotResolveHostError:
            # The destination guard's resolver hands on no address it refused: say so, instead
            # of a DNS failure that the retry middleware would try again.
            refusal = resolver_refusal(request)
            if refusal is not None:
                raise refuse(self._crawler, request, refusal) from None
            raise
        except ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                logger.warning(get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise


@dataclass(frozen=True)
class Head:
    """A response head as sent: protocol (``HTTP/1.1``), status, reason phrase and header pairs
    in the order and spelling of the wire (continuation lines joined with a space)."""

    protocol: str
    status: int
    reason: str
    headers: list[tuple[str, str]]


def _text(raw: bytes) -> str:
    """``raw`` as text a WARC head can hold: ASCII as it is, other bytes %-encoded (as warcio
    writes a header value it cannot encode; it would fail on a status line or a header name)."""
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        return quote(raw, safe=_PRINTABLE)


_PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


def parse_head(raw: bytes) -> Head | None:
    """The :class:`Head` in ``raw`` (status line and header lines, each ending in LF or CRLF,
    then the blank line); None when the status line is not HTTP's. Lines without a colon are
    left out, as Scrapy's lenient parser leaves them; non-ASCII bytes are %-encoded."""
    lines = [line.removesuffix(b"\r") for line in raw.split(b"\n")]
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        return None
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            break
        if line[:1] in (b" ", b"\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {_text(line.strip())}")
        elif b":" in line:
            name_b, value_b = line.split(b":", 1)
            headers.append((_text(name_b), _text(value_b.strip())))
    reason = _text(parts[2]) if len(parts) == 3 else ""
    return Head(parts[0].decode("ascii").upper(), int(parts[1]), reason, headers)


__all__ = ["WIRE_HEAD_META", "Head", "WireHeadDownloadHandler", "parse_head"]
