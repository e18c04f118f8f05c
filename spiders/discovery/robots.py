"""robots.txt ``Sitemap:`` lines."""

from __future__ import annotations

from urllib.parse import urljoin

from spiders.discovery import Link


def sitemaps_from_robots(body: bytes, base_url: str) -> list[Link]:
    """Every ``Sitemap:`` URL in a robots.txt, resolved against its own URL."""
    text = body.decode("utf-8", errors="replace")
    links = []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            links.append(Link(urljoin(base_url, value.strip()), is_listing=True))
    return links
