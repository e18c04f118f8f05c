"""Turn the fetched pages of one story into one article record. Runs in worker processes.

No Scrapy here: the crawl (through :mod:`pipelines.extract`) and ``kliping extract`` (from WARC
files) both call :func:`build_record`, so a re-extraction gives the records the crawl gave. The
pool (:mod:`pipelines.pool`) reaches this module only inside the workers.
"""

from __future__ import annotations

import signal
from typing import Any

from extract import ExtractOptions, OutletHints, extract_article, join_pages

# This worker process's options, built once by init_worker: a process-wide value because a pool
# initializer has nowhere else to put it, and building the Trafilatura Extractor per task is waste.
_options: ExtractOptions | None = None


def ignore_interrupts() -> None:
    """Worker initializer: Ctrl-C and SIGTERM are the parent's to handle, not each worker's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def init_worker(settings: dict[str, Any] | None, options: ExtractOptions | None = None) -> None:
    """Pool initializer: ignore interrupts; this worker's options, given or built from ``settings``."""
    global _options
    ignore_interrupts()
    _options = options if options is not None else ExtractOptions.from_settings(settings or {})


def worker_options() -> ExtractOptions:
    """The options :func:`init_worker` built in this process."""
    if _options is None:
        raise RuntimeError("init_worker has not run in this process")
    return _options


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
