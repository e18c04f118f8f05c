"""`kliping extract` rebuilds the crawl's records from its WARCs, stories of several pages and
single-page variants (``?page=all``) included: same `url`, same `pages`, same text."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.common import EXIT_DAMAGED_INPUT
from replayweb import ReplayWeb
from tests.conftest import FIXTURE_OUTLETS, FIXTURE_SITE, Kliping
from tests.test_incremental import BASE, feed, page
from tests.warcs import read_jsonl, records


@pytest.fixture
def web() -> Iterator[ReplayWeb]:
    with ReplayWeb([FIXTURE_SITE]) as replay:
        yield replay


def outlet_dir(tmp_path: Path, pagination: str) -> Path:
    outlets = tmp_path / "outlets"
    outlets.mkdir()
    config = (FIXTURE_OUTLETS / "kabarcontoh.toml").read_text(encoding="utf-8")
    (outlets / "kabarcontoh.toml").write_text(config + f"\n[pagination]\n{pagination}\n", encoding="utf-8")
    return outlets


def crawl_then_extract(kliping: Kliping, web: ReplayWeb, outlets: Path) -> tuple[list[dict], list[dict]]:
    result = kliping(
        "crawl", "kabarcontoh", "--proxy", web.proxy_url, "-s", f"KLIPING_OUTLETS_DIRS={outlets}",
        "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "KLIPING_EXTRACT_WORKERS=1",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    crawled = read_jsonl(sorted((kliping.cwd / "data" / "text").rglob("*.jsonl")))
    outputs = []
    # In this process and in a pool of workers alike (the workers are given the story's URL too).
    for workers in ("1", "2"):
        again = kliping(
            "extract", "data/warc/*.warc.gz", "--output", f"again-{workers}.jsonl", "--workers", workers,
            "-s", f"KLIPING_OUTLETS_DIRS={outlets}",
        )  # fmt: skip
        assert again.code == 0, again.stderr
        outputs.append(read_jsonl([kliping.cwd / f"again-{workers}.jsonl"]))
    assert outputs[0] == outputs[1]
    return crawled, outputs[1]


def by_url(rows: list[dict]) -> dict[str, dict]:
    return {row["url"]: row for row in rows}


def test_a_story_followed_across_pages_is_rebuilt_alike(
    kliping: Kliping, web: ReplayWeb, tmp_path: Path
) -> None:
    story = f"{BASE}/berita/2024/05/03/107/panen-raya-di-merauke"
    web.add(f"{BASE}/rss", feed([story]), content_type="application/rss+xml")
    web.add(
        story, page("Panen Raya di Merauke", "Halaman satu.", f'<a rel="next" href="{story}?page=2">2</a>')
    )
    web.add(story + "?page=2", page("Panen Raya di Merauke", "Halaman dua berisi lanjutan cerita panen."))
    crawled, again = crawl_then_extract(kliping, web, outlet_dir(tmp_path, 'mode = "follow"'))
    assert by_url(crawled)[story]["pages"] == [story, story + "?page=2"]
    assert by_url(again) == by_url(crawled)


def test_a_single_page_variant_keeps_the_story_url(kliping: Kliping, web: ReplayWeb, tmp_path: Path) -> None:
    story = f"{BASE}/berita/2024/05/04/108/nelayan-merauke-panen-udang"
    web.add(f"{BASE}/rss", feed([story]), content_type="application/rss+xml")
    web.add(story + "?page=all", page("Nelayan Merauke Panen Udang", "Seluruh cerita dalam satu halaman."))
    crawled, again = crawl_then_extract(kliping, web, outlet_dir(tmp_path, 'mode = "single_page"'))
    assert by_url(crawled)[story]["pages"] == [story + "?page=all"]
    assert by_url(again) == by_url(crawled)


def test_an_incremental_runs_warcs_re_extract_through_the_earlier_runs_index(
    kliping: Kliping, web: ReplayWeb, tmp_path: Path
) -> None:
    """A second run with a fresh seen store extracts the articles again, their pages written as
    revisits of the first run's records: its WARCs alone give the same records, the originals found
    through the CDXJ indexes beside them; moved elsewhere they say what is missing."""
    outlets = outlet_dir(tmp_path, 'mode = "follow"')
    common = ("--proxy", web.proxy_url, "-s", f"KLIPING_OUTLETS_DIRS={outlets}",
              "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "KLIPING_EXTRACT_WORKERS=1")  # fmt: skip
    first = kliping("crawl", "kabarcontoh", *common)
    assert first.code == 0, first.stderr
    warc_dir = kliping.cwd / "data" / "warc"
    before = set(warc_dir.glob("*.warc.gz"))
    text_before = set((kliping.cwd / "data" / "text").rglob("*.jsonl"))
    fresh = f"KLIPING_STATE=sqlite:///{tmp_path}/fresh-seen.sqlite"
    second = kliping("crawl", "kabarcontoh", *common, "-s", fresh)
    assert second.code == 0, second.stderr
    run2 = sorted(set(warc_dir.glob("*.warc.gz")) - before)
    crawled = read_jsonl(sorted(set((kliping.cwd / "data" / "text").rglob("*.jsonl")) - text_before))
    assert crawled and any(rec.rec_type == "revisit" for path in run2 for rec in records(path))
    again = kliping("extract", *map(str, run2), "-o", "again.jsonl", "-s", f"KLIPING_OUTLETS_DIRS={outlets}")
    assert again.code == 0, again.stderr
    assert by_url(read_jsonl([kliping.cwd / "again.jsonl"])) == by_url(crawled)
    moved = kliping.cwd / "moved"
    moved.mkdir()
    for path in run2:
        shutil.copy(path, moved / path.name)
    alone = kliping(
        "extract", "moved/*.warc.gz", "-o", "alone.jsonl", "-s", f"KLIPING_OUTLETS_DIRS={outlets}"
    )
    assert alone.code == EXIT_DAMAGED_INPUT
    assert "whose original is not among the inputs" in alone.stderr
    given = kliping(
        "extract", "moved/*.warc.gz", "--originals", str(warc_dir), "-o", "given.jsonl",
        "-s", f"KLIPING_OUTLETS_DIRS={outlets}",
    )  # fmt: skip
    assert given.code == 0, given.stderr
    assert by_url(read_jsonl([kliping.cwd / "given.jsonl"])) == by_url(crawled)
