"""Signals the spiders send beyond Scrapy's own."""

#: Sent by the outlet spider for each listing response it read, and for each configured listing it
#: could not fetch, with ``outlet`` (name), ``source`` (the configured discovery URL the listing
#: belongs to: itself, or the robots.txt or sitemap index that led to it), ``kind``, ``url``,
#: ``status`` (HTTP status, None without an answer), ``links`` (article and sitemap links found)
#: and ``error`` (why it failed, or None). The health monitor tells dead listings by it.
listing_read = object()

__all__ = ["listing_read"]
