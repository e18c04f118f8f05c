"""Parquet batches written when the crawl ends, from rows staged durably while it runs.

Importing pyarrow maps ~25 MB of library pages and ~6 MB of heap into a process for good. The
crawl's process would carry that while its extraction workers run, at the run's memory peak
(docs/benchmarks.md, B3). So by default (``KLIPING_TEXT_PARQUET_AT_END``) a Parquet text feed
under the output's ``text/`` folder is written in two steps:

1. While crawling, the feed's exporter (:class:`StagedRowsExporter`, feed format
   :data:`STAGED_FORMAT`) writes the batch's records as JSON lines, and the feed storage
   publishes the closed batch under a hidden staged name beside its final one
   (``.<run>-<n>.parquet.rows``: fsynced and atomically renamed, as every batch). From then on
   the batch is durable, which is what the seen store waits for (:mod:`pipelines.seen`); the
   spool never uploads a hidden file.
2. When the spider closes (the extraction pool has been shut down by then: item pipelines close
   before ``spider_closed`` is sent), :class:`ParquetFinisher` converts every staged batch under
   the text folder into its Parquet file (``<run>-<n>.parquet``, published the same way) and
   removes the staged rows. With remote output the Parquet file lands in the spool and
   :class:`archive.stores.extension.StoreUploader`, whose handler runs after this one, sends it.

A run that dies between the two steps leaves staged rows; text recovery reads them as the run's
Parquet batches (:mod:`pipelines.recovery`) and the next run's finisher converts them. Each
conversion is idempotent: the Parquet file is complete before the rows go.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exporters import JsonLinesItemExporter

from archive.stores.extension import feeds_active
from archive.stores.local import fsync_dir, publish, temp_name
from settings.runinfo import local_dir

logger = logging.getLogger(__name__)

#: ``FEEDS`` format of a Parquet feed whose batches are staged as rows (see the module doc).
STAGED_FORMAT = "parquet-staged"
#: What a staged batch's name adds to its Parquet file's name (after a leading dot).
STAGED_SUFFIX = ".rows"


class StagedRowsExporter(JsonLinesItemExporter):
    """The exporter of :data:`STAGED_FORMAT` feeds: a batch's records as JSON lines, for
    :func:`convert` to turn into Parquet once the crawl's workers are gone. No pyarrow here."""

    def __init__(self, file: IO[bytes], **kwargs: Any) -> None:
        kwargs.setdefault("ensure_ascii", False)
        super().__init__(file, **kwargs)  # type: ignore[arg-type]  # Scrapy types it BytesIO; any binary file works


def staged_path(final: Path) -> Path:
    """Where the rows of the Parquet batch ``final`` wait: a hidden name beside it."""
    return final.with_name(f".{final.name}{STAGED_SUFFIX}")


def is_staged(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".parquet" + STAGED_SUFFIX)


def final_path(staged: Path) -> Path:
    """The Parquet file a staged batch becomes."""
    return staged.with_name(staged.name[1 : -len(STAGED_SUFFIX)])


def staged_batches(text_dir: Path) -> Iterator[Path]:
    """Every staged batch under ``text_dir``, in name order."""
    if text_dir.is_dir():
        yield from sorted(p for p in text_dir.rglob(f".*.parquet{STAGED_SUFFIX}") if p.is_file())


def read_rows(path: Path) -> Iterator[dict[str, object]]:
    """The records of a staged batch (a file of JSON lines)."""
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield json.loads(line)


def convert(staged: Path) -> Path:
    """Write the staged batch as its Parquet file (published atomically), then remove the rows."""
    from pipelines.exporters import ParquetItemExporter  # pyarrow: only now, see the module doc

    final = final_path(staged)
    tmp = temp_name(final)
    try:
        with open(tmp, "wb") as stream:
            exporter = ParquetItemExporter(stream)
            exporter.start_exporting()
            try:
                for record in read_rows(staged):
                    exporter.export_item(record)
            except BaseException:
                exporter.abandon()
                raise
            exporter.finish_exporting()
        publish(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    staged.unlink()
    fsync_dir(staged.parent)
    return final


@dataclass
class Finished:
    """What one pass of :func:`finish_staged` did."""

    written: list[Path] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def finish_staged(text_dir: Path) -> Finished:
    """Convert every staged batch under ``text_dir``; one that fails stays staged for the next pass."""
    result = Finished()
    for staged in staged_batches(text_dir):
        try:
            result.written.append(convert(staged))
        except FileNotFoundError:
            continue  # another process's pass converted it meanwhile
        except Exception as exc:  # OSError, a bad line (ValueError), pyarrow's own ArrowException
            result.failed.append(f"{staged}: {type(exc).__name__}: {exc}")
    return result


class ParquetFinisher:
    """Scrapy extension: converts the staged Parquet batches into Parquet files at the run's end.

    It works on ``feed_exporter_closed``, which Scrapy sends once every feed slot has been stored
    (slots close in tasks of their own), or at ``spider_closed`` when no feed is configured.
    Enable it in ``EXTENSIONS`` before :class:`archive.stores.extension.StoreUploader`, whose
    final sweep waits for the same signal and sends the Parquet files of remote output. It runs
    in every crawl, so batches a killed run left staged are converted by the next one.
    """

    def __init__(self, crawler: Crawler, text_dir: Path) -> None:
        self.crawler = crawler
        self.text_dir = text_dir
        crawler.signals.connect(self.feed_exporter_closed, signal=signals.feed_exporter_closed)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParquetFinisher:
        return cls(crawler, Path(local_dir(crawler.settings, "text")))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if not feeds_active(self.crawler):
            self.finish()

    def feed_exporter_closed(self) -> None:
        self.finish()

    def finish(self) -> None:
        # Blocking on purpose: the uploader's sweep must find the files, and nothing else runs.
        result = finish_staged(self.text_dir)
        stats = self.crawler.stats
        if stats is not None and result.written:
            stats.inc_value("kliping/text/parquet_written", len(result.written))
        for line in result.failed:
            if stats is not None:
                stats.inc_value("kliping/errors/parquet")
            logger.error("%s; the batch stays staged, the next run converts it", line)
        if result.written:
            logger.info("%d Parquet text batch(es) written from staged rows", len(result.written))


__all__ = [
    "STAGED_FORMAT",
    "Finished",
    "ParquetFinisher",
    "StagedRowsExporter",
    "convert",
    "final_path",
    "finish_staged",
    "is_staged",
    "read_rows",
    "staged_batches",
    "staged_path",
]
