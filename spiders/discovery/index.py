"""Index pages ("indeks", "terkini"): the article links on an HTML page that match a pattern."""

from __future__ import annotations

import re

from lxml import html

from spiders.discovery import Link


def links_from_index(body: bytes, base_url: str, pattern: str) -> list[Link]:
    """Links on the page matching ``pattern``, absolute, in page order, each once."""
    if not body.strip():
        return []
    try:
        doc = html.fromstring(body, base_url=base_url)
    except (ValueError, TypeError):
        return []
    doc.make_links_absolute(base_url, resolve_base_href=True, handle_failures="discard")
    wanted = re.compile(pattern)
    seen: set[str] = set()
    links = []
    for element in doc.iter("a"):
        href = (element.get("href") or "").strip()
        if href and href not in seen and wanted.search(href):
            seen.add(href)
            links.append(Link(href))
    return links
