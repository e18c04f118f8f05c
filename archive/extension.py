"""Hooks the WARC writer to Scrapy: every response the downloader receives is archived at once.

Scrapy sends ``response_downloaded`` straight from the downloader, before any downloader
middleware's ``process_response``: the request carries the headers every middleware added, and the
body is still as transferred (not yet decompressed), which is what a WARC must hold. Robots.txt,
redirects and error statuses all pass through here too.
"""

from __future__ import annotations

import glob
import logging
import platform
import socket
from datetime import UTC, datetime
from pathlib import Path

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.http.headers import Headers

import archive
from archive.cdxj import CDXJ_SUFFIX, write_cdxj
from archive.records import Exchange, warc_date
from archive.revisits import DigestIndex
from archive.stories import STORY_URI_PREFIX, Story
from archive.writer import RollingWarcWriter
from fetch.wirehead import WIRE_HEAD_META, parse_head
from settings.runinfo import local_dir, run_id

log = logging.getLogger(__name__)

#: Signal sent with ``path=`` each time a WARC file is complete and renamed (stores upload it);
#: ``cdxj=`` is the path of its CDXJ index, written just before, or None when indexing is off.
warc_file_closed = object()

#: Target URI prefix of story metadata records: ``urn:kliping:story:<first page URL>``.

#: Key in ``request.meta`` under which the response's WARC location is stored.
WARC_META_KEY = "kliping_warc"
#: Key in ``request.meta`` holding the WARC-Date of the response, reused as ``fetched_at``.
DATE_META_KEY = "kliping_fetched_at"


def header_pairs(headers: Headers) -> list[tuple[str, str]]:
    """Scrapy headers as ``(name, value)`` pairs, one per value, in received order."""
    pairs = []
    for name, values in headers.items():
        for value in values:
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


def exchange_from(
    request: Request, response: Response, moment: datetime, raw_head: bytes | None = None
) -> Exchange:
    """Describe a Scrapy request/response pair as plain data for the record builder.

    The response's status line and headers are ``raw_head``'s, the head as received, when the
    download handler kept it (:mod:`fetch.wirehead`), else Scrapy's parsed headers.
    """
    ip = getattr(response, "ip_address", None)
    head = parse_head(raw_head) if raw_head else None
    if head is not None and head.status != response.status:
        head = None
    return Exchange(
        url=response.url,
        method=request.method,
        request_headers=header_pairs(request.headers),
        request_body=request.body,
        status=response.status,
        protocol=head.protocol if head else (response.protocol or "HTTP/1.1").upper(),
        reason=head.reason if head else None,
        response_headers=head.headers if head else header_pairs(response.headers),
        body=response.body,
        ip_address=str(ip) if ip else None,
        date=moment,
    )


