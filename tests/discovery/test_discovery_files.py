"""Each saved listing (real 2015-2017 pages and modelled modern ones) read with its outlet's config
gives exactly the article URLs its ``.meta.json`` lists, and robots/sitemap indexes the sitemaps."""

from __future__ import annotations

from pathlib import Path

import pytest

from fetch.canonical import canonical_url
from settings.outlets import load_outlets
from spiders.discovery.feed import links_from_feed
from spiders.discovery.index import links_from_index
from spiders.discovery.robots import sitemaps_from_robots
from spiders.discovery.sitemap import links_from_sitemap
from tests.outlets.corpus import manifest_rows, meta_of, outlet_name

OUTLETS = load_outlets()


@pytest.mark.parametrize("row", manifest_rows(("rss", "index", "sitemap")), ids=lambda r: r["path"])
def test_a_listing_gives_exactly_its_article_urls(row: dict[str, str], corpus_dir: Path) -> None:
    name = outlet_name(row)
    if name not in OUTLETS:
        pytest.skip(f"{row['outlet']} is not one of kliping's outlets")
    outlet = OUTLETS[name]
    body = (corpus_dir / row["path"]).read_bytes()
    if row["kind"] == "rss":
        links = links_from_feed(body)
    elif row["kind"] == "sitemap":
        links = links_from_sitemap(body)
    else:
        links = links_from_index(body, row["url"], outlet.article_pattern)
    found = [
        canonical_url(link.url, outlet.canonical)
        for link in links
        if not link.is_listing and outlet.is_article(canonical_url(link.url, outlet.canonical))
    ]
    meta = meta_of(corpus_dir, row)
    assert found == [canonical_url(u, outlet.canonical) for u in meta["article_urls"]]
    if meta.get("sitemap_urls"):
        assert [link.url for link in links if link.is_listing] == meta["sitemap_urls"]


@pytest.mark.parametrize("row", manifest_rows(("robots",)), ids=lambda r: r["path"])
def test_robots_txt_gives_its_sitemaps(row: dict[str, str], corpus_dir: Path) -> None:
    links = sitemaps_from_robots((corpus_dir / row["path"]).read_bytes(), row["url"])
    assert [link.url for link in links] == meta_of(corpus_dir, row)["sitemap_urls"]


def test_news_sitemap_dates_carry_the_site_offset(corpus_dir: Path) -> None:
    body = (corpus_dir / "_modelled" / "antaranews" / "sitemap-news.xml").read_bytes()
    dated = [link.published for link in links_from_sitemap(body) if link.published]
    assert dated and all(d.utcoffset() is not None for d in dated)
