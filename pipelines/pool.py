"""The extraction worker pool, shared by the crawl and ``kliping extract``, and what it runs.

This module is light on purpose: the crawl's process imports it, and must not import the
extraction stack (Trafilatura, lxml, jusText, CLD2: memory it never uses). Workers are forked
by a forkserver that has imported and warmed that stack once (:mod:`pipelines.preload`), so its
big read-only parts (the jusText stoplists, compiled code) are shared copy-on-write by every
worker instead of built again in each.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any

#: The prefix of the settings ``extract.ExtractOptions`` reads (the workers build it from them).
EXTRACT_PREFIX = "KLIPING_EXTRACT_"


def extract_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The ``KLIPING_EXTRACT_*`` settings as a plain, picklable dict."""
    return {k: v for k, v in settings.items() if k.startswith(EXTRACT_PREFIX)}


#: What the forkserver imports (and so warms) before it forks the first worker.
PRELOAD = ["pipelines.preload"]


def extraction_pool(
    workers: int,
    *,
    settings: Mapping[str, Any] | None = None,
    options: Any = None,
) -> ProcessPoolExecutor:
    """``workers`` processes forked from a warmed forkserver, for :func:`run_story` tasks.

    Each worker gets its ``extract.ExtractOptions`` once, at start: ``options`` as given, or
    built from ``settings`` (the ``KLIPING_EXTRACT_*`` ones: the crawl's process never builds
    them, as that imports Trafilatura). A forkserver rather than a plain fork: forking a Twisted
    process would copy its threads and sockets into the workers. The forkserver is one per
    process; when something else already started it, its preload is what it is and workers warm
    up on first use, as they did before.
    """
    if (settings is None) == (options is None):
        raise ValueError("extraction_pool: give settings or options")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    initargs = (extract_settings(settings) if settings is not None else None, options)
    return ProcessPoolExecutor(workers, mp_context=context, initializer=init_worker, initargs=initargs)


# ----------------------------------------------------------------------------- in the workers
# Each function imports pipelines.worker when it runs, in the worker: the forkserver preloaded it,
# so this costs a dict lookup, and the parent that only names these functions never imports it.


def init_worker(settings: dict[str, Any] | None, options: Any = None) -> None:
    """Pool initializer: ignore Ctrl-C/SIGTERM (the parent's to handle); set this worker's options."""
    from pipelines import worker

    worker.init_worker(settings, options)


def run_story(
    pages: list[dict[str, Any]], hints: dict[str, Any], run_id: str, url: str | None = None
) -> dict[str, Any] | None:
    """:func:`pipelines.worker.build_record` with this worker's options."""
    from pipelines import worker

    return worker.build_record(pages, hints, worker.worker_options(), run_id, url)
