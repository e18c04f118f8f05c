"""Parquet batches written when the crawl ends, from rows staged durably while it runs.

Importing pyarrow maps ~25 MB of library pages and ~6 MB of heap into a process for good. The
crawl's process would carry that while its extraction workers run, at the run's memory peak
(docs/benchmarks.md, B3). So by default (``KLIPING_TEXT_PARQUET_AT_END``) a Parquet text feed
under the output's ``text/`` folder is written in two steps:

1. While crawling, the feed's exporter (:class:`StagedRowsExporter`, feed format
   :data:`STAGED_FORMAT`) writes the batch's records as JSON lines, and the feed storage
   publishes the closed batch under a hidden staged name beside its final one
   (``.<run>-<n>.parquet.rows``: fsynced and atomically renamed, as every batch). From then on
   the batch is durable, which is what the seen store waits for (:mod:`lifecycle.extension`); the
   spool never uploads a hidden file.
2. When the spider closes (the extraction pool has been shut down by then: item pipelines close
   before ``spider_closed`` is sent), :class:`ParquetFinisher` converts every staged batch under
   the text folder into its Parquet file (``<run>-<n>.parquet``, published the same way) and
   removes the staged rows. With remote output the Parquet file lands in the spool and
   :class:`archive.stores.extension.StoreUploader`, whose handler runs after this one, sends it.

A run that dies between the two steps, or is stopped by a signal (its deadline leaves no time to
convert), leaves staged rows; text recovery reads them as the run's Parquet batches
(:mod:`pipelines.recovery`) and the next run's finisher converts them: a run converts its own
batches and those of runs of this host whose process is gone, never a live run's. Each
conversion is idempotent: the Parquet file is complete before the rows go.
"""

from __future__ import annotations

import errno
import glob
import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exporters import JsonLinesItemExporter

from archive.stores.extension import feeds_active
from archive.stores.local import fsync_dir, publish, temp_name
from settings.runinfo import local_dir, run_ended_here, run_id

logger = logging.getLogger(__name__)

#: ``FEEDS`` format of a Parquet feed whose batches are staged as rows (see the module doc).
STAGED_FORMAT = "parquet-staged"
#: What a staged batch's name adds to its Parquet file's name (after a leading dot).
STAGED_SUFFIX = ".rows"
#: A staged batch's name: ``.<run id>-<batch>`` or ``.<run id>-recovered-<n>``, then the suffixes.
_STAGED_NAME = re.compile(r"^\.(?P<run>.+?)-(?:recovered-)?\d+\.parquet\.rows$")
#: Errors that converting the same rows again would repeat: the batch is moved aside.
_BAD_ROWS = ("JSONDecodeError", "ArrowInvalid", "ArrowTypeError", "UnicodeDecodeError")


class StagedRowsExporter(JsonLinesItemExporter):
    """The exporter of :data:`STAGED_FORMAT` feeds: a batch's records as JSON lines, for
    :func:`convert` to turn into Parquet once the crawl's workers are gone. No pyarrow here."""

    def __init__(self, file: IO[bytes], **kwargs: Any) -> None:
        kwargs.setdefault("ensure_ascii", False)
        kwargs["encoding"] = "utf-8"  # what read_rows expects, whatever the feed says
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


def staged_run(path: Path) -> str | None:
    """The id of the run that staged ``path`` (None when the name is not a staged batch's)."""
    match = _STAGED_NAME.match(path.name)
    return match["run"] if match else None


