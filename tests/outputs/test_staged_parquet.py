"""Parquet written at the run's end from durable staged rows: the crawl's process loads pyarrow
only once its extraction workers are gone, and no record is lost on the way."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

import settings as project
from pipelines.exporters import ARTICLE_SCHEMA, ParquetItemExporter
from pipelines.feeds import LocalFeedStorage, expand_feeds
from pipelines.staged_parquet import (
    STAGED_FORMAT,
    StagedRowsExporter,
    convert,
    final_path,
    finish_staged,
    staged_path,
)
from replayweb import ReplayWeb
from settings.runinfo import hostname_token
from tests.conftest import FIXTURE_OUTLETS, Kliping

TEMPLATE = "%(output)s/text/%(outlet)s/%(date)s/%(run_id)s-%(batch_id)05d"
RUN = "20261124T010000Z-host-1"


def run_of(pid: int) -> str:
    """The id a run of this host with process ``pid`` has."""
    return f"20261124T010000Z-{hostname_token()}-{pid}"


def ended_pid() -> int:
    """The id of a process that has exited."""
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(proc.stdout)


RECORD: dict[str, Any] = {
    "url": "https://news.example/a",
    "canonical_url": None,
    "outlet": "detik",
    "title": "Banjir di Jakarta",
    "authors": ["Rina"],
    "published": "2026-11-24T08:00:00+07:00",
    "language": "id",
    "tags": [],
    "text": "Hujan deras sejak pagi.",
    "pages": ["https://news.example/a"],
    "fetched_at": "2026-11-24T01:00:00+00:00",
    "run_id": "run",
    "warc": [
        {"file": "w.warc.gz", "offset": 0, "record_id": "<urn:uuid:1>", "url": "https://news.example/a"}
    ],
    "not_in_schema": "left out",
}


def stage(final: Path, records: list[dict[str, Any]]) -> Path:
    """Stage ``records`` for ``final`` as the crawl's feed does (exporter, then storage)."""
    storage = LocalFeedStorage(str(final), feed_options={"format": STAGED_FORMAT})
    stream = storage.open(spider=None)  # type: ignore[arg-type]
    exporter = StagedRowsExporter(stream)
    exporter.start_exporting()
    for record in records:
        exporter.export_item(record)
    exporter.finish_exporting()
    storage.store(stream)
    return staged_path(final)


def direct_parquet(records: list[dict[str, Any]]) -> bytes:
    buffer = io.BytesIO()
    exporter = ParquetItemExporter(buffer)
    exporter.start_exporting()
    for record in records:
        exporter.export_item(record)
    exporter.finish_exporting()
    return buffer.getvalue()


def test_parquet_feeds_under_text_are_staged_when_written_at_the_end() -> None:
    feeds = {
        TEMPLATE + ".parquet": {"format": "parquet"},
        "elsewhere/%(batch_id)d.parquet": {"format": "parquet"},
    }
    expanded = expand_feeds(
        feeds, ["detik"], formats=["parquet"], gzip=False, batch_items=0, parquet_at_end=True
    )
    formats = {uri.split("/")[0]: options["format"] for uri, options in expanded.items()}
    assert formats == {"%(output)s": STAGED_FORMAT, "elsewhere": "parquet"}


def test_parquet_feeds_are_written_as_they_close_when_not_at_the_end() -> None:
    feeds = {TEMPLATE + ".parquet": {"format": "parquet"}}
    expanded = expand_feeds(
        feeds, ["detik"], formats=["parquet"], gzip=False, batch_items=0, parquet_at_end=False
    )
    assert {options["format"] for options in expanded.values()} == {"parquet"}


def test_feeds_with_their_own_exporter_options_are_not_staged() -> None:
    feeds = {TEMPLATE + ".parquet": {"format": "parquet", "item_export_kwargs": {"row_group_size": 10}}}
    expanded = expand_feeds(
        feeds, ["detik"], formats=["parquet"], gzip=False, batch_items=0, parquet_at_end=True
    )
    assert {options["format"] for options in expanded.values()} == {"parquet"}


def test_a_staged_batch_is_published_under_its_hidden_name_only(tmp_path: Path) -> None:
    final = tmp_path / "detik" / f"{RUN}-00001.parquet"
    staged = stage(final, [RECORD])
    assert staged == final.with_name(f".{RUN}-00001.parquet.rows")
    assert [p.name for p in final.parent.iterdir()] == [staged.name]
    assert final_path(staged) == final


def test_a_converted_batch_equals_one_written_directly(tmp_path: Path) -> None:
    final = tmp_path / "detik" / f"{RUN}-00001.parquet"
    records = [RECORD, {**RECORD, "url": "https://news.example/b", "authors": []}]
    assert convert(stage(final, records)) == final
    assert pq.read_schema(final).equals(ARTICLE_SCHEMA)
    assert pq.read_table(final).equals(pq.read_table(io.BytesIO(direct_parquet(records))))
    assert [p.name for p in final.parent.iterdir()] == [final.name]


