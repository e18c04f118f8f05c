"""Validate a run's settings once, at start-up, against the typed models of :mod:`settings.model`.

:func:`check_settings` reads every ``KLIPING_*`` setting and every Scrapy setting the model knows,
parses text into the real type (``"0.25"`` into 0.25, ``"off"`` into False, ``"a,b"`` into a
list), and returns one line per problem: an unknown ``KLIPING_*`` name, a value that does not parse
or is out of bounds, a secret given on the command line. :func:`apply_checked` writes the parsed
values back, at the priority each came with, so every component reads real types. Scrapy
settings the model does not know are checked loosely against the type of Scrapy's default when
they were given on the command line or in the environment.

The ``kliping`` commands run it before Scrapy starts (a problem is exit code 2); ``scrapy crawl``
and scrapyd run it through the :class:`settings.scrapy_addons.KlipingSettingsAddon` add-on.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, Protocol

from pydantic import BaseModel, TypeAdapter, ValidationError

from settings.environ import FromEnvironment, environment_settings
from settings.model import KlipingSettings, ScrapySettings, secret_settings

#: Scrapy's priorities of ``-s NAME=VALUE`` and of the settings module (``SETTINGS_PRIORITIES``).
CMDLINE_PRIORITY = 40
PROJECT_PRIORITY = 20

_BOOL_WORDS = {"0", "1", "true", "false"}


class SettingsView(Protocol):
    """What is read of Scrapy's ``Settings`` (no Scrapy import here)."""

    def __iter__(self) -> Any: ...
    def __getitem__(self, name: str) -> Any: ...
    def getpriority(self, name: str) -> int | None: ...
    def set(self, name: str, value: Any, priority: int | str = ...) -> None: ...


class Checked:
    """The result of a check: the parsed values by name, and one line per problem."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.problems: list[str] = []


def shown(name: str, value: Any) -> str:
    """A setting's value as an error line may show it: secrets never, passwords in URLs masked."""
    if name in secret_settings():
        return "(secret, not shown)"
    if isinstance(value, str) and "://" in value and "@" in value.split("://", 1)[1].split("/", 1)[0]:
        scheme, rest = value.split("://", 1)
        host = rest.split("@", 1)[1]
        value = f"{scheme}://***@{host}"
    return repr(value)


def _number(value: Any) -> Any:
    """A bound as a person writes it: 0, not 0.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


_TYPE_WORDS = {
    "list_type": "is not a list",
    "dict_type": "is not a JSON object",
    "string_type": "is not text",
}


def _reason(error: Mapping[str, Any]) -> str:
    """pydantic's error, in the words of a settings line."""
    kind, ctx = error["type"], {k: _number(v) for k, v in (error.get("ctx") or {}).items()}
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return "is not an integer"
    if kind in ("float_parsing", "float_type"):
        return "is not a number"
    if kind in ("bool_parsing", "bool_type"):
        return "is not a boolean (use 1/0, true/false, yes/no or on/off)"
    if kind == "greater_than":
        return f"is out of range (must be greater than {ctx['gt']})"
    if kind == "greater_than_equal":
        return f"is out of range (must be at least {ctx['ge']})"
    if kind == "less_than_equal":
        return f"is out of range (must be at most {ctx['le']})"
    if kind == "literal_error":
        return f"is not one of {str(ctx.get('expected', '')).replace(chr(39), '')}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return "must not contain a slash, a backslash or spaces"
    if kind in ("list_type", "dict_type", "string_type"):
        return {
            "list_type": "is not a list",
            "dict_type": "is not a JSON object",
            "string_type": "is not text",
        }[kind]
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return str(error["msg"]).lower()


def _errors(model: type[BaseModel], values: Mapping[str, Any]) -> list[tuple[str, str]]:
    try:
        model.model_validate(dict(values))
    except ValidationError as exc:
        out = []
        for error in exc.errors():
            if error["type"] == "missing":
                continue
            loc = error["loc"]
            name = str(loc[0]) if loc else "?"
            if len(loc) > 1 and isinstance(loc[1], int):  # an item of a list
                out.append((name, f"has {error['input']!r}, which {_reason(error)}"))
            else:
                out.append((name, _reason(error)))
        return out
    return []


