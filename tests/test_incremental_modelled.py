"""The scheduled crawl over the modelled modern web (``_modelled/`` through the replay web): every
outlet's listings give exactly the article URLs their ``.meta.json`` files list, dead links are
errors, robots-disallowed URLs are never fetched, split stories come out whole, and a second run
fetches only the article added to a feed in between."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli.common import EXIT_HEALTH
from extract.evaluate import read_manifest
from fetch.canonical import canonical_url
from replayweb import ReplayWeb
from settings.outlets import load_outlets, outlet_for_url
from tests.conftest import Kliping
from tests.warcs import read_jsonl, records, warc_files

OUTLETS = load_outlets()
DETIK_FEED = "https://news.detik.com/internasional/rss"
NEW = "https://news.detik.com/internasional/d-5838999/menlu-rusia-tanggapi-pertemuan-jenewa"


def responses(root: Path) -> dict[str, int]:
    """URL -> HTTP status of every response record in the WARCs under ``root``."""
    out = {}
    for path in warc_files(root):
        for rec in records(path):
            if rec.rec_type == "response":
                out[rec.rec_headers.get_header("WARC-Target-URI")] = int(rec.http_headers.get_statuscode())
    return out


def articles(fetched: dict[str, int]) -> set[str]:
    """Canonical article URLs among fetched URLs."""
    found = set()
    for url in fetched:
        outlet = outlet_for_url(url, OUTLETS)
        if outlet is not None:
            canon = canonical_url(url, outlet.canonical)
            if outlet.is_article(canon):
                found.add(canon)
    return found


@pytest.fixture(scope="module")
def runs(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Two crawls of every outlet; between them one article is added to detik's feed."""
    cwd = tmp_path_factory.mktemp("modelled")
    kliping = Kliping(cwd)
    opts = ("-s", "AUTOTHROTTLE_ENABLED=0", "-s", "KLIPING_EXTRACT_WORKERS=1")
    with ReplayWeb([corpus_dir / "MANIFEST.tsv"]) as web:
        first = kliping("crawl", "--proxy", web.proxy_url, "--output", "run1", *opts)
        feed = (corpus_dir / "_modelled" / "detik" / "rss.xml").read_bytes()
        item = f"<item><title>Baru</title><link>{NEW}</link></item>".encode()
        web.add(DETIK_FEED, feed.replace(b"<item>", item + b"<item>", 1), content_type="application/rss+xml")
        body = corpus_dir / "_modelled" / "detik" / "internasional-5838765-menlu-as-bertemu-menlu-rusia.html"
        web.add(NEW, body.read_bytes())
        second = kliping("crawl", "--proxy", web.proxy_url, "--output", "run2", *opts)
    yield {"cwd": cwd, "first": first, "second": second}


def discovery_rows(corpus_dir: Path) -> list[dict[str, str]]:
    return [r for r in read_manifest(corpus_dir) if r["kind"] in ("rss", "index", "sitemap", "robots")]


def test_the_crawl_ends_cleanly(runs: dict[str, Any]) -> None:
    assert runs["first"].code == 0, runs["first"].stderr
    assert "Traceback" not in runs["first"].stderr


def test_every_modelled_listing_is_read(runs: dict[str, Any], corpus_dir: Path) -> None:
    fetched = responses(runs["cwd"] / "run1")
    modelled = [r["url"] for r in discovery_rows(corpus_dir) if r["path"].startswith("_modelled/")]
    # The one kompas index is dated (?date=2022-01-19): a run reads today's, so it is tested by parser.
    unread = [u for u in modelled if fetched.get(u) != 200 and "date=" not in u]
    assert unread == []