def test_converting_a_batch_removes_what_a_killed_conversion_left(tmp_path: Path) -> None:
    final = tmp_path / "detik" / f"{RUN}-00001.parquet"
    staged = stage(final, [RECORD])
    # A kill between writing the hidden file and publishing it: the rows stay staged, so does it.
    (final.parent / f".{final.name}.0badf00d.part").write_bytes(b"PAR1 half a file")
    convert(staged)
    assert [p.name for p in final.parent.iterdir()] == [final.name]


def test_a_run_converts_its_own_staged_batches(tmp_path: Path) -> None:
    finals = [
        tmp_path / "detik" / "2026-11-24" / f"{RUN}-00001.parquet",
        tmp_path / "other" / f"{RUN}-00003.parquet",
    ]
    for final in finals:
        stage(final, [RECORD])
    result = finish_staged(tmp_path, RUN)
    assert sorted(result.written) == sorted(finals) and result.failed == []
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == sorted(finals)


def test_a_run_converts_the_batches_of_ended_runs_and_leaves_live_runs_alone(tmp_path: Path) -> None:
    ended = tmp_path / f"{run_of(ended_pid())}-recovered-1.parquet"
    live = tmp_path / f"{run_of(os.getppid())}-00001.parquet"
    elsewhere = tmp_path / "20261124T010000Z-otherhost-1-00001.parquet"
    for final in (ended, live, elsewhere):
        stage(final, [RECORD])
    assert finish_staged(tmp_path, RUN).written == [ended]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [ended.name, f".{live.name}.rows", f".{elsewhere.name}.rows"]
    )


def test_a_stopping_pass_leaves_its_batches_staged(tmp_path: Path) -> None:
    staged = stage(tmp_path / f"{RUN}-00001.parquet", [RECORD])
    result = finish_staged(tmp_path, RUN, stop=lambda: True)
    assert result.written == [] and result.left == 1 and staged.exists()


def test_rows_that_cannot_become_parquet_are_moved_aside_and_named_once(tmp_path: Path) -> None:
    final = tmp_path / "detik" / f"{RUN}-00001.parquet"
    staged = stage(final, [RECORD])
    staged.write_text(staged.read_text() + "{not json\n")
    result = finish_staged(tmp_path, RUN)
    assert result.written == [] and result.failed == [] and len(result.damaged) == 1
    assert str(staged) in result.damaged[0] and "JSONDecodeError" in result.damaged[0]
    assert [p.name for p in final.parent.iterdir()] == [staged.name + ".damaged"]
    assert finish_staged(tmp_path, RUN).damaged == []


def test_a_batch_that_fails_for_want_of_room_stays_staged(tmp_path: Path) -> None:
    final = tmp_path / "detik" / f"{RUN}-00001.parquet"
    staged = stage(final, [RECORD])
    final.mkdir()  # the Parquet file cannot take its name: an OSError, as a full disk gives
    result = finish_staged(tmp_path, RUN)
    assert result.written == [] and len(result.failed) == 1 and staged.exists()


PROBE = '''
import json, sys
from scrapy import signals


class PyarrowProbe:
    """Notes whether pyarrow is loaded while items are scraped, and at the end of the run."""

    def __init__(self, crawler):
        self.path = crawler.settings.get("PROBE_FILE")
        self.seen = {"while_crawling": False}
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def item_scraped(self, item, response, spider):
        self.seen["while_crawling"] |= "pyarrow" in sys.modules

    def engine_stopped(self):
        self.seen["at_end"] = "pyarrow" in sys.modules
        with open(self.path, "w") as stream:
            json.dump(self.seen, stream)
'''


def probed_crawl(kliping: Kliping, web: ReplayWeb, *settings: str) -> dict[str, bool]:
    """Crawl the fixture outlet with a probe extension; what it saw of pyarrow."""
    (kliping.cwd / "pyarrow_probe.py").write_text(PROBE)
    extensions = {**project.EXTENSIONS, "pyarrow_probe.PyarrowProbe": 1000}
    args = ["-s", f"EXTENSIONS={json.dumps(extensions)}", "-s", f"PROBE_FILE={kliping.cwd / 'probe.json'}"]
    for setting in settings:
        args += ["-s", setting]
    result = kliping(
        "crawl",
        "kabarcontoh",
        "--proxy",
        web.proxy_url,
        "-s",
        f"KLIPING_OUTLETS_DIRS={FIXTURE_OUTLETS}",
        "-s",
        "AUTOTHROTTLE_ENABLED=0",
        *args,
    )
    assert result.code == 0, result.stderr
    seen: dict[str, bool] = json.loads((kliping.cwd / "probe.json").read_text())
    return seen


def test_the_crawl_loads_pyarrow_only_once_its_workers_are_gone(
    kliping: Kliping, site_web: ReplayWeb
) -> None:
    assert probed_crawl(kliping, site_web) == {"while_crawling": False, "at_end": True}
    text = kliping.cwd / "data" / "text"
    assert len(pq.read_table(sorted(text.rglob("*.parquet"))).to_pylist()) == 3
    assert not list(text.rglob(".*"))


def test_with_parquet_at_the_end_off_batches_are_parquet_while_crawling(
    kliping: Kliping, site_web: ReplayWeb
) -> None:
    seen = probed_crawl(kliping, site_web, "KLIPING_TEXT_PARQUET_AT_END=0", "KLIPING_TEXT_BATCH_ITEMS=1")
    assert seen["while_crawling"] is True
