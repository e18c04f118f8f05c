"""Where finished files go: the output root as a store, one class per URI scheme.

A store takes a finished local file (a WARC, a CDXJ index, a WACZ, a text batch) and puts it at a
key under the output root: ``store.put(Path("spool/warc/x.warc.gz"), "warc/x.warc.gz")``. When
``put`` returns, the file is durable at its destination; a remote store removes the local copy
only then. Classes come from ``KLIPING_STORES_BASE`` (dotted paths by scheme) merged with
``KLIPING_STORES``, the way Scrapy picks feed storages. No Scrapy here.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from settings.dotted import load_dotted
from settings.runinfo import SettingsLike


class StoreError(Exception):
    """A store that cannot be used or a file it could not take; the message is one line for the user."""


class Store(ABC):
    """A destination for finished files, addressed by keys relative to the output root."""

    #: The output root this store writes under (for messages; never holds credentials).
    uri: str

    @classmethod
    @abstractmethod
    def from_settings(cls, uri: str, settings: SettingsLike) -> Store:
        """Build the store for ``uri`` from ``KLIPING_*`` settings."""

    @abstractmethod
    def put(self, local_path: Path, key: str) -> str:
        """Make ``local_path`` durable at ``key``; returns the destination's URI or path.

        Raises :class:`StoreError` when it could not; the local file is then left in place.
        """

    @abstractmethod
    def check(self) -> None:
        """Raise :class:`StoreError` (one line naming the store) unless files can be put now."""

    @property
    def is_remote(self) -> bool:
        """Whether ``put`` sends the file elsewhere (and removes the local copy)."""
        return False

    def limit_waits(self, seconds: float | None) -> None:
        """Cap how long each later ``put`` may wait on a remote service (the run is stopping);
        None lifts the cap. A local store never waits on one."""
        return None

    def list_keys(self, prefix: str = "") -> list[str]:
        """Keys of the files stored under ``prefix``, sorted (stores that can be read override it)."""
        raise StoreError(f"{self.uri}: this store cannot be listed")

    def get(self, key: str, local_path: Path) -> Path:
        """Copy the file at ``key`` to ``local_path`` and return it (stores that can be read override it)."""
        raise StoreError(f"{self.uri}: this store cannot be read from")


def scheme_of(uri: str) -> str:
    """The URI scheme of an output root; a plain path is ``file``."""
    if "://" not in uri:
        return "file"
    return urlsplit(uri).scheme or "file"


def _as_dict(settings: SettingsLike, name: str) -> dict[str, str]:
    value = settings.get(name) or {}
    if isinstance(value, str):  # given on the command line as JSON
        try:
            value = json.loads(value)
        except ValueError:
            raise StoreError(
                f"{name}: expected a JSON object of scheme -> dotted path, got {value!r}"
            ) from None
    if not isinstance(value, Mapping):
        raise StoreError(f"{name}: expected a dict of scheme -> dotted path, got {value!r}")
    return dict(value)


def store_classes(settings: SettingsLike) -> dict[str, str]:
    """``KLIPING_STORES_BASE`` with ``KLIPING_STORES`` merged over it (a ``None`` value disables a scheme)."""
    merged = {**_as_dict(settings, "KLIPING_STORES_BASE"), **_as_dict(settings, "KLIPING_STORES")}
    return {scheme: path for scheme, path in merged.items() if path}


def open_store(uri: str, stores: Mapping[str, str], settings: SettingsLike) -> Store:
    """Open the store for output root ``uri`` with the class its scheme maps to in ``stores``."""
    scheme = scheme_of(uri)
    if scheme not in stores:
        known = ", ".join(sorted(stores))
        raise StoreError(f"{uri}: unsupported output scheme {scheme!r} (known: {known})")
    try:
        cls = load_dotted(stores[scheme])
    except ValueError as exc:
        raise StoreError(f"store class for {scheme!r}: {exc}") from exc
    store: Store = cls.from_settings(uri, settings)
    return store


def output_store(settings: SettingsLike) -> Store:
    """The store of this run's output root ``KLIPING_OUTPUT``."""
    uri = str(settings.get("KLIPING_OUTPUT") or "data")
    return open_store(uri, store_classes(settings), settings)


__all__ = ["SettingsLike", "Store", "StoreError", "open_store", "output_store", "scheme_of", "store_classes"]