def test_the_crawl_finds_exactly_the_articles_its_listings_list(
    runs: dict[str, Any], corpus_dir: Path
) -> None:
    fetched = responses(runs["cwd"] / "run1")
    expected: set[str] = set()
    for row in discovery_rows(corpus_dir):
        meta = json.loads((corpus_dir / row["path"]).with_suffix(".meta.json").read_text(encoding="utf-8"))
        if fetched.get(row["url"]) == 200 or fetched.get(row["url"].replace("http://", "https://", 1)) == 200:
            outlet = outlet_for_url(row["url"], OUTLETS)
            assert outlet is not None
            expected |= {canonical_url(u, outlet.canonical) for u in meta.get("article_urls", [])}
    assert articles(fetched) == expected


def test_dead_links_are_errors_and_disallowed_urls_are_never_fetched(
    runs: dict[str, Any], corpus_dir: Path
) -> None:
    fetched = responses(runs["cwd"] / "run1")
    # A few "dead" links of the modelled pages (section fronts) are real saved pages elsewhere.
    served = {r["url"].split("://", 1)[1] for r in read_manifest(corpus_dir)}
    for meta_path in (corpus_dir / "_modelled").rglob("*.meta.json"):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        for url in meta.get("disallowed", []):
            assert url not in fetched
        for url in meta.get("dead", []):
            if url in fetched and url.split("://", 1)[1] not in served:
                assert fetched[url] == 404, url
    errors = re.findall(r"^error: \S+ +(\d+)$", runs["first"].stderr, re.M)
    assert sum(int(n) for n in errors) > 0


SPLIT_STORIES = [
    "kompas/internasional-2022-01-19-14300071-as-berusaha-meredakan-krisis",
    "liputan6/global-4876002-as-tanggapi-klaim-isu-keamanan",
    "tribunnews/internasional-2022-01-22-menlu-as-bilang-rusia-punya-dua-opsi",
]


@pytest.mark.parametrize("slug", SPLIT_STORIES)
def test_a_split_story_comes_out_whole(runs: dict[str, Any], corpus_dir: Path, slug: str) -> None:
    gold = json.loads((corpus_dir / "_modelled" / f"{slug}.gold.json").read_text(encoding="utf-8"))
    rows = read_jsonl(sorted((runs["cwd"] / "run1" / "text").rglob("*.jsonl")))
    [row] = [r for r in rows if r["url"] == gold["url"]]
    fetched = responses(runs["cwd"] / "run1")
    for page in row["pages"]:
        assert fetched[page] == 200
    if gold.get("single_page_url"):
        # The single-page variant is preferred: one fetch instead of every page.
        assert row["pages"] == [gold["single_page_url"]]
    else:
        assert row["pages"] == gold["pages"]

    def norm(text: str | list[str]) -> list[str]:
        lines = text.split("\n") if isinstance(text, str) else text
        return [" ".join(line.split()) for line in lines if line.strip()]

    got, want = norm(row["text"]), norm(gold["text"])
    # Every gold paragraph is there, in order (the extractor's leaks are its own issue's business).
    positions = [got.index(line) for line in want if line in got]
    assert len(positions) >= 0.9 * len(want)
    assert positions == sorted(positions)


def test_a_second_run_fetches_only_the_article_added_to_a_feed(runs: dict[str, Any]) -> None:
    # okezone and viva list only articles the corpus lacks (every one a 404): a second run without a
    # new article makes them stale, a health alarm each (exit 7); no other outlet alarms.
    assert runs["second"].code == EXIT_HEALTH, runs["second"].stderr
    alarms = re.findall(
        r"^HEALTH ALARM +(\S+): no new article for at least 2 runs", runs["second"].stderr, re.M
    )
    assert alarms == ["okezone", "viva"], runs["second"].stderr
    first = {u for u, s in responses(runs["cwd"] / "run1").items() if s == 200}
    second = {u for u, s in responses(runs["cwd"] / "run2").items() if s == 200}
    assert articles({u: 200 for u in second}) == {NEW}
    assert not articles({u: 200 for u in first}) & articles({u: 200 for u in second})
    rows = read_jsonl(sorted((runs["cwd"] / "run2" / "text").rglob("*.jsonl")))
    assert [r["url"] for r in rows] == [NEW]
