"""Scrapy add-ons that adjust Scrapy's own defaults (this module imports no Scrapy itself)."""

from __future__ import annotations

from typing import Any

REMOTE_CONTROL = "scrapy.extensions.remote_control.RemoteControl"


class WithoutRemoteControl:
    """Takes Scrapy's remote control extension out of ``EXTENSIONS_BASE``.

    ``REMOTE_CONTROL_ENABLED = False`` already keeps it from listening, but Scrapy imports every
    component named in a component list in order to sort it, and this one imports aiohttp: ~15 MB
    in the crawl's process for a feature kliping never turns on. A user who wants it back lists it
    in ``EXTENSIONS`` and sets ``REMOTE_CONTROL_ENABLED``.
    """

    def update_settings(self, settings: Any) -> None:
        base = dict(settings.getdict("EXTENSIONS_BASE"))
        if base.pop(REMOTE_CONTROL, None) is not None:
            settings.set("EXTENSIONS_BASE", base, priority="addon")
