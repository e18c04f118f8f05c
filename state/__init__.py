"""Crawl state that outlives a run: which articles are already safely archived ("seen").

Stores are chosen by the scheme of ``KLIPING_STATE`` from ``KLIPING_STATE_STORES_BASE`` (dotted
paths; extend it with ``KLIPING_STATE_STORES``), the way Scrapy picks feed storages by scheme.
No Scrapy here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib import import_module
from typing import Protocol
from urllib.parse import urlsplit


class StateError(ValueError):
    """A state URI that cannot be used; the message names the URI and the problem."""


class SeenStore(Protocol):
    """The set of article URLs (canonical form) whose WARC and text records are durably written."""

    def is_seen(self, url: str) -> bool:
        """Whether the article was already saved by an earlier run (or another worker)."""
        ...

    def mark_seen(self, urls: Iterable[str]) -> None:
        """Record articles as saved; call only once their WARC and text records are durable."""
        ...

    def claim(self, url: str) -> bool:
        """Atomically record ``url`` as taken; True when this caller is the first (one round trip)."""
        ...

    def close(self) -> None: ...


def load_object(path: str) -> type:
    module, _, name = path.rpartition(".")
    cls: type = getattr(import_module(module), name)
    return cls


def open_seen_store(uri: str, stores: Mapping[str, str]) -> SeenStore:
    """Open the seen store for ``uri`` with the class its scheme maps to in ``stores``."""
    scheme = urlsplit(uri).scheme
    if scheme not in stores:
        known = ", ".join(sorted(stores))
        raise StateError(f"{uri}: unsupported state store scheme {scheme!r} (known: {known})")
    cls = load_object(stores[scheme])
    store: SeenStore = cls.from_uri(uri)  # type: ignore[attr-defined]
    return store
