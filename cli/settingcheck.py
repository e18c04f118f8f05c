"""Check settings at start-up, so a typo is one clear line and not a failure deep in the crawl.

Every ``KLIPING_*`` name must be documented in :mod:`settings.defaults`, and every value must
parse as the type of its default (int, float, bool, str, list, dict); settings with a fixed set of
values (:data:`CHOICES`) must hold one of them, and those with a range (:data:`RANGES`) a
value inside it. Scrapy settings given on the command line are
checked the same way against Scrapy's own defaults. Every command runs this check
(:func:`cli.common.settings_for`); ``kliping check`` reports every problem, the others the first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import settings.defaults as kliping_defaults

_BOOL_WORDS = {"0", "1", "true", "false"}

#: Settings that take one of a fixed set of values (for a list setting: each item).
CHOICES: dict[str, tuple[str, ...]] = {
    "KLIPING_S3_VERIFY": ("etag", "size"),
    "KLIPING_TEXT_FORMATS": ("jsonl", "parquet"),
}

#: Integer settings with a closed range of values (inclusive bounds).
RANGES: dict[str, tuple[int, int]] = {
    "KLIPING_WARC_GZIP_LEVEL": (0, 9),
}


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


def override_problems(overridden: Mapping[str, Any]) -> list[str]:
    """The cheap first pass, before Scrapy is imported: ``KLIPING_*`` overrides by name and type."""
    documented = kliping_defaults_map()
    problems = []
    for name, value in sorted(dict(overridden).items()):
        if name.startswith("KLIPING_"):
            problem = _named_problem(name, value, documented)
            if problem:
                problems.append(problem)
    return problems


def check_overrides(overridden: Mapping[str, Any]) -> None:
    """Raise :class:`SettingError` for the first problem :func:`override_problems` finds."""
    problems = override_problems(overridden)
    if problems:
        raise SettingError(problems[0])


def settings_problems(settings: Any, overridden: Mapping[str, Any] = ()) -> list[str]:  # type: ignore[assignment]
    """One line per unknown ``KLIPING_*`` name or unusable value, in name order.

    ``settings`` is the project's Scrapy settings with the overrides applied; Scrapy settings
    named in ``overridden`` are checked against Scrapy's own defaults.
    """
    from scrapy.settings import default_settings as scrapy_defaults

    documented = kliping_defaults_map()
    problems = []
    for name in sorted(settings.attributes):
        if name.startswith("KLIPING_"):
            problem = _named_problem(name, settings[name], documented)
            if problem:
                problems.append(problem)
    for name in sorted(dict(overridden)):
        if not name.startswith("KLIPING_") and hasattr(scrapy_defaults, name):
            problem = _value_problem(name, settings[name], getattr(scrapy_defaults, name))
            if problem:
                problems.append(problem)
    return problems


def validate_settings(settings: Any, overridden: Mapping[str, Any] = ()) -> None:  # type: ignore[assignment]
    """Raise :class:`SettingError` for the first problem :func:`settings_problems` finds."""
    problems = settings_problems(settings, overridden)
    if problems:
        raise SettingError(problems[0])


def _named_problem(name: str, value: Any, documented: Mapping[str, Any]) -> str | None:
    if name not in documented:
        return f"unknown setting {name} (see docs/settings.md)"
    return _value_problem(name, value, documented[name])


def _value_problem(name: str, value: Any, default: Any) -> str | None:
    problem = _problem(value, default)
    if problem is None and name in CHOICES:
        problem = _choice_problem(value, CHOICES[name], many=isinstance(default, list | tuple))
    if problem is None and name == "KLIPING_ALLOWED_DESTINATIONS":
        problem = _allowlist_problem(value)
    if problem is None and name in RANGES:
        low, high = RANGES[name]
        if not low <= int(str(value).strip()) <= high:
            problem = f"is out of range (expected {low} to {high})"
    return f"setting {name}: {value!r} {problem}" if problem else None


def _items(value: Any) -> list[Any]:
    if isinstance(value, str):
        return json.loads(value) if value.strip().startswith("[") else value.split(",")
    return list(value)


def _allowlist_problem(value: Any) -> str | None:
    from fetch.destinations import AllowlistError, DestinationPolicy  # pure: no Scrapy import

    try:
        DestinationPolicy.from_setting(str(item) for item in _items(value))
    except AllowlistError as exc:
        return f"has a bad entry: {exc} (see docs/security.md)"
    return None


def _choice_problem(value: Any, choices: tuple[str, ...], *, many: bool) -> str | None:
    items: list[Any] = [value]
    if many and isinstance(value, str):
        items = json.loads(value) if value.strip().startswith("[") else value.split(",")
    elif many:
        items = list(value)
    unknown = [str(i).strip() for i in items if str(i).strip().lower() not in choices]
    if not unknown:
        return None
    return f"has unknown value(s) {', '.join(unknown)} (expected: {', '.join(choices)})"
