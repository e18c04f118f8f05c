"""Scheduled crawls fetch only what is new: a second run fetches no article again, an article
added to the feed between runs is the only one fetched, and an article whose text record was
never stored is not marked seen. Runs on the repository's own fixture site."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from replayweb import ReplayWeb
from state import StateError, open_seen_store
from state.sqlite import SqliteSeenStore, path_from_uri
from tests.conftest import FIXTURE_OUTLETS, FIXTURE_SITE, Kliping
from tests.warcs import read_jsonl, records, warc_files

BASE = "https://www.kabarcontoh.id"
STORES = {"sqlite": "state.sqlite.SqliteSeenStore"}
ARTICLE = (
    "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    "<p>{body} Warga setempat mengatakan keadaan sudah membaik sejak pagi hari ini.</p>"
    "<p>Petugas dari dinas terkait masih berjaga di lokasi untuk memastikan keamanan warga.</p>"
    "<p>Kegiatan ekonomi di pasar juga berangsur pulih menurut pedagang yang ditemui.</p>"
    "{more}</article></body></html>"
)


def page(title: str, body: str, more: str = "") -> bytes:
    return ARTICLE.format(title=title, body=body, more=more).encode()


def feed(urls: list[str]) -> bytes:
    items = "".join(f"<item><title>t</title><link>{u}</link></item>" for u in urls)
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>{items}</channel></rss>'.encode()
    )


@pytest.fixture
def web() -> Iterator[ReplayWeb]:
    """A replay web of the fixture site that a test may change between runs."""
    with ReplayWeb([FIXTURE_SITE]) as replay:
        yield replay


LISTED = [
    f"{BASE}/berita/2024/02/12/101/harga-cabai-naik-jelang-ramadan",
    f"{BASE}/berita/2024/03/05/102/banjir-rendam-ratusan-rumah-di-makassar",
    f"{BASE}/berita/2024/04/20/103/festival-budaya-jayapura-dibuka",
    f"{BASE}/berita/2024/04/21/104/halaman-yang-hilang",
]


def crawl(kliping: Kliping, web: ReplayWeb, *extra: str) -> tuple[int, str]:
    result = kliping(
        "crawl", "kabarcontoh", "--proxy", web.proxy_url,
        "-s", f"KLIPING_OUTLETS_DIRS={FIXTURE_OUTLETS}", "-s", "AUTOTHROTTLE_ENABLED=0",
        "-s", "KLIPING_EXTRACT_WORKERS=1", *extra,
    )  # fmt: skip
    return result.code, result.stderr


def fetched_articles(root: Path) -> list[str]:
    """Article pages (HTTP 200 responses under /berita/) in the WARCs under ``root``."""
    urls = []
    for path in warc_files(root):
        for rec in records(path):
            url = rec.rec_headers.get_header("WARC-Target-URI")
            if (
                rec.rec_type == "response"
                and "/berita/" in url
                and rec.http_headers.get_statuscode() == "200"
            ):
                urls.append(url)
    return urls


def test_a_second_run_fetches_only_the_article_added_to_the_feed(kliping: Kliping, web: ReplayWeb) -> None:
    dead = f"{BASE}/berita/2024/04/21/104/halaman-yang-hilang"
    code, err = crawl(kliping, web, "--output", "run1")
    assert code == 0, err
    assert len(fetched_articles(kliping.cwd / "run1")) == 3
    assert re.search(r"error: http_404 +1$", err, re.M)  # the dead link: an error, not a crash
    new = f"{BASE}/berita/2024/05/01/105/pasar-murah-dibuka-di-jayapura"
    listed = [u for u in LISTED if u != new]
    web.add(f"{BASE}/rss", feed([new + "?utm_source=rss", *listed]), content_type="application/rss+xml")
    web.add(new, page("Pasar Murah Dibuka di Jayapura", "Pasar murah dibuka hari Rabu."))
    code, err = crawl(kliping, web, "--output", "run2")
    assert code == 0, err
    assert fetched_articles(kliping.cwd / "run2") == [new]
    assert re.search(r"skipped: already_seen +3$", err, re.M), err
    rows = read_jsonl(sorted((kliping.cwd / "run2").rglob("*.jsonl")))
    assert [row["url"] for row in rows] == [new]
    # Listings are read every run; a dead link is never seen, so it is tried again.
    assert web.hits(f"{BASE}/rss") == 2
    assert web.hits(dead) == 2


def test_robots_disallowed_articles_are_skipped_and_split_stories_joined(
    kliping: Kliping, web: ReplayWeb, tmp_path: Path
) -> None:
    outlets = tmp_path / "outlets"
    outlets.mkdir()
    config = (FIXTURE_OUTLETS / "kabarcontoh.toml").read_text().replace("/berita/", "/(?:berita|cari)/")
    (outlets / "kabarcontoh.toml").write_text(config + '\n[pagination]\nmode = "follow"\n', encoding="utf-8")
    forbidden = f"{BASE}/cari/2024/05/02/106/hasil-pencarian"
    story = f"{BASE}/berita/2024/05/03/107/panen-raya-di-merauke"
    web.add(f"{BASE}/rss", feed([forbidden, story + "?utm_source=rss"]), content_type="application/rss+xml")
    web.add(forbidden, page("Hasil", "Halaman pencarian."))
    web.add(
        story, page("Panen Raya di Merauke", "Halaman satu.", f'<a rel="next" href="{story}?page=2">2</a>')
    )
    web.add(story + "?page=2", page("Panen Raya di Merauke", "Halaman dua berisi lanjutan cerita panen."))
    result = kliping(
        "crawl", "kabarcontoh", "--proxy", web.proxy_url, "-s", f"KLIPING_OUTLETS_DIRS={outlets}",
        "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "KLIPING_EXTRACT_WORKERS=1",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert re.search(r"skipped: robots +1$", result.stderr, re.M)
    assert web.hits(forbidden) == 0
    rows = read_jsonl(sorted((kliping.cwd / "data" / "text").rglob("*.jsonl")))
    stories = [row for row in rows if row["url"] == story]
    assert len(stories) == 1
    assert stories[0]["pages"] == [story, story + "?page=2"]
    text = stories[0]["text"]
    assert text.index("Halaman satu.") < text.index("Halaman dua")
    assert set(fetched_articles(kliping.cwd / "data")) >= {story, story + "?page=2"}


FAILING_STORAGE = """
from scrapy.extensions.feedexport import FileFeedStorage

