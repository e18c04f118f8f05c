"""Render the settings models as ``docs/settings.md``: ``python -m settings.docs > docs/settings.md``.

Each setting's type, bounds, default and meaning come from :mod:`settings.model` (the extraction
options from :class:`extract.ExtractOptions`), so the page cannot drift from what is checked; a
test keeps the committed page equal to this rendering.
"""

from __future__ import annotations

import json
import sys
import typing
from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic.fields import FieldInfo

from extract.options import time_zone_name
from settings import model
from settings.model import SECTIONS, KlipingSettings, ScrapySettings, section_of

#: Validator functions that stand for a kind of value, by the words the docs use for it.
_VALIDATOR_WORDS = {
    model._http_url: "http(s) URL or empty",
    model._uri_or_path: "path or URI",
    model._state_uri: "URI or empty",
    time_zone_name: "IANA time zone",
}

INTRO = """\
# Settings

Every setting kliping reads, its type, default and meaning. Generated from `settings/model.py`
(the extraction options from `extract/options.py`) by `python -m settings.docs`; a test keeps
this page in step.

## Where a setting comes from

Highest first:

1. **The command line**: `kliping ... -s NAME=VALUE` (repeatable; `--output`, `--proxy` and
   `--state` set `KLIPING_OUTPUT`, `KLIPING_PROXY` and `KLIPING_STATE`), `scrapy crawl ... -s
   NAME=VALUE`, scrapyd's `setting=NAME=VALUE`.
2. **The environment**: a `KLIPING_*` setting under its own name (`KLIPING_OUTPUT=s3://news/kliping`);
   a Scrapy setting as `KLIPING_SCRAPY_<NAME>` (`KLIPING_SCRAPY_DOWNLOAD_DELAY=0.5`). Plain
   `DOWNLOAD_DELAY` or `LOG_LEVEL` variables are not read: containers often set such names for other
   programs. This is how systemd's `Environment=`, a container and scrapyd's own environment set
   them. A `KLIPING_*` variable that is no setting (a typo) is reported as a warning and ignored;
   `KLIPING_CORPUS` (where the tests and `make demo` find the shared corpus) is not a setting.
3. **The settings module**, `settings/__init__.py` (Scrapy's project settings).
4. **The defaults** in the tables below.

Every value is checked once, when a command starts (under `scrapy crawl` and scrapyd too, by the
`settings.scrapy_addons.KlipingSettingsAddon` add-on), and parsed into its type before any
component reads it: booleans as `1`/`0`, `true`/`false`, `yes`/`no` or `on`/`off`; lists as
comma-separated values or a JSON list; objects as JSON. A bad value, an unknown `KLIPING_*` name or
a secret on the command line is one line naming the setting and the problem, and exit code 2
(`kliping check` lists every problem).

## Secrets

`KLIPING_S3_SECRET_ACCESS_KEY` and `KLIPING_S3_SESSION_TOKEN` are never shown: not in error lines,
not in logs, not in the run summary. They are refused on a command line (`-s`, or scrapyd's
`setting=`), where `ps`, shell histories and scrapyd's own log would show them. Give them, in order
of preference:

- **not at all**: leave them empty and let boto3 find credentials (`AWS_PROFILE`,
  `AWS_SHARED_CREDENTIALS_FILE`, an instance or task role, `AWS_ACCESS_KEY_ID` and
  `AWS_SECRET_ACCESS_KEY` in the environment);
- **in a file**: `KLIPING_S3_SECRET_ACCESS_KEY_FILE=/etc/kliping/s3-secret` (the Docker
  convention), or a file named `KLIPING_S3_SECRET_ACCESS_KEY` in systemd's credentials directory
  (`LoadCredential=KLIPING_S3_SECRET_ACCESS_KEY:/etc/kliping/s3-secret`; see docs/scheduling.md);
  a trailing newline is dropped;
- **in the environment**: `KLIPING_S3_SECRET_ACCESS_KEY=...` of the process (for scrapyd: of the
  scrapyd service, whose jobs inherit it).

A password in a URL (`KLIPING_STATE=redis://:password@host:6379/0`, `KLIPING_PROXY=http://user:pass@proxy:3128`)
is masked in every line kliping prints, and refused on a command line (`--state`, `--proxy`, `-s`)
for the same reason as a secret: give that setting in the environment.
"""

