"""Text feeds: URI parameters, one feed per outlet, and feed storages that make a batch durable.

``FEEDS`` entries whose URI holds ``%(outlet)s`` are expanded by the :class:`OutletFeeds` add-on
into one feed per configured outlet plus ``other`` (records whose ``outlet`` is empty or not a
configured outlet, e.g. from ``kliping scrape``), each with an :class:`OutletFilter`.

Durability contract (the seen-article state relies on it): a feed storage's ``store()`` returns
only when the closed batch is durable. Local output: written under a hidden temporary name,
fsynced and atomically renamed, so a crash never leaves half a batch under the final name.
Remote output (``s3://``): renamed into the local spool the same way, then uploaded and verified;
if the upload fails the batch stays in the spool (durable locally) and is sent later.
A Parquet batch staged as rows (:mod:`pipelines.staged_parquet`) is durable once its rows are
published under their staged name; it is converted, and for remote output sent, when the spider
closes.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exporters import BaseItemExporter
from scrapy.extensions.feedexport import ItemFilter
from scrapy.settings import BaseSettings
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread

from archive.stores import Store, StoreError, open_store, scheme_of, store_classes
from archive.stores.local import publish, root_path, temp_name
from archive.stores.spool import spool_root
from pipelines.staged_parquet import STAGED_FORMAT, staged_path
from settings.runinfo import output_dir, run_id

logger = logging.getLogger(__name__)

#: Directory (under ``text/``) of records with no configured outlet.
OTHER = "other"
#: ``KLIPING_TEXT_FORMATS`` names of the feed formats kliping configures.
TEXT_FORMATS = {"jsonlines": "jsonl", "parquet": "parquet"}
#: The start of the URIs of text feeds under the run's output (the ones a Parquet feed is staged for).
OUTPUT_TEXT = "%(output)s/text/"


def parquet_item_exporter(file: IO[bytes], **kwargs: Any) -> BaseItemExporter:
    """The ``FEED_EXPORTERS`` entry of ``parquet``: a :class:`pipelines.exporters.ParquetItemExporter`.

    Scrapy imports every exporter it is given when the crawl starts; naming this function rather
    than the class keeps pyarrow out of the crawl's process until a Parquet feed starts a batch.
    """
    from pipelines.exporters import ParquetItemExporter

    return ParquetItemExporter(file, **kwargs)


def uri_params(params: dict[str, Any], spider: Spider) -> dict[str, Any]:
    """``FEED_URI_PARAMS`` hook: adds ``output``, ``run_id`` and ``date`` to the URI template values."""
    settings = spider.crawler.settings
    return {
        **params,
        "output": output_dir(settings).rstrip("/"),
        "run_id": run_id(settings),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "spider_name": spider.name,
    }


class OutletFilter(ItemFilter):
    """Accepts the records of one outlet (feed option ``kliping_outlet``); the ``other`` feed takes
    every record whose outlet is not in ``kliping_outlets``."""

    def __init__(self, feed_options: dict[str, Any] | None) -> None:
        super().__init__(feed_options)
        options = feed_options or {}
        self.outlet = str(options.get("kliping_outlet") or OTHER)
        self.known = frozenset(options.get("kliping_outlets") or ())

    def accepts(self, item: Any) -> bool:
        if not super().accepts(item):
            return False
        outlet = item.get("outlet") if hasattr(item, "get") else None
        if outlet == self.outlet:
            return True
        return self.outlet == OTHER and outlet not in self.known


def configured_outlets(settings: BaseSettings) -> list[str]:
    from settings.outlets import OutletConfigError, load_outlets

    try:
        return sorted(load_outlets(settings.getlist("KLIPING_OUTLETS_DIRS")))
    except OutletConfigError:
        return []  # reported by the command (and by `kliping check`); everything goes to `other`


def expand_feeds(
    feeds: dict[str, dict[str, Any]],
    outlets: list[str],
    *,
    formats: list[str],
    gzip: bool,
    batch_items: int,
    parquet_at_end: bool = False,
) -> dict[str, dict[str, Any]]:
    """The ``FEEDS`` dict with kliping's text options applied and ``%(outlet)s`` feeds expanded.

    With ``parquet_at_end`` a Parquet feed under the output's ``text/`` folder is given the
    :data:`pipelines.staged_parquet.STAGED_FORMAT` (written when the spider closes).
    """
    names = [*outlets, *([] if OTHER in outlets else [OTHER])]
    expanded: dict[str, dict[str, Any]] = {}
    for uri, given in feeds.items():
        options = dict(given)
        fmt = str(options.get("format") or "")
        if fmt in TEXT_FORMATS and TEXT_FORMATS[fmt] not in formats:
            continue
        if fmt == "jsonlines" and gzip:
            options.setdefault("postprocessing", ["scrapy.extensions.postprocessing.GzipPlugin"])
            uri = uri if uri.endswith(".gz") else uri + ".gz"
        # A feed that sets exporter options or fields is written as configured, as it closes.
        plain = not options.get("item_export_kwargs") and not options.get("fields")
        if fmt == "parquet" and parquet_at_end and plain and uri.startswith(OUTPUT_TEXT):
            options["format"] = STAGED_FORMAT
        if batch_items > 0:
            options.setdefault("batch_item_count", batch_items)
        if "%(outlet)s" not in uri:
            expanded[uri] = options
            continue
        for name in names:
            expanded[uri.replace("%(outlet)s", name)] = {
                **options,
                "item_filter": f"{__name__}.OutletFilter",
                "kliping_outlet": name,
                "kliping_outlets": outlets,
            }
    return expanded


class OutletFeeds:
    """Scrapy add-on (``ADDONS``): applies ``KLIPING_TEXT_*`` to ``FEEDS`` and expands ``%(outlet)s``.

    It also registers :class:`StoreFeedStorage` for every remote scheme of ``KLIPING_STORES``
    that ``FEED_STORAGES`` does not already name.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        feeds = settings.getdict("FEEDS")
        if feeds:
            expanded = expand_feeds(
                feeds,
                configured_outlets(settings),
                formats=[f.strip().lower() for f in settings.getlist("KLIPING_TEXT_FORMATS")],
                gzip=settings.getbool("KLIPING_TEXT_GZIP"),
                batch_items=settings.getint("KLIPING_TEXT_BATCH_ITEMS"),
                parquet_at_end=settings.getbool("KLIPING_TEXT_PARQUET_AT_END"),
            )
            settings.set("FEEDS", expanded, priority=settings.getpriority("FEEDS") or "project")
        storages = settings.getdict("FEED_STORAGES")
        added = {
            scheme: f"{__name__}.StoreFeedStorage"
            for scheme in store_classes(settings)
            if scheme != "file" and scheme not in storages
        }
        if added:
            priority = settings.getpriority("FEED_STORAGES") or "project"
            settings.set("FEED_STORAGES", {**storages, **added}, priority=priority)


