"""Objects named by dotted path in settings (``KLIPING_*_STORES``), loaded without Scrapy."""

from __future__ import annotations

from importlib import import_module
from typing import Any


def load_dotted(path: str) -> Any:
    """The object at ``module.name``; ``ValueError`` saying what is wrong when it cannot be loaded."""
    module, _, name = path.rpartition(".")
    if not module:
        raise ValueError(f"{path!r} is not a dotted path (module.name)")
    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load {path!r} ({exc})") from exc