SCRAPY_INTRO = """\
## Scrapy settings kliping checks

Any Scrapy setting can be set as above. These are checked with their real types (Scrapy's own
defaults only hint at a type: `DOWNLOAD_DELAY` defaults to `0` and takes `0.25`); others given on
the command line or in the environment are checked against the type of Scrapy's default. The
value shown is kliping's (`settings/__init__.py`) where it sets one, else Scrapy's.
"""


@dataclass(frozen=True)
class SettingDoc:
    """One documented setting, as the page shows it."""

    name: str
    kind: str
    default: str
    doc: str
    section: str


def _bounds(info: FieldInfo) -> str:
    low = high = ""
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            low = f"≥ {_number(item.ge)}"
        elif isinstance(item, annotated_types.Gt):
            low = f"> {_number(item.gt)}"
        elif isinstance(item, annotated_types.Le):
            high = f"≤ {_number(item.le)}"
    if low.startswith("≥") and high:
        return f"{low[2:]} to {high[2:]}"
    return " ".join(part for part in (low, high) if part)


def _words(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        for item in args[1:]:
            func = getattr(item, "func", None)
            if func in _VALIDATOR_WORDS:
                return _VALIDATOR_WORDS[func]
        return _words(args[0])
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin is list:
        inner = _words(args[0]) if args else "text"
        return "list" if inner == "text" else f"list of {inner.removeprefix('one of ')}"
    if origin is dict:
        return "JSON object"
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        kinds = [_words(a) for a in args if a is not type(None)]
        return " or ".join(kinds) + (" or empty" if type(None) in args else "")
    return {bool: "boolean", int: "integer", float: "number", str: "text"}.get(annotation, str(annotation))


def kind_of(info: FieldInfo) -> str:
    """A setting's type in words: ``integer ≥ 0``, ``one of `auto`, `on`, `off```..."""
    kind = _words(info.rebuild_annotation())
    if kind in ("integer", "number"):
        bounds = _bounds(info)
        if bounds:
            kind = f"{kind} {bounds}" if not bounds[0].isdigit() else f"{kind}, {bounds}"
    return kind


def shown_default(value: Any) -> str:
    """A default as it would be written in the environment."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value) if value else "(empty)"
    if isinstance(value, dict):
        return json.dumps(value) if value else "{}"
    if value is None or value == "":
        return "(empty)"
    return _number(value)


def _number(value: Any) -> str:
    """A number as a person writes it, with a size in words for a large count of bytes."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1024 * 1024:
        for unit, size in (("GiB", 1 << 30), ("GB", 10**9), ("MiB", 1 << 20), ("MB", 10**6)):
            if value % size == 0:
                return f"{value} ({value // size} {unit})"
    return str(value)


def documented_settings() -> list[SettingDoc]:
    """Every ``KLIPING_*`` setting, in the order of the docs page."""
    rows = [
        SettingDoc(name, kind_of(info), shown_default(info.default), info.description or "", section_of(info))
        for name, info in KlipingSettings.model_fields.items()
    ]
    return sorted(rows, key=lambda row: SECTIONS.index(row.section))


def scrapy_settings() -> list[SettingDoc]:
    """The Scrapy settings the model checks, with kliping's value (or Scrapy's default)."""
    from scrapy.settings import default_settings

    import settings as project

    rows = []
    for name, info in ScrapySettings.model_fields.items():
        value = getattr(project, name, getattr(default_settings, name, None))
        if name == "USER_AGENT":
            value = "kliping/0.1 (+KLIPING_CONTACT_URL)"  # set by the spiders from the contact URL
        doc = info.description or ""
        rows.append(SettingDoc(name, kind_of(info), shown_default(value), doc, section_of(info)))
    return rows


def _table(rows: list[SettingDoc], default_header: str) -> list[str]:
    out = [f"| setting | type | {default_header} | meaning |", "|---|---|---|---|"]
    for row in rows:
        doc = row.doc.replace("|", "\\|")
        out.append(f"| `{row.name}` | {row.kind} | `{row.default}` | {doc} |")
    return out


def render() -> str:
    lines = INTRO.rstrip("\n").split("\n")
    section = None
    settings_rows = documented_settings()
    for section in SECTIONS:
        rows = [row for row in settings_rows if row.section == section]
        if rows:
            title = section if section.isupper() else section.capitalize()
            lines += ["", f"## {title}", "", *_table(rows, "default")]
    lines += ["", *SCRAPY_INTRO.rstrip("\n").split("\n"), "", *_table(scrapy_settings(), "value")]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