class BatchFile:
    """The file a text batch is written to, as the exporter sees it: a write that fails for lack of
    space stops the run with one line (:func:`lifecycle.stops.stop_for`) instead of a traceback at
    every item, and the batch is then never published: its articles stay owed, their stories in
    the WARC for the next start to rebuild. Every other attribute is the file's own."""

    def __init__(self, file: IO[bytes], storage: Any) -> None:
        self._file = file
        self._storage = storage

    def _failed(self, exc: OSError) -> None:
        self._storage.fail(exc)

    def write(self, data: bytes) -> int:
        if self._storage.failed:
            return len(data)
        try:
            return self._file.write(data)
        except OSError as exc:
            self._failed(exc)
            return len(data)

    def flush(self) -> None:
        if self._storage.failed:
            return
        try:
            self._file.flush()
        except OSError as exc:
            self._failed(exc)

    def close(self) -> None:
        try:
            self._file.close()
        except OSError as exc:
            self._failed(exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


class BatchStorage:
    """What kliping's feed storages share: the batch's temporary file, and giving it up when a
    write fails for lack of space (:attr:`failed`, read by :class:`lifecycle.extension.RunLifecycle`:
    a batch that is not stored leaves its articles owed)."""

    crawler: Crawler | None
    path: Path
    tmp: Path
    failed = False

    def fail(self, exc: OSError) -> None:
        from lifecycle.stops import stop_for

        if self.failed:
            return
        self.failed = True
        if self.crawler is None or not stop_for(self.crawler, exc, str(self.tmp)):
            logger.error("%s: cannot write the text batch: %s", self.tmp, exc.strerror or exc)

    def open_batch(self) -> IO[bytes]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            file: IO[bytes] = open(self.tmp, "wb")  # noqa: SIM115 - closed in store()
        except OSError as exc:
            self.fail(exc)
            file = open(os.devnull, "wb")  # noqa: SIM115 - what the exporter writes goes nowhere
        return BatchFile(file, self)  # type: ignore[return-value]

    def publish_batch(self, file: IO[bytes]) -> bool:
        """Close the batch and make it durable under its name; False when it could not be."""
        if not file.closed:
            file.flush()
            file.close()
        if not self.failed:
            try:
                publish(self.tmp, self.path)
                return True
            except OSError as exc:
                self.fail(exc)
        self.tmp.unlink(missing_ok=True)  # half a batch: its stories are rebuilt from the WARC
        return False


class LocalFeedStorage(BatchStorage):
    """Feed storage for paths and ``file://`` URIs: a batch appears under its name only when complete.

    The batch is written under a hidden temporary name beside its final name; ``store()`` fsyncs
    it, renames it into place and fsyncs the directory before returning. A staged Parquet batch
    is renamed to its staged name instead (:func:`pipelines.staged_parquet.staged_path`).
    """

    def __init__(
        self, uri: str, *, feed_options: dict[str, Any] | None = None, crawler: Crawler | None = None
    ) -> None:
        self.path = root_path(uri)
        self.tmp = temp_name(self.path)
        self.crawler = crawler
        if _staged(feed_options):
            self.path = staged_path(self.path)

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> LocalFeedStorage:
        return cls(uri, feed_options=feed_options, crawler=crawler)

    def open(self, spider: Spider) -> IO[bytes]:
        return self.open_batch()

    def store(self, file: IO[bytes]) -> None:
        self.publish_batch(file)


class StoreFeedStorage(BatchStorage):
    """Feed storage for remote output: the batch is published into the local spool, then put into
    the store (uploaded and verified, then removed locally) in a thread. When the upload fails the
    batch stays in the spool and ``store()`` still succeeds: the batch is durable on local disk and
    the next run or ``kliping upload`` sends it. A staged Parquet batch is only published under
    its staged name in the spool: it is converted and sent when the spider closes.

    ``store`` is the output store the crawl's :class:`archive.stores.extension.StoreUploader`
    already holds (one client for every batch), or None when the destination cannot be opened.
    """

    def __init__(
        self,
        uri: str,
        key: str,
        spool: Path,
        crawler: Crawler,
        store: Store | None,
        *,
        staged: bool = False,
    ) -> None:
        self.uri = uri
        self.key = key
        self.path = spool / key
        self.tmp = temp_name(self.path)
        self.staged = staged
        if staged:
            self.path = staged_path(self.path)
        self.crawler = crawler
        self.destination = store

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> StoreFeedStorage:
        settings = crawler.settings
        output = str(settings.get("KLIPING_OUTPUT") or "").rstrip("/")
        if output and uri.startswith(output + "/"):
            root, key = output, uri[len(output) + 1 :]
        else:
            scheme, rest = uri.split("://", 1)
            bucket, _, key = rest.partition("/")
            root = f"{scheme}://{bucket}"
        if _staged(feed_options):
            return cls(uri, key, spool_root(settings), crawler, None, staged=True)
        return cls(uri, key, spool_root(settings), crawler, _store_for(crawler, root, output))

    def open(self, spider: Spider) -> IO[bytes]:
        return self.open_batch()

    def store(self, file: IO[bytes]) -> Deferred[None] | None:
        if not self.publish_batch(file) or self.staged:
            return None
        return deferToThread(self._upload)

    def _upload(self) -> None:
        if self.destination is None:
            self._count("kliping/store/failed")
            return  # why was logged when the store could not be opened; the batch waits in the spool
        try:
            self.destination.put(self.path, self.key)
        except FileNotFoundError:
            return  # the spool sweep sent it meanwhile
        except StoreError as exc:
            uploader = _uploader(self.crawler) if self.crawler is not None else None
            if uploader is not None:  # its final sweep tries again: one warning for both
                uploader.upload_failed(self.key, str(exc), self.path)
            else:
                logger.warning(
                    "%s; batch kept in the spool at %s (`kliping upload` sends it)", exc, self.path
                )
                self._count("kliping/store/failed")
            return
        self._count("kliping/store/uploaded")

    def _count(self, key: str) -> None:
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)


def _staged(feed_options: dict[str, Any] | None) -> bool:
    return (feed_options or {}).get("format") == STAGED_FORMAT


def _uploader(crawler: Crawler) -> Any:
    """The crawl's StoreUploader extension, or None."""
    from archive.stores.extension import StoreUploader

    try:
        return crawler.get_extension(StoreUploader)
    except RuntimeError:
        return None


def _store_for(crawler: Crawler, root: str, output: str) -> Store | None:
    """The store batches under ``root`` go to: the uploader's own for the output root (built once
    per crawl, not per batch), else one opened for ``root``; None (logged) when it cannot be opened."""
    from archive.stores.extension import StoreUploader

    if root == output:
        try:
            uploader = crawler.get_extension(StoreUploader)
        except RuntimeError:
            uploader = None
        if uploader is not None:
            return uploader.store
    try:
        return open_store(root, store_classes(crawler.settings), crawler.settings)
    except StoreError as exc:
        logger.warning("%s; text batches kept in the spool (`kliping upload` sends them)", exc)
        return None


__all__ = [
    "OTHER",
    "LocalFeedStorage",
    "OutletFeeds",
    "OutletFilter",
    "StoreFeedStorage",
    "expand_feeds",
    "scheme_of",
    "uri_params",
]