class WarcArchiver:
    """Scrapy extension that writes every fetched exchange to rolling WARC files."""

    def __init__(self, crawler: Crawler, writer: RollingWarcWriter) -> None:
        self.crawler = crawler
        self.writer = writer
        self.failed = False
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchiver:
        settings = crawler.settings
        if not settings.getbool("KLIPING_WARC_ENABLED"):
            raise NotConfigured("KLIPING_WARC_ENABLED is off")
        info = {
            "software": f"kliping/{archive_version()} (Scrapy, warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": socket.gethostname(),
            # Who ran the crawl: as set, else the contact URL the User-Agent gives site operators.
            "operator": settings.get("KLIPING_WARC_OPERATOR") or settings.get("KLIPING_CONTACT_URL") or "",
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT") or "",
            "run-id": run_id(settings),
            "python": platform.python_version(),
        }

        index_closed = settings.getbool("KLIPING_WARC_CDXJ")

        def closed(path: Path) -> None:
            cdxj = None
            if index_closed:
                try:
                    cdxj = write_cdxj(path)
                except Exception as exc:  # the WARC is what matters; a missing index can be rebuilt
                    from lifecycle.stops import stop_for

                    # A full disk stops the run; the next start rebuilds the index.
                    if not stop_for(crawler, exc, f"the CDXJ index of {path}"):
                        log.error("%s: could not write its CDXJ index: %s", path, exc)
            crawler.signals.send_catch_log(warc_file_closed, path=path, cdxj=cdxj)

        directory = Path(local_dir(settings, "warc"))
        revisits = None
        if settings.getbool("KLIPING_WARC_REVISITS"):
            revisits = DigestIndex()
            sources = [str(directory / ("*" + CDXJ_SUFFIX)), *settings.getlist("KLIPING_WARC_REVISIT_CDXJ")]
            seeded = revisits.seed_from_cdxj(
                Path(p) for pattern in sources for p in sorted(glob.glob(pattern))
            )
            if seeded:
                log.info("revisit index seeded with %d payloads from earlier CDXJ indexes", seeded)
        writer = RollingWarcWriter(
            directory,
            prefix=settings.get("KLIPING_WARC_PREFIX"),
            max_size=settings.getint("KLIPING_WARC_MAX_SIZE"),
            gzip_level=settings.getint("KLIPING_WARC_GZIP_LEVEL"),
            warcinfo={k: v for k, v in info.items() if v},
            on_close=closed,
            revisits=revisits,
        )
        return cls(crawler, writer)

    def spider_opened(self, spider: Spider) -> None:
        # The first file opens with the first response, after this: its warcinfo names the scope.
        self.writer.warcinfo_fields.update(crawl_scope(spider))

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        # Taken first, whatever happens next: a redirect's next request copies meta.
        raw_head = request.meta.pop(WIRE_HEAD_META, None)
        if self.failed:
            return
        moment = datetime.now(UTC)
        try:
            provenance = self.writer.write(exchange_from(request, response, moment, raw_head))
        except OSError as exc:
            self.write_failed(exc)
            return
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value("kliping/warc/responses")
            if provenance.revisit:
                stats.inc_value("kliping/warc/revisits")
        request.meta[WARC_META_KEY] = provenance.to_dict()
        request.meta[DATE_META_KEY] = warc_date(moment)

    def record_story(self, story: Story) -> None:
        """Write a ``metadata`` record naming the pages of one story, so re-extraction groups them alike."""
        if self.failed:
            return
        url, first_record = story.pages[0]
        try:
            # Not the page's own URL: replay tools (pywb) index metadata records too, and one under the
            # page's URL would be replayed in place of the page.
            self.writer.write_metadata(STORY_URI_PREFIX + url, story.payload(), first_record)
        except OSError as exc:
            self.write_failed(exc)
            return
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("kliping/warc/stories")

    def sync(self) -> None:
        """Make every record written so far durable (fsync): the lifecycle calls it before settling."""
        self.writer.sync()

    def write_failed(self, exc: OSError) -> None:
        """Stop writing after a failed write (a disk full): the partial record stays in the ``.open``
        file, which recovery cuts at the next start; the run stops with one line saying why."""
        from archive.space import is_no_space, stop_crawl

        self.failed = True
        name = self.writer.current_name or str(self.writer.directory)
        where = f"{self.writer.directory / name}.open" if self.writer.current_name else name
        reason = "no_space" if is_no_space(exc) else "warc_write"
        what = (exc.strerror or str(exc)).lower()
        stop_crawl(self.crawler, reason, f"{what} writing {where}", needs_recovery=True)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        try:
            if self.failed:
                return  # closing would flush into the failed file; recovery renames it at the next start
            self.writer.close()
        finally:
            if self.writer.revisits is not None:
                self.writer.revisits.close()  # nothing is written after this signal
        stats = self.crawler.stats
        if stats is not None:
            stats.set_value("kliping/warc/files", [p.name for p in self.writer.closed_files])
            stats.set_value("kliping/warc/records", self.writer.records_written)


def crawl_scope(spider: Spider) -> dict[str, str]:
    """warcinfo fields naming what the run crawls: its spider, outlets and URL list."""
    fields = {"spider": spider.name}
    selected = getattr(spider, "selected", None)
    if callable(selected):
        try:
            fields["outlets"] = ", ".join(outlet.name for outlet in selected())
        except Exception as exc:  # the spider reports a bad outlet itself; warcinfo just omits it
            log.debug("outlets unknown for warcinfo: %s", exc)
    url_list = getattr(getattr(spider, "params", None), "file", None)
    if url_list is not None:
        fields["url-list"] = Path(str(url_list)).name
    return fields


def archive_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kliping")
    except PackageNotFoundError:
        return getattr(archive, "__version__", "0")


__all__ = ["DATE_META_KEY", "WARC_META_KEY", "WarcArchiver", "exchange_from", "header_pairs"]