class FailingStorage(FileFeedStorage):
    def store(self, file):
        raise OSError("disk full")
"""


def test_an_article_whose_text_record_was_not_stored_is_not_seen(kliping: Kliping, web: ReplayWeb) -> None:
    (kliping.cwd / "failing_storage.py").write_text(FAILING_STORAGE, encoding="utf-8")
    failing = "failing_storage.FailingStorage"
    crawl(kliping, web, "--output", "run1", "-s", f'FEED_STORAGES={{"file": "{failing}", "": "{failing}"}}')
    assert len(fetched_articles(kliping.cwd / "run1")) == 3
    store = SqliteSeenStore(kliping.cwd / "data" / "state" / "seen.sqlite")
    assert store.count() == 0
    store.close()


def test_the_sqlite_store_remembers_across_opens(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/state/seen.sqlite"
    store = open_seen_store(uri, STORES)
    assert not store.is_seen("https://x.id/a")
    store.mark_seen(["https://x.id/a"])
    store.close()
    again = open_seen_store(uri, STORES)
    assert again.is_seen("https://x.id/a")
    assert again.claim("https://x.id/b") and not again.claim("https://x.id/b")
    again.close()


def test_a_relative_sqlite_uri_is_under_the_working_directory() -> None:
    assert path_from_uri("sqlite:///data/state/seen.sqlite") == Path("data/state/seen.sqlite")
    assert path_from_uri("sqlite:////var/lib/seen.sqlite") == Path("/var/lib/seen.sqlite")


def test_an_unknown_state_scheme_is_one_line() -> None:
    with pytest.raises(
        StateError, match=r"^mongo://x: unsupported state store scheme 'mongo' \(known: sqlite\)$"
    ):
        open_seen_store("mongo://x", STORES)
