"""Crawl state on disk. What outlives a run: which articles are already safely archived ("seen"),
and the frontier of a run in progress (:mod:`state.frontier`). What does not: a run's own scratch
key sets (:mod:`state.scratch`).

Stores are chosen by the scheme of ``KLIPING_STATE`` from ``KLIPING_STATE_STORES_BASE`` (dotted
paths; extend it with ``KLIPING_STATE_STORES``), the way Scrapy picks feed storages by scheme.
No Scrapy here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from settings.dotted import load_dotted
from settings.runinfo import SettingsLike, state_uri


class StateError(ValueError):
    """A state URI that cannot be used; the message names the URI and the problem."""


class StateFileError(Exception):
    """A state file or the work directory is unusable (corrupt, read-only, not a directory).

    The message names the file and the problem; the file is left as it is for inspection.
    Commands exit with ``EXIT_STATE`` (5).
    """


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


def seen_among(store: SeenStore, urls: Iterable[str]) -> set[str]:
    """Which of ``urls`` the store has seen: in one round trip when the store can
    (``which_seen``), else one ``is_seen`` each."""
    urls = list(urls)
    which = getattr(store, "which_seen", None)
    if callable(which):
        return set(which(urls))
    return {url for url in urls if store.is_seen(url)}


def redact(uri: str) -> str:
    """``uri`` fit for a message or a log line: its user and password part replaced by ``***``."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return uri.split("@", 1)[-1] if "@" in uri else uri
    if "@" not in parts.netloc:
        return uri
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def seen_store_class(uri: str, stores: Mapping[str, str]) -> Any:
    """The class ``uri``'s scheme maps to in ``stores`` (raises :class:`StateError`)."""
    scheme = urlsplit(uri).scheme
    if scheme not in stores:
        known = ", ".join(sorted(stores))
        raise StateError(f"{redact(uri)}: unsupported state store scheme {scheme!r} (known: {known})")
    try:
        return load_dotted(stores[scheme])
    except ValueError as exc:
        raise StateError(f"{redact(uri)}: state store class for {scheme!r}: {exc}") from exc


def open_seen_store(uri: str, stores: Mapping[str, str], settings: SettingsLike | None = None) -> SeenStore:
    """Open the seen store for ``uri`` with the class its scheme maps to in ``stores`` (through its
    ``from_settings(uri, settings)`` when it has one and settings are given, e.g. for timeouts)."""
    cls = seen_store_class(uri, stores)
    factory = getattr(cls, "from_settings", None)
    store: SeenStore = factory(uri, settings) if factory and settings is not None else cls.from_uri(uri)
    return store


def state_stores(settings: SettingsLike) -> dict[str, str]:
    """``KLIPING_STATE_STORES_BASE`` merged with ``KLIPING_STATE_STORES`` (None entries dropped)."""
    stores = {
        **_as_dict(settings.get("KLIPING_STATE_STORES_BASE")),
        **_as_dict(settings.get("KLIPING_STATE_STORES")),
    }
    return {k: v for k, v in stores.items() if v}


def seen_store_from_settings(settings: SettingsLike) -> SeenStore | None:
    """The seen store ``KLIPING_STATE`` names, from ``KLIPING_STATE_STORES_BASE`` merged with
    ``KLIPING_STATE_STORES``; None when ``KLIPING_STATE`` is empty (no seen-article state).

    Raises :class:`StateError` when the URI cannot be used.
    """
    uri = state_uri(settings)
    if not uri:
        return None
    return open_seen_store(uri, state_stores(settings), settings)


def check_state(settings: SettingsLike) -> None:
    """Before a crawl starts: ``KLIPING_STATE`` names a store class that loads, and a shared
    (Redis) state answers. Raises :class:`StateError`, so bad input is one line, not a traceback
    from inside the crawl."""
    uri = state_uri(settings)
    if uri:
        seen_store_class(uri, state_stores(settings))
        check_shared_state(uri, settings)


def _as_dict(value: Any) -> dict[str, str]:
    if isinstance(value, str):  # given on the command line as JSON
        value = json.loads(value) if value.strip() else {}
    return dict(value or {})


def check_shared_state(uri: str | None, settings: SettingsLike | None = None) -> None:
    """A Redis state URI must parse and answer (within ``KLIPING_REDIS_TIMEOUT``) before workers
    start on it (raises StateError).

    The Redis client is imported only for a redis:// URI: a crawl on the default SQLite state
    should not carry it in memory.
    """
    if uri and urlsplit(str(uri)).scheme in ("redis", "rediss"):
        from state.redis import check_shared_state as check_redis
        from state.redis import redis_timeout

        check_redis(str(uri), redis_timeout(settings or {}))
