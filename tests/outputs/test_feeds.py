"""Text feeds: one per outlet and format, batches that appear only whole, gzip on request."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow.parquet as pq

from pipelines.feeds import OTHER, LocalFeedStorage, OutletFilter, expand_feeds
from replayweb import ReplayWeb
from tests.conftest import FIXTURE_OUTLETS, Kliping

TEMPLATE = "%(output)s/text/%(outlet)s/%(date)s/%(run_id)s-%(batch_id)05d"
FEEDS = {TEMPLATE + ".jsonl": {"format": "jsonlines"}, TEMPLATE + ".parquet": {"format": "parquet"}}


def test_outlet_feeds_expand_to_one_feed_per_outlet_and_format_plus_other() -> None:
    feeds = expand_feeds(
        FEEDS, ["detik", "kompas"], formats=["jsonl", "parquet"], gzip=False, batch_items=500
    )
    dirs = {uri.split("/text/")[1].split("/")[0] for uri in feeds}
    assert dirs == {"detik", "kompas", OTHER}
    assert len(feeds) == 6
    assert all(options["batch_item_count"] == 500 for options in feeds.values())


def test_formats_and_gzip_shape_the_feeds() -> None:
    feeds = expand_feeds(FEEDS, ["detik"], formats=["jsonl"], gzip=True, batch_items=0)
    assert sorted(uri.rsplit("/", 1)[1] for uri in feeds) == ["%(run_id)s-%(batch_id)05d.jsonl.gz"] * 2
    assert all(o["postprocessing"] == ["scrapy.extensions.postprocessing.GzipPlugin"] for o in feeds.values())


def test_each_record_goes_to_exactly_one_outlet_feed() -> None:
    feeds = expand_feeds(FEEDS, ["detik", "kompas"], formats=["jsonl"], gzip=False, batch_items=0)
    filters = {o["kliping_outlet"]: OutletFilter(o) for o in feeds.values()}
    for outlet, expected in [("detik", "detik"), ("kompas", "kompas"), (None, OTHER), ("elsewhere", OTHER)]:
        taking = [name for name, f in filters.items() if f.accepts({"outlet": outlet})]
        assert taking == [expected]


def test_a_local_batch_appears_under_its_name_only_once_stored(tmp_path: Path) -> None:
    final = tmp_path / "text" / "detik" / "2024-01-01" / "run-00001.jsonl"
    storage = LocalFeedStorage(str(final))
    stream = storage.open(spider=None)  # type: ignore[arg-type]
    stream.write(b'{"url": "x"}\n')
    assert not final.exists()
    assert [p.name.startswith(".") for p in final.parent.iterdir()] == [True]
    storage.store(stream)
    assert final.read_bytes() == b'{"url": "x"}\n'
    assert [p.name for p in final.parent.iterdir()] == [final.name]


def test_a_crawl_writes_gzipped_jsonl_and_parquet_batches_per_outlet(
    kliping: Kliping, site_web: ReplayWeb
) -> None:
    result = kliping(
        "crawl",
        "kabarcontoh",
        "--proxy",
        site_web.proxy_url,
        "-s",
        f"KLIPING_OUTLETS_DIRS={FIXTURE_OUTLETS}",
        "-s",
        "AUTOTHROTTLE_ENABLED=0",
        "-s",
        "KLIPING_TEXT_BATCH_ITEMS=2",
        "-s",
        "KLIPING_TEXT_GZIP=1",
    )
    assert result.code == 0, result.stderr
    text = kliping.cwd / "data" / "text"
    files = sorted(p.relative_to(text).as_posix() for p in text.rglob("*") if p.is_file())
    (date,) = {f.split("/")[1] for f in files}
    run = files[0].split("/")[2].rsplit("-", 1)[0]
    assert files == [
        f"kabarcontoh/{date}/{run}-{n:05d}.{ext}" for n in (1, 2) for ext in ("jsonl.gz", "parquet")
    ]
    rows = []
    for name in files:
        if name.endswith(".gz"):
            with gzip.open(text / name, "rt", encoding="utf-8") as stream:
                rows += [json.loads(line) for line in stream]
    table_rows = [r for f in files if f.endswith(".parquet") for r in pq.read_table(text / f).to_pylist()]
    assert len(rows) == 3
    assert sorted(table_rows, key=lambda r: r["url"]) == sorted(rows, key=lambda r: r["url"])
