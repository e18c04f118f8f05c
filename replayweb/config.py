"""Manifest and faults-file readers, and the URL normalisation shared by the server.

A manifest is a tab-separated file with a header row, in the format of
``shared/corpus/MANIFEST.tsv``; only the ``path`` and ``url`` columns are used and
``path`` is relative to the manifest's directory. A faults file is JSON (a list of
objects with a ``url`` key, or an object mapping URL to fields) or TSV (a header row
with ``url`` and any fault field names; empty cells are unset).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

__all__ = [
    "ConfigError",
    "Fault",
    "FaultsError",
    "ManifestEntry",
    "ManifestError",
    "filler",
    "normalize_url",
    "read_faults",
    "read_manifest",
    "url_candidates",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}


class ConfigError(Exception):
    """A manifest or faults file that cannot be used; ``str()`` is one line naming file and line."""

    def __init__(self, path: str | os.PathLike[str], line: int | None, message: str) -> None:
        self.path = os.fspath(path)
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class ManifestError(ConfigError):
    """A missing or malformed manifest."""


class FaultsError(ConfigError):
    """A missing or malformed faults file."""


def normalize_url(url: str) -> str:
    """Canonical key for ``url``: lower-case scheme and host, default port dropped,
    empty path as ``/``, fragment dropped; path and query kept byte for byte.

    Raises ``ValueError`` for anything that is not an absolute http(s) URL.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = (parts.hostname or "").lower()
    if not host:
        raise ValueError(f"URL has no host: {url!r}")
    port = parts.port  # raises ValueError on a bad port
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{netloc}{path}{query}"


def url_candidates(key: str) -> Iterator[str]:
    """Lookup order for a normalised URL: itself, the other scheme, then the trailing
    slash toggled (same scheme, then other scheme)."""
    yield key
    scheme, rest = key.split("://", 1)
    other = "https" if scheme == "http" else "http"
    yield f"{other}://{rest}"
    authority, slash, tail = rest.partition("/")
    path, qmark, query = tail.partition("?")
    if not path:
        return  # the root path has no slash to toggle
    toggled = path[:-1] if path.endswith("/") else path + "/"
    new_rest = f"{authority}{slash}{toggled}{qmark}{query}"
    yield f"{scheme}://{new_rest}"
    yield f"{other}://{new_rest}"


# --------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class ManifestEntry:
    """One row of a manifest: the URL a file is served at."""

    url: str
    path: Path
    line: int


