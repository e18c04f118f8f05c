"""Imported by the extraction forkserver (``set_forkserver_preload``): load and warm the stack.

Every worker is forked from the forkserver after this ran, so what it loads is shared
copy-on-write instead of being built again in each worker: the imports, the jusText stoplists
Trafilatura's fallback builds on first use (~28 MB: all languages' stopwords, as a tuple and as
a frozenset cache), CLD2 (its tables are read-only data of its shared library, so cost nothing
per worker), and whatever one small extraction touches. Then ``gc.freeze()``, so the workers'
garbage collector does not write to (and so copy) those shared pages.

Warming computes only what the first extraction would have computed: no behaviour changes. It is
best effort: a failure is logged and leaves the workers to warm up on first use, as before.

First of all, the forkserver leaves stop signals to its parent and dies with it
(:mod:`pipelines.lifeline`); its workers inherit the ignored signals from the moment they fork.
"""

from __future__ import annotations

import gc
import logging

from pipelines.lifeline import forkserver_started

forkserver_started()

logger = logging.getLogger(__name__)

_PAGE = (
    "<html lang='id'><head><title>Pemanasan</title></head><body><article><h1>Pemanasan</h1>"
    + "".join(
        f"<p>Paragraf {i} dari berita pemanasan ini berisi kalimat yang cukup panjang untuk dibaca "
        "sebagai teks artikel oleh pengekstrak, bukan sebagai menu atau tautan.</p>"
        for i in range(6)
    )
    + "</article></body></html>"
).encode()


def warm_up() -> None:
    """Import the extraction stack and build its lazily built, read-only parts."""
    try:
        from justext.core import define_stoplist
        from trafilatura import external

        import pipelines.worker  # noqa: F401  (and so extract, trafilatura, lxml)
        from extract import ExtractOptions, extract_article

        # Trafilatura's jusText fallback, on pages with no target language: the same calls it makes.
        define_stoplist(external.JT_STOPLIST or external.jt_stoplist_init())
        extract_article(_PAGE, "http://warm-up.invalid/berita", options=ExtractOptions(detect_language=True))
    except Exception as exc:  # never break the forkserver: workers would not start
        logger.warning("extraction warm-up skipped: %s: %s", type(exc).__name__, exc)
    # The cyclic garbage collector of each worker would otherwise walk (and so write to) every
    # object loaded here, copying the pages the workers share; frozen objects are never walked.
    # They live as long as the process anyway (modules, caches, the model).
    gc.collect()
    gc.freeze()


warm_up()
