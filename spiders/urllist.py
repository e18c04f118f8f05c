"""Read a researcher's file of links: one URL per line, blank lines and ``#`` comments allowed."""

from __future__ import annotations

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


def check_url(text: str) -> str | None:
    """Why ``text`` is not a fetchable URL, or None when it is."""
    if any(ch.isspace() for ch in text):
        return f"malformed URL (contains whitespace): {text!r}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        return f"malformed URL ({exc}): {text!r}"
    if not parts.scheme:
        return f"malformed URL (no scheme; expected http:// or https://): {text!r}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"unsupported scheme {parts.scheme!r} (only http and https): {text!r}"
    if not parts.hostname:
        return f"malformed URL (no host): {text!r}"
    if port == 0:
        return f"malformed URL (port 0): {text!r}"
    return None


def parse_url_list(text: str, path: str = "<input>") -> tuple[list[UrlLine], list[BadLine]]:
    """Split a URL list into good lines and bad ones; duplicates (after canonicalisation) are bad."""
    good: list[UrlLine] = []
    bad: list[BadLine] = []
    first_seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        problem = check_url(line)
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


def read_url_list(path: str | Path) -> tuple[list[UrlLine], list[BadLine]]:
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
    return parse_url_list(text, str(path))
