"""Sitemaps, sitemap indexes and Google News sitemaps."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from spiders.discovery import Link


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_w3c_datetime(text: str | None) -> datetime | None:
    """A sitemap date (W3C datetime, ISO 8601) or None when absent or unreadable."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def links_from_sitemap(body: bytes) -> list[Link]:
    """Page links of a urlset (with news or lastmod dates) and child sitemaps of a sitemap index."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body.strip(), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return []
    if root is None:
        return []
    is_index = _local(root.tag) == "sitemapindex"
    links = []
    for entry in root:
        if _local(entry.tag) not in ("url", "sitemap"):
            continue
        loc = lastmod = published = None
        for child in entry.iter():
            name = _local(child.tag)
            if name == "loc" and loc is None and child.getparent() is entry:
                loc = (child.text or "").strip()
            elif name == "lastmod":
                lastmod = child.text
            elif name == "publication_date":
                published = child.text
        if loc:
            when = parse_w3c_datetime(published) or parse_w3c_datetime(lastmod)
            links.append(Link(loc, when, is_listing=is_index))
    return links