def check_values(values: Mapping[str, Any], *, from_outside: Iterable[str] = ()) -> Checked:
    """Check ``values`` (settings by name); ``from_outside`` names those given on the command line or
    in the environment (Scrapy settings the model does not know are checked only then)."""
    result = Checked()
    known = KlipingSettings.model_fields
    ours = {name: value for name, value in values.items() if name.startswith("KLIPING_")}
    for name in sorted(set(ours) - set(known)):
        close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.85)
        hint = f"did you mean {close[0]}? " if close else ""
        result.problems.append(f"unknown setting {name} ({hint}see docs/settings.md)")
    valid = {name: value for name, value in ours.items() if name in known}
    problems = dict(_errors(KlipingSettings, valid))
    scrapy_known = ScrapySettings.model_fields
    theirs = {name: value for name, value in values.items() if name in scrapy_known}
    problems.update(_errors(ScrapySettings, theirs))
    outside = set(from_outside)
    for name in sorted(outside):
        if name in values and not name.startswith("KLIPING_") and name not in scrapy_known:
            loose = _loose_problem(name, values[name])
            if loose:
                problems[name] = loose
    for name in sorted(problems):
        result.problems.append(f"setting {name}: {shown(name, values[name])} {problems[name]}")
    if not problems:
        parsed = KlipingSettings.model_validate(valid)
        result.values.update({name: getattr(parsed, name) for name in valid})
        for name, value in theirs.items():
            result.values[name] = _adapter(name).validate_python(value)
    return result


@cache
def _adapter(name: str) -> TypeAdapter[Any]:
    """The validator of one Scrapy setting the model knows."""
    return TypeAdapter(ScrapySettings.model_fields[name].rebuild_annotation())


def _loose_problem(name: str, value: Any) -> str | None:
    """For a Scrapy setting the model does not know: does ``value`` fit the type of its default?"""
    from scrapy.settings import default_settings

    if not hasattr(default_settings, name):
        return None  # another component's setting (scrapy-redis...): its own to check
    default = getattr(default_settings, name)
    if default is None or isinstance(default, str):
        return None
    text = str(value).strip()
    if isinstance(default, bool):
        if isinstance(value, bool) or text.lower() in _BOOL_WORDS:
            return None
        return "is not a boolean (use 1/0 or true/false)"
    if isinstance(default, int | float):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return None
        try:
            number = float(text)
        except ValueError:
            return "is not a number"
        if isinstance(default, int) and not number.is_integer() and name.endswith(("_TIMES", "_COUNT")):
            return "is not an integer"
        return None
    if isinstance(default, dict) and isinstance(value, str):
        try:
            return None if isinstance(json.loads(value), dict) else "is not a JSON object"
        except ValueError:
            return "is not a JSON object"
    return None


def check_settings(settings: SettingsView, *, from_environment: Iterable[str] = ()) -> Checked:
    """Check Scrapy ``settings`` as a run will read them (see the module docstring).

    Secrets set at the command line's priority are refused: ``ps``, shell histories and scrapyd's
    log would show them.
    """
    values = {name: settings[name] for name in settings}
    cmdline = {name for name in values if (settings.getpriority(name) or 0) >= CMDLINE_PRIORITY}
    result = check_values(values, from_outside=cmdline | set(from_environment))
    for name in sorted(secret_settings() & cmdline):
        if values.get(name):
            result.problems.append(
                f"setting {name}: a secret is not taken from the command line (ps and logs show it); set "
                f"it in the environment, in {name}_FILE or through boto3's chain (docs/settings.md#secrets)"
            )
    for name in sorted(cmdline - secret_settings()):
        if has_password(values.get(name)):
            # `--proxy http://user:pass@...`, `--state redis://:pass@...`: the same leak as a secret.
            result.problems.append(
                f"setting {name}: {shown(name, values[name])} holds a password, which is not taken from "
                f"the command line (ps and logs show it); set {name} in the environment "
                "(docs/settings.md#secrets)"
            )
    return result


def has_password(value: Any) -> bool:
    """Whether ``value`` is a URL with a password in it (``scheme://user:pass@host``, ``redis://:pass@``)."""
    if not isinstance(value, str) or "://" not in value:
        return False
    authority = value.split("://", 1)[1].split("/", 1)[0]
    return "@" in authority and ":" in authority.rsplit("@", 1)[0]


def apply_environment(settings: SettingsView, environ: Mapping[str, str] | None = None) -> FromEnvironment:
    """Put the environment's settings into ``settings`` above the settings module and below the
    command line (both the settings module and the environment are at the ``project`` priority;
    the environment is applied after the module, so it wins)."""
    found = environment_settings(environ)
    for name, value in found.values.items():
        if (settings.getpriority(name) or 0) <= PROJECT_PRIORITY:
            settings.set(name, value, priority=PROJECT_PRIORITY)
    return found


def apply_checked(settings: SettingsView, checked: Checked) -> None:
    """Write the parsed values back into ``settings``, each at the priority it had."""
    for name, value in checked.values.items():
        current = settings[name]
        if current != value or type(current) is not type(value):
            settings.set(name, value, priority=settings.getpriority(name) or 0)


__all__ = ["Checked", "apply_checked", "apply_environment", "check_settings", "check_values", "shown"]
