"""Parse the date strings Indonesian news pages print or embed.

``parse_indonesian_datetime`` understands, in any order of importance:

* ISO 8601 strings (``2024-02-12T14:30:00+07:00``, ``2024-02-12 14:30``, ``...Z``);
* Indonesian day and month names and their abbreviations
  (``Senin, 12 Feb 2024 14:30 WIB``, ``19 Januari 2022, 14.30 WITA``), English month names
  (``Fri, June 19 2015, 7:36 AM``, ``Desember 03, 2021``);
* numeric day-first dates (``12/02/2024, 14:30 WIB``, ``05-11-2015``) and year-first ones
  (``2021/12/03 10:12:00``);
* Indonesian zone names WIB (+07:00), WITA (+08:00), WIT (+09:00) in any case, ``GMT+7``/
  ``UTC+07:00``, numeric offsets, and named zones of other countries written in capitals after a
  clock time (``3:53 PM EDT``, ``09:30 BST``, ``14:05 CET``; ``ET``/``PT`` by the date's daylight
  saving). Month, day and zone names are data: ``settings/vocabulary/dates.toml``.

A value without a zone gets ``default_tz`` (an IANA name). The function is pure and never
raises: anything it cannot read gives ``None``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from extract.vocabulary import load

__all__ = ["MONTHS", "WEEKDAYS", "ZONE_OFFSETS", "parse_indonesian_datetime", "zone_for", "zone_of"]

_DATES = load("dates")
#: Indonesia's zones, hours east of UTC.
ZONE_OFFSETS: dict[str, int] = {k.upper(): int(v) for k, v in _DATES["zones"]["indonesia"].items()}
#: Other named zones with a fixed offset (hours), and those whose offset follows daylight saving.
_FIXED_ZONES: dict[str, float] = {k: float(v) for k, v in _DATES["zones"]["fixed"].items()}
_REGIONAL_ZONES: dict[str, str] = dict(_DATES["zones"]["regional"])
#: Weekday names and abbreviations (lower case).
WEEKDAYS: list[str] = [w.lower() for w in _DATES["weekdays"]["names"]]

#: Month names and abbreviations -> month number.
MONTHS: dict[str, int] = {k.lower(): int(v) for k, v in _DATES["months"].items()}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))

_ISO = re.compile(
    r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2}(?!\d))?",
)
_DMY_NAME = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?[\s.,-]+({_MONTH_RE})\.?[\s.,-]+(\d{{4}})(?!\d)", re.I
)
_MDY_NAME = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)", re.I)
_DMY_NUM = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?!\d)")
_YMD_NUM = re.compile(r"(?<!\d)(\d{4})([/.])(\d{1,2})\2(\d{1,2})(?!\d)")
_TIME = re.compile(r"(?<![\d:.])(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?![\d])\s*([AaPp]\.?[Mm]\.?)?")
_INDONESIAN = "|".join(sorted(ZONE_OFFSETS, key=len, reverse=True))
_NAMED = "|".join(sorted({*_FIXED_ZONES, *_REGIONAL_ZONES} - {"GMT", "UTC"}, key=len, reverse=True))
_ZONE = re.compile(
    rf"\b((?i:{_INDONESIAN}))\b|\b(?:GMT|UTC)\s*([+-])\s*(\d{{1,2}})(?::?(\d{{2}}))?|\b(GMT|UTC)\b"
    r"|(?<![\d:])([+-])(\d{2}):?(\d{2})\b"
    # a named zone counts only in capitals right after a clock time ("3:53 PM EDT", "09:30 BST")
    rf"|\d[:.]\d\d(?::\d\d)?\s*(?:[AaPp]\.?[Mm]\.?\s*)?\(?({_NAMED})\b"
)


@lru_cache(maxsize=64)
def zone_for(name: str) -> tzinfo:
    """The IANA zone ``name`` (e.g. ``Asia/Makassar``); WIB (+07:00) when the name is unknown."""
    try:
        return ZoneInfo(name)
    except Exception:
        return timezone(timedelta(hours=7), "WIB")


def zone_of(text: str) -> tzinfo | None:
    """The zone named in ``text`` (WIB/WITA/WIT, GMT+7, +0700 ...), or None."""
    try:
        m = _ZONE.search(text)
    except Exception:
        return None
    if not m:
        return None
    try:
        if m.group(1):
            name = m.group(1).upper()
            return timezone(timedelta(hours=ZONE_OFFSETS[name]), name)
        if m.group(2):
            sign = -1 if m.group(2) == "-" else 1
            return timezone(sign * timedelta(hours=int(m.group(3)), minutes=int(m.group(4) or 0)))
        if m.group(5):
            return UTC
        if m.group(9):
            name = m.group(9)
            if name in _REGIONAL_ZONES:
                return zone_for(_REGIONAL_ZONES[name])
            return timezone(timedelta(hours=_FIXED_ZONES[name]), name)
        sign = -1 if m.group(6) == "-" else 1
        return timezone(sign * timedelta(hours=int(m.group(7)), minutes=int(m.group(8))))
    except (ValueError, OverflowError):
        return None


def _offset(raw: str) -> tzinfo | None:
    if raw == "Z":
        return UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 18 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _build(
    year: int, month: int, day: int, rest: str, default_tz: str, *, tz: tzinfo | None = None
) -> datetime | None:
    hour = minute = second = 0
    t = _TIME.search(rest)
    if t:
        hour, minute, second = int(t.group(1)), int(t.group(2)), int(t.group(3) or 0)
        ampm = (t.group(4) or "").lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
    if tz is None:
        tz = zone_of(rest) or zone_for(default_tz)
    if not 1900 <= year <= 2200:
        return None
    try:
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    return naive.replace(tzinfo=tz)


def _parse(text: str, default_tz: str) -> datetime | None:
    m = _ISO.search(text)
    if m:
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        tz = _offset(m.group(7)) if m.group(7) else None
        if m.group(4):
            rest = f"{m.group(4)}:{m.group(5)}:{m.group(6) or '00'}"
            if tz is None:
                rest += " " + text[m.end() :]
            return _build(year, month, day, rest, default_tz, tz=tz)
        return _build(year, month, day, text[m.end() :], default_tz, tz=tz)
    for pattern, order in ((_DMY_NAME, "dmy"), (_MDY_NAME, "mdy")):
        m = pattern.search(text)
        if m:
            if order == "dmy":
                day, month, year = int(m.group(1)), MONTHS[m.group(2).lower()], int(m.group(3))
            else:
                month, day, year = MONTHS[m.group(1).lower()], int(m.group(2)), int(m.group(3))
            return _build(year, month, day, text[m.end() :], default_tz)
    m = _YMD_NUM.search(text)
    if m:
        return _build(int(m.group(1)), int(m.group(3)), int(m.group(4)), text[m.end() :], default_tz)
    m = _DMY_NUM.search(text)
    if m:
        return _build(int(m.group(4)), int(m.group(3)), int(m.group(1)), text[m.end() :], default_tz)
    return None


def parse_indonesian_datetime(text: str, default_tz: str = "Asia/Jakarta") -> datetime | None:
    """Read a date (and time, and zone) out of ``text``; an aware datetime or None. Never raises."""
    try:
        if not isinstance(text, str) or not text.strip():
            return None
        return _parse(text[:500], default_tz if isinstance(default_tz, str) else "Asia/Jakarta")
    except Exception:
        return None