def ours_to_finish(path: Path, own_run: str | None) -> bool:
    """Whether a pass of ``own_run`` (None: no run, e.g. ``kliping upload``) converts ``path``:
    its own batches, and those of runs of this host whose process is gone. A live run's batches
    are its own to convert; those of another host are that host's."""
    run = staged_run(path)
    return run is not None and (run == own_run or run_ended_here(run))


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
                exporter.finish_exporting()
            except BaseException:
                exporter.abandon()
                raise
        publish(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    # A conversion killed before its publish left its hidden file; the batch is published now, so
    # such leftovers are garbage (the next start does not own them: their run may be long ended).
    for leftover in final.parent.glob(f".{glob.escape(final.name)}.*.part"):
        leftover.unlink(missing_ok=True)
    staged.unlink()
    fsync_dir(staged.parent)
    return final


@dataclass
class Finished:
    """What one pass of :func:`finish_staged` did."""

    written: list[Path] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # kept staged: the next pass tries again
    damaged: list[str] = field(default_factory=list)  # moved aside: trying again would fail again
    left: int = 0  # not converted because the pass was told to stop
    no_space: OSError | None = None  # the first failure for want of room, if any


def finish_staged(
    text_dir: Path,
    own_run: str | None = None,
    *,
    stop: Callable[[], bool] = lambda: False,
) -> Finished:
    """Convert the staged batches under ``text_dir`` this pass may take (:func:`ours_to_finish`).

    A batch that fails for want of room (an OSError) stays staged for the next pass; one whose
    rows cannot become Parquet is moved aside as ``.<name>.damaged`` and reported once. ``stop``
    is asked between batches: a stopping run leaves the rest staged for the next one.
    """
    result = Finished()
    batches = [p for p in staged_batches(text_dir) if ours_to_finish(p, own_run)]
    for n, staged in enumerate(batches):
        if stop():
            result.left = len(batches) - n
            break
        try:
            result.written.append(convert(staged))
        except FileNotFoundError:
            if staged.exists():
                result.failed.append(f"{staged}: its Parquet file vanished while being written")
            # else another process's pass converted it meanwhile
        except Exception as exc:  # OSError, a bad line (ValueError), pyarrow's own ArrowException
            why = f"{staged}: {type(exc).__name__}: {exc}"
            if type(exc).__name__ in _BAD_ROWS:
                aside = staged.with_name(staged.name + ".damaged")
                os.replace(staged, aside)
                result.damaged.append(f"{why}; rows moved aside to {aside.name}")
            else:
                result.failed.append(why)
                if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    result.no_space = result.no_space or exc
    return result


class ParquetFinisher:
    """Scrapy extension: converts the staged Parquet batches into Parquet files at the run's end.

    It works on ``feed_exporter_closed``, which Scrapy sends once every feed slot has been stored
    (slots close in tasks of their own), or at ``spider_closed`` when no feed is configured.
    Enable it in ``EXTENSIONS`` before :class:`archive.stores.extension.StoreUploader`, whose
    final sweep waits for the same signal and sends the Parquet files of remote output. It runs
    in every crawl, so batches a killed run left staged are converted by the next one.
    """

    def __init__(self, crawler: Crawler, text_dir: Path, own_run: str) -> None:
        self.crawler = crawler
        self.text_dir = text_dir
        self.own_run = own_run
        crawler.signals.connect(self.feed_exporter_closed, signal=signals.feed_exporter_closed)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParquetFinisher:
        return cls(crawler, Path(local_dir(crawler.settings, "text")), run_id(crawler.settings))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if not feeds_active(self.crawler):
            self.finish()

    def feed_exporter_closed(self) -> None:
        self.finish()

    def stopping(self) -> bool:
        """Whether a stop signal came (the run must end within its deadline, docs/operating.md)."""
        from fetch.shutdown import ShutdownDeadline

        deadline = self.crawler.get_extension(ShutdownDeadline)
        return deadline is not None and deadline.armed

    def finish(self) -> None:
        # Blocking on purpose: the uploader's sweep, whose handler comes after this one, must find
        # the files. A stop signal is seen between batches (Python runs its handler meanwhile).
        result = finish_staged(self.text_dir, self.own_run or None, stop=self.stopping)
        stats = self.crawler.stats
        if stats is not None and result.written:
            stats.inc_value("kliping/text/parquet_written", len(result.written))
        if stats is not None and result.left:
            stats.inc_value("kliping/text/parquet_left_staged", result.left)
        if result.no_space is not None:
            from lifecycle.stops import stop_for

            # The rows stay staged, durable; the next run on a larger disk writes them.
            stop_for(self.crawler, result.no_space, str(self.text_dir))
        for line in result.failed:
            logger.error("%s; the batch stays staged", line)
        for line in result.damaged:
            logger.error("%s", line)
        if stats is not None and (result.failed or result.damaged):
            stats.inc_value("kliping/errors/parquet", len(result.failed) + len(result.damaged))
        if result.written:
            logger.info("%d Parquet text batch(es) written from staged rows", len(result.written))
        if result.left:
            logger.warning(
                "stopping: %d Parquet text batch(es) stay staged, the next run writes them", result.left
            )


__all__ = [
    "STAGED_FORMAT",
    "Finished",
    "ParquetFinisher",
    "StagedRowsExporter",
    "convert",
    "final_path",
    "finish_staged",
    "is_staged",
    "ours_to_finish",
    "read_rows",
    "staged_batches",
    "staged_path",
    "staged_run",
]
