"""RSS 2.0 and Atom feeds."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime

from lxml import etree

from spiders.discovery import Link
from spiders.discovery.sitemap import parse_w3c_datetime


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _rfc822(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return parse_w3c_datetime(text)


def links_from_feed(body: bytes) -> list[Link]:
    """Item links of an RSS or Atom feed, with their dates when given."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(body.strip(), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return []
    if root is None:
        return []
    links = []
    for item in root.iter():
        name = _local(item.tag)
        if name == "item":
            url = when = None
            for child in item:
                cname = _local(child.tag)
                if cname == "link" and child.text and child.text.strip():
                    url = child.text.strip()
                elif cname == "guid" and url is None and (child.get("isPermaLink") or "true") == "true":
                    url = (child.text or "").strip() or None
                elif cname in ("pubDate", "date"):
                    when = _rfc822(child.text)
            if url:
                links.append(Link(url, when))
        elif name == "entry":
            url = None
            for child in item:
                if _local(child.tag) == "link" and child.get("rel", "alternate") == "alternate":
                    url = child.get("href")
                    break
            stamp = next((c.text for c in item if _local(c.tag) in ("published", "updated")), None)
            if url:
                links.append(Link(url.strip(), parse_w3c_datetime(stamp)))
    return links
