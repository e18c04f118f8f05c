"""Check settings at start-up, so a typo is one clear line and not a failure deep in the crawl.

Every ``KLIPING_*`` name must be documented in :mod:`settings.defaults`, and every value must
parse as the type of its default (int, float, bool, str, list, dict). Scrapy settings given on
the command line are checked the same way against Scrapy's own defaults.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import settings.defaults as kliping_defaults

_BOOL_WORDS = {"0", "1", "true", "false"}


class SettingError(ValueError):
    """A setting that is unknown or whose value does not parse; the message is one line."""


def kliping_defaults_map() -> dict[str, Any]:
    """Every documented ``KLIPING_*`` setting and its default."""
    return {k: v for k, v in vars(kliping_defaults).items() if k.startswith("KLIPING_")}


def _problem(value: Any, default: Any) -> str | None:
    """Why ``value`` cannot stand where ``default`` stands, or None when it can."""
    if default is None or isinstance(default, str):
        return None
    if isinstance(default, bool):
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return None
        if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
            return None
        return "is not a boolean (use 1/0 or true/false)"
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        try:
            int(str(value).strip())
        except ValueError:
            return "is not an integer"
        return None
    if isinstance(default, float):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return None
        try:
            float(str(value).strip())
        except ValueError:
            return "is not a number"
        return None
    if isinstance(default, list | tuple):
        if isinstance(value, list | tuple | str):
            if isinstance(value, str) and value.strip().startswith("["):
                return None if _json_is(value, list) else "is not a JSON list"
            return None
        return "is not a list (use comma-separated values or a JSON list)"
    if isinstance(default, dict):
        if isinstance(value, Mapping):
            return None
        if isinstance(value, str):
            return None if _json_is(value, dict) else "is not a JSON object"
        return "is not a dict (use a JSON object)"
    return None


def _json_is(text: str, kind: type) -> bool:
    try:
        return isinstance(json.loads(text), kind)
    except ValueError:
        return False


def check_overrides(overridden: Mapping[str, Any]) -> None:
    """The cheap first pass, before Scrapy is imported: ``KLIPING_*`` overrides by name and type."""
    documented = kliping_defaults_map()
    for name, value in sorted(dict(overridden).items()):
        if name.startswith("KLIPING_"):
            if name not in documented:
                raise SettingError(f"unknown setting {name} (see docs/settings.md)")
            _check(name, value, documented[name])


def validate_settings(settings: Any, overridden: Mapping[str, Any] = ()) -> None:  # type: ignore[assignment]
    """Raise :class:`SettingError` for an unknown ``KLIPING_*`` name or a value of the wrong type.

    ``settings`` is the project's Scrapy settings with the overrides applied; Scrapy settings
    named in ``overridden`` are checked against Scrapy's own defaults.
    """
    from scrapy.settings import default_settings as scrapy_defaults

    documented = kliping_defaults_map()
    check_overrides(overridden)
    for name in sorted(settings.attributes):
        if name.startswith("KLIPING_"):
            if name not in documented:
                raise SettingError(f"unknown setting {name} (see docs/settings.md)")
            _check(name, settings[name], documented[name])
    for name in sorted(dict(overridden)):
        if not name.startswith("KLIPING_") and hasattr(scrapy_defaults, name):
            _check(name, settings[name], getattr(scrapy_defaults, name))


def _check(name: str, value: Any, default: Any) -> None:
    problem = _problem(value, default)
    if problem:
        raise SettingError(f"setting {name}: {value!r} {problem}")