def read_manifest(manifest: str | os.PathLike[str]) -> list[ManifestEntry]:
    """Read a manifest; raise :class:`ManifestError` naming file and line on any problem."""
    mpath = Path(manifest)
    try:
        text = mpath.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(mpath, None, "no such manifest file") from None
    except IsADirectoryError:
        raise ManifestError(mpath, None, "is a directory, not a manifest file") from None
    except UnicodeDecodeError as exc:
        raise ManifestError(mpath, None, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ManifestError(mpath, None, f"cannot read: {exc.strerror}") from None

    base = mpath.parent
    header: list[str] | None = None
    path_col = url_col = 0
    entries: list[ManifestEntry] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if header is None:
            header = [f.strip() for f in fields]
            missing = [c for c in ("path", "url") if c not in header]
            if missing:
                raise ManifestError(
                    mpath,
                    lineno,
                    f"header row lacks column(s) {', '.join(missing)} (got {header!r}; tab-separated?)",
                )
            path_col, url_col = header.index("path"), header.index("url")
            continue
        if len(fields) > len(header) or len(fields) <= max(path_col, url_col):
            raise ManifestError(
                mpath, lineno, f"expected {len(header)} tab-separated fields, got {len(fields)}"
            )
        rel, url = fields[path_col].strip(), fields[url_col].strip()
        if not rel:
            raise ManifestError(mpath, lineno, "empty path")
        try:
            key = normalize_url(url)
        except ValueError as exc:
            raise ManifestError(mpath, lineno, str(exc)) from None
        file = base / rel
        if not file.is_file():
            raise ManifestError(mpath, lineno, f"file not found: {rel}")
        if key in seen:
            raise ManifestError(mpath, lineno, f"duplicate url {url} (first on line {seen[key]})")
        seen[key] = lineno
        entries.append(ManifestEntry(url=url, path=file, line=lineno))
    if header is None:
        raise ManifestError(mpath, None, "empty manifest (no header row)")
    return entries


# --------------------------------------------------------------------------- faults

ResetMode = Literal["before", "mid"]


@dataclass
class Fault:
    """What to do wrong for one URL. Fields combine: ``delay`` first, then ``reset='before'``,
    then ``redirect``, else a response built from the entry with ``status``/``body``/
    ``stream``/``headers`` overriding it and ``truncate``/``reset='mid'`` cutting the body.

    ``times``: apply to the first N requests only, then serve normally (None = always).
    ``truncate``: send the full Content-Length, then only this many body bytes, then close.
    ``reset``: ``"before"`` aborts with a TCP RST before answering; ``"mid"`` sends the
    headers and ``reset_after`` body bytes (default half the body) and then RSTs.
    ``stream``: a factory of a fresh byte-chunk iterable, served without holding it in
    memory (chunked unless ``stream_length`` is given).
    ``headers``: extra or overriding response headers; a value of None removes a header.
    """

    status: int | None = None
    times: int | None = None
    delay: float = 0.0
    truncate: int | None = None
    reset: ResetMode | None = None
    reset_after: int | None = None
    redirect: str | None = None
    redirect_status: int = 302
    body: bytes | None = None
    headers: dict[str, str | None] | None = None
    stream: Callable[[], Iterable[bytes]] | None = None
    stream_length: int | None = None
    remaining: int | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.reset not in (None, "before", "mid"):
            raise ValueError(f"reset must be 'before' or 'mid', not {self.reset!r}")
        if self.redirect_status not in (301, 302, 303, 307, 308):
            raise ValueError(f"redirect_status must be a 3xx redirect code, not {self.redirect_status}")
        if self.status is not None and not 100 <= self.status <= 999:
            raise ValueError(f"bad status {self.status}")
        for name in ("times", "truncate", "reset_after", "stream_length"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.delay < 0:
            raise ValueError("delay must be >= 0")
        self.remaining = self.times


def filler(total: int, chunk: int = 65536) -> Callable[[], Iterator[bytes]]:
    """A ``stream`` factory yielding ``total`` bytes of filler HTML-ish text in chunks."""
    block = (b"<p>kliping replayweb filler</p>\n" * (chunk // 32 + 1))[:chunk]

    def gen() -> Iterator[bytes]:
        left = total
        while left > 0:
            n = min(left, chunk)
            yield block[:n]
            left -= n

    return gen


_INT_FIELDS = ("status", "times", "truncate", "reset_after", "redirect_status", "stream_length")
_FILE_FIELDS = {
    *_INT_FIELDS,
    "delay",
    "reset",
    "redirect",
    "body",
    "headers",
    "stream_bytes",
}


def _fault_from_fields(
    path: Path, line: int | None, url: Any, fields: dict[str, Any], tsv: bool
) -> tuple[str, Fault]:
    if not isinstance(url, str) or not url:
        raise FaultsError(path, line, "fault without a url")
    try:
        normalize_url(url)
    except ValueError as exc:
        raise FaultsError(path, line, str(exc)) from None
    unknown = sorted(set(fields) - _FILE_FIELDS)
    if unknown:
        raise FaultsError(path, line, f"unknown field(s) {', '.join(unknown)} for {url}")
    kwargs: dict[str, Any] = {}
    try:
        for name, value in fields.items():
            if tsv:
                if value == "":
                    continue
                if name in _INT_FIELDS or name == "stream_bytes":
                    value = int(value)
                elif name == "delay":
                    value = float(value)
                elif name == "headers":
                    value = json.loads(value)
            if value is None:
                continue
            if name in _INT_FIELDS or name == "stream_bytes":
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"{name} must be an integer")
            elif name == "delay":
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError("delay must be a number of seconds")
                value = float(value)
            elif name == "headers":
                if not isinstance(value, dict) or not all(
                    isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value.items()
                ):
                    raise ValueError("headers must be an object of strings")
            elif not isinstance(value, str):
                raise ValueError(f"{name} must be a string")
            if name == "body":
                value = value.encode("utf-8")
            if name == "stream_bytes":
                kwargs["stream"] = filler(value)
                kwargs.setdefault("stream_length", value)
                continue
            kwargs[name] = value
        return url, Fault(**kwargs)
    except (ValueError, TypeError) as exc:
        raise FaultsError(path, line, f"{url}: {exc}") from None


def read_faults(faults: str | os.PathLike[str]) -> list[tuple[str, Fault]]:
    """Read a JSON or TSV faults file into (url, Fault) pairs; raise :class:`FaultsError`."""
    fpath = Path(faults)
    try:
        text = fpath.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FaultsError(fpath, None, "no such faults file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FaultsError(fpath, None, f"cannot read: {exc}") from None
    if text.lstrip()[:1] in ("[", "{"):
        return _read_faults_json(fpath, text)
    return _read_faults_tsv(fpath, text)


def _read_faults_json(path: Path, text: str) -> list[tuple[str, Fault]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FaultsError(path, exc.lineno, f"invalid JSON: {exc.msg}") from None
    items: list[tuple[Any, Any]]
    if isinstance(data, dict):
        items = list(data.items())
    else:
        items = [(obj.get("url") if isinstance(obj, dict) else None, obj) for obj in data]
    out = []
    for index, (url, obj) in enumerate(items, start=1):
        if not isinstance(obj, dict):
            raise FaultsError(path, None, f"entry {index}: expected an object")
        fields = {k: v for k, v in obj.items() if k != "url"}
        try:
            out.append(_fault_from_fields(path, None, url, fields, tsv=False))
        except FaultsError as exc:
            raise FaultsError(path, None, f"entry {index}: {exc.message}") from None
    return out


def _read_faults_tsv(path: Path, text: str) -> list[tuple[str, Fault]]:
    header: list[str] | None = None
    out = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = [c.strip() for c in cells]
            if "url" not in header:
                raise FaultsError(path, lineno, "header row lacks a url column")
            continue
        if len(cells) > len(header):
            raise FaultsError(path, lineno, f"expected {len(header)} tab-separated fields, got {len(cells)}")
        row = dict(zip(header, (c.strip() for c in cells), strict=False))
        url = row.pop("url", "")
        out.append(_fault_from_fields(path, lineno, url, row, tsv=True))
    return out
