"""Turn the fetched pages of one story into one article record. Runs in worker processes.

No Scrapy here: the crawl (through :mod:`pipelines.extract`) and ``kliping extract`` (from WARC
files) both call :func:`build_record`, so a re-extraction gives the records the crawl gave.
"""

from __future__ import annotations

import signal
from typing import Any

from extract import ExtractOptions, OutletHints, extract_article, join_pages


def ignore_interrupts() -> None:
    """Worker initializer: Ctrl-C and SIGTERM are the parent's to handle, not each worker's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def build_record(
    pages: list[dict[str, Any]],
    hints: dict[str, Any],
    options: ExtractOptions,
    run_id: str,
    url: str | None = None,
) -> dict[str, Any] | None:
    """The article record of a story, or None when its first page is not an article."""
    outlet_hints = OutletHints(**hints) if hints else None
    extracted: list[dict[str, Any]] = []
    for page in pages:
        record = extract_article(
            page["body"], page["url"], encoding=page["encoding"], hints=outlet_hints, options=options
        )
        if record is None:
            if not extracted:
                return None
            continue
        extracted.append(record)
    article = join_pages(extracted) if len(extracted) > 1 else extracted[0]
    if url:
        # A story fetched as its single-page variant (``?page=all``) is still known by its own URL.
        article["url"] = url
    article["pages"] = [page["url"] for page in pages]
    article["fetched_at"] = pages[0]["fetched_at"]
    article["warc"] = [page["warc"] for page in pages if page.get("warc")]
    article["run_id"] = run_id
    return article
