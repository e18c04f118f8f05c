"""Read a researcher's file of links: one URL per line, blank lines and ``#`` comments allowed.

- Lines end at ``\n``, ``\r\n`` or ``\r`` only: other Unicode line separators (U+2028,
  U+0085...) inside a line do not split it, so the line numbers reported are the editor's.
- A ``#`` at the start of a line, or after whitespace, starts a comment (``https://a.id/x  # why``);
  a ``#`` inside a URL is its fragment.
- A URL longer than ``max_length`` (Scrapy's ``URLLENGTH_LIMIT``, 2,083 by default: the longest a
  browser takes) is a bad line, reported like any other: Scrapy would drop its request unseen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from w3lib.url import canonicalize_url


@dataclass(frozen=True)
class UrlLine:
    """A good line: the URL and where it came from."""

    line: int
    url: str


@dataclass(frozen=True)
class BadLine:
    """A line that cannot be fetched, reported as ``FILE:LINE: reason``."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


class UrlListError(Exception):
    """The list as a whole cannot be read (missing file, not text)."""


#: Scrapy's default ``URLLENGTH_LIMIT``.
MAX_URL_LENGTH = 2083
#: Bad lines reported one by one; the rest are summed up in one line.
MAX_REPORTED = 20
#: Characters of a bad line shown in its report.
SHOWN = 100

_LINE_END = re.compile(r"\r\n|\r|\n")
_COMMENT = re.compile(r"(?:^|\s)#.*$")


def _shown(text: str) -> str:
    return repr(text if len(text) <= SHOWN else text[:SHOWN] + "…")


def check_url(text: str, max_length: int = MAX_URL_LENGTH) -> str | None:
    """Why ``text`` is not a fetchable URL, or None when it is (``max_length`` 0: no limit)."""
    if max_length and len(text) > max_length:
        return f"URL too long ({len(text):,} characters; the limit is {max_length:,}): {_shown(text)}"
    if any(ch.isspace() for ch in text):
        return f"malformed URL (contains whitespace): {_shown(text)}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        return f"malformed URL ({exc}): {_shown(text)}"
    if not parts.scheme:
        return f"malformed URL (no scheme; expected http:// or https://): {_shown(text)}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"unsupported scheme {parts.scheme[:20]!r} (only http and https): {_shown(text)}"
    if not parts.hostname:
        return f"malformed URL (no host): {_shown(text)}"
    if port == 0:
        return f"malformed URL (port 0): {_shown(text)}"
    return None


def lines_of(text: str) -> list[str]:
    """``text`` split at ``\n``, ``\r\n`` and ``\r`` only (see the module docstring)."""
    lines = _LINE_END.split(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def parse_url_list(
    text: str, path: str = "<input>", *, max_length: int = MAX_URL_LENGTH
) -> tuple[list[UrlLine], list[BadLine]]:
    """Split a URL list into good lines and bad ones; duplicates (after canonicalisation) are bad."""
    good: list[UrlLine] = []
    bad: list[BadLine] = []
    first_seen: dict[str, int] = {}
    for number, raw in enumerate(lines_of(text), 1):
        line = _COMMENT.sub("", raw.lstrip("\ufeff")).strip()
        if not line:
            continue
        problem = check_url(line, max_length)
        if problem:
            bad.append(BadLine(path, number, problem))
            continue
        key = canonicalize_url(line)
        if key in first_seen:
            bad.append(BadLine(path, number, f"duplicate of line {first_seen[key]}: {line}"))
            continue
        first_seen[key] = number
        good.append(UrlLine(number, line))
    return good, bad


def report_lines(bad: Sequence[BadLine], most: int = MAX_REPORTED) -> list[str]:
    """One line per bad line, the first ``most`` of them, then one line for the rest."""
    lines = [str(line) for line in bad[:most]]
    if len(bad) > most:
        lines.append(f"{bad[0].path}: {len(bad) - most:,} more bad lines not shown ({len(bad):,} in all)")
    return lines


def read_url_list(
    path: str | Path, *, max_length: int = MAX_URL_LENGTH
) -> tuple[list[UrlLine], list[BadLine]]:
    """Read and parse a URL list file; a missing or unreadable file raises :class:`UrlListError`."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError as exc:
        raise UrlListError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise UrlListError(f"{path}: is a directory, not a URL list") from exc
    except OSError as exc:
        raise UrlListError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UrlListError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    return parse_url_list(text, str(path), max_length=max_length)
