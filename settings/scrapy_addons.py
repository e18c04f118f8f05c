"""Scrapy add-ons that adjust Scrapy's own defaults (this module imports no Scrapy itself)."""

from __future__ import annotations

import contextlib
import sys
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


#: Set by the ``kliping`` command once it has applied and checked the settings itself.
CHECKED_MARK = "_KLIPING_SETTINGS_CHECKED"


class KlipingSettingsAddon:
    """Reads settings from the environment and checks every setting once, before the crawl starts.

    It runs in ``update_pre_crawler_settings``, when the crawler process is created and before any
    spider or component reads a setting, under ``scrapy crawl`` and scrapyd too. The ``kliping``
    command has done both already (and marks the settings so). A problem is one line per setting on
    stderr and exit status 2, as from ``kliping``.
    """

    @classmethod
    def update_pre_crawler_settings(cls, settings: Any) -> None:
        from settings.check import apply_checked, apply_environment, check_settings

        if settings.get(CHECKED_MARK):
            return
        found = apply_environment(settings)
        for line in found.warnings:
            sys.stderr.write(f"kliping: warning: {line}\n")
        checked = check_settings(settings, from_environment=found.values)
        problems = found.problems + checked.problems
        if problems:
            lines = [f"kliping: {line}\n" for line in problems]
            sys.stderr.writelines(lines)
            sys.stderr.flush()
            log_file = settings.get("LOG_FILE")
            if log_file:  # scrapyd's job log: the reason belongs there too
                with contextlib.suppress(OSError), open(log_file, "a", encoding="utf-8") as log:
                    log.writelines(lines)
            raise SystemExit(2)
        apply_checked(settings, checked)
        settings.set(CHECKED_MARK, True, priority="cmdline")
