"""Outlets are data: one TOML file per outlet, validated with pydantic.

Adding an outlet is a new ``*.toml`` here (or in a directory named by ``KLIPING_OUTLETS_DIRS``),
a saved sample page and its test, never a new spider class. Nothing here imports Scrapy, so
re-extraction from WARC files finds the same outlet hints as the crawl did.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import tempfile
import tomllib
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

BUILTIN_DIR = Path(__file__).parent


class OutletConfigError(ValueError):
    """An outlet file that cannot be used; the message names the file, the field and the problem."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Discovery(_Model):
    """A place where the outlet lists its new articles."""

    kind: Literal["robots", "sitemap", "feed", "index"]
    url: str
    #: For index pages: regex of the article links to take from the page (default: the article pattern).
    link_pattern: str | None = None
    #: For robots.txt and sitemap indexes: regex a child sitemap URL must match to be read
    #: (default: every child; real indexes also list years of archive sitemaps).
    sitemap_pattern: str | None = None

    @field_validator("url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an absolute http(s) URL: {value!r}")
        return value

    @field_validator("link_pattern", "sitemap_pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        return _check_regex(value) if value is not None else None

    def follows_sitemap(self, url: str) -> bool:
        """Whether a child sitemap found here is to be read."""
        return self.sitemap_pattern is None or re.search(self.sitemap_pattern, url) is not None


class Pagination(_Model):
    """How a story split across pages becomes one record."""

    #: none: one page; single_page: fetch the all-in-one variant; follow: follow next-page links and join.
    mode: Literal["none", "single_page", "follow"] = "none"
    #: Query added for the single-page variant (``page=all`` gives ``...?page=all``).
    single_page_query: str = "page=all"
    #: CSS selector of the next-page link, for ``follow`` (``<link rel="next">`` and ``<a rel="next">``
    #: by default). Only links to the same article path are followed.
    next_selector: str = 'link[rel="next"]::attr(href), a[rel="next"]::attr(href)'
    #: Stop after this many pages, whatever the links say (a loop guard).
    max_pages: int = Field(default=30, ge=1)
    #: ``single_page`` only: when the all-in-one variant fails (e.g. HTTP 404 on a one-page story),
    #: fetch the plain article and follow its pages instead.
    fallback_follow: bool = True


class Rewrite(_Model):
    """A regex substitution applied to article URLs (e.g. a mobile host to the canonical one)."""

    pattern: str
    replace: str

    @field_validator("pattern")
    @classmethod
    def _regex(cls, value: str) -> str:
        return _check_regex(value)


class Canonical(_Model):
    """How this outlet's article URLs map to one canonical form (the seen-store key)."""

    #: Query parameters that never name a different story (beyond the common tracking ones).
    drop_query: tuple[str, ...] = ("page",)
    #: Substitutions applied in order, after AMP variants are mapped to the canonical page.
    rewrite: tuple[Rewrite, ...] = ()
    #: Map AMP variants (``/amp/...``, ``.../amp``, ``?amp=1``, ``amp.`` hosts) to the page.
    strip_amp: bool = True


class Extraction(_Model):
    """Hints for the extractor; it works without them."""

    body_selector: str | None = None
    drop_selectors: tuple[str, ...] = ()


#: Metrics of an outlet's health whose usual band ``[health.bands]`` may set (docs/operating.md).
HEALTH_BAND_METRICS = (
    "new_articles",
    "empty_text_share",
    "short_text_share",
    "missing_title_share",
    "missing_date_share",
    "missing_author_share",
    "schema_invalid_share",
    "boilerplate_line_share",
    "http_error_rate",
    "median_text_chars",
)


class Health(_Model):
    """What is usual for this outlet, where its own history would learn it wrong or too slowly."""

    #: Alarm when this many runs in a row (this one included) found no new article.
    stale_after_runs: int | None = Field(default=None, ge=1)
    #: Alarm when the last new article was found longer ago than this (hours).
    stale_after_hours: float | None = Field(default=None, gt=0)
    #: A metric's usual band ``[low, high]``, replacing the one learned from the outlet's history.
    bands: dict[str, tuple[float, float]] = {}

    @field_validator("bands")
    @classmethod
    def _known(cls, value: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for name, (low, high) in value.items():
            if name not in HEALTH_BAND_METRICS:
                raise ValueError(f"unknown metric {name!r} (known: {', '.join(HEALTH_BAND_METRICS)})")
            if low > high:
                raise ValueError(f"{name}: low {low} is above high {high}")
        return value


TimeZone = Literal["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]


class Outlet(_Model):
    """One news outlet: where it lives, how it lists articles, how its pages are read."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    #: Host names or suffixes: ``tribunnews.com`` also covers ``makassar.tribunnews.com``.
    hosts: tuple[str, ...] = Field(min_length=1)
    language: str = "id"
    timezone: TimeZone = "Asia/Jakarta"
    #: Regional sites in another zone than the outlet's: host (or host suffix) -> time zone.
    host_timezones: dict[str, TimeZone] = {}
    #: Regex an article URL matches (searched in the whole URL).
    article_pattern: str
    discovery: tuple[Discovery, ...] = ()
    pagination: Pagination = Pagination()
    canonical: Canonical = Canonical()
    extraction: Extraction = Extraction()
    health: Health = Health()

    @field_validator("article_pattern")
    @classmethod
    def _regex(cls, value: str) -> str:
        return _check_regex(value)

    @cached_property
    def _article_re(self) -> re.Pattern[str]:
        return re.compile(self.article_pattern)

    def covers(self, url: str) -> bool:
        """Whether the URL's host belongs to this outlet."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == h or host.endswith("." + h) for h in self.hosts)

    def is_article(self, url: str) -> bool:
        """Whether the URL is one of this outlet's article pages."""
        return self.covers(url) and self._article_re.search(url) is not None

    def timezone_for(self, url: str | None) -> str:
        """The time zone of the site serving ``url`` (a regional host may have its own)."""
        host = (urlsplit(url).hostname or "").lower() if url else ""
        for suffix, zone in self.host_timezones.items():
            if host == suffix or host.endswith("." + suffix):
                return zone
        return self.timezone

    def hints(self, url: str | None = None) -> dict[str, object]:
        """Keyword arguments for :class:`extract.OutletHints` (for the site serving ``url``)."""
        return {
            "name": self.name,
            "timezone": self.timezone_for(url),
            "language": self.language,
            "body_selector": self.extraction.body_selector,
            "drop_selectors": tuple(self.extraction.drop_selectors),
        }


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression ({exc})") from exc
    return value


def load_outlet(path: Path) -> Outlet:
    """Read and validate one outlet file; errors name the file, the field and the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise OutletConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise OutletConfigError(f"{path}: not UTF-8 text (byte {exc.start}); TOML files are UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise OutletConfigError(f"{path}: not valid TOML ({exc})") from exc
    try:
        outlet = Outlet.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(file)"
        raise OutletConfigError(f"{path}: {field}: {err['msg']}") from exc
    if outlet.name != path.stem:
        raise OutletConfigError(f"{path}: name: {outlet.name!r} does not match the file name {path.stem!r}")
    return outlet


@functools.cache
def builtin_dir() -> Path:
    """The built-in outlet files; from a zipped egg (as scrapyd runs it) copied out to a temp dir."""
    if BUILTIN_DIR.is_dir():
        return BUILTIN_DIR
    target = Path(tempfile.mkdtemp(prefix="kliping-outlets-"))
    for entry in importlib.resources.files(__name__).iterdir():
        if entry.name.endswith(".toml"):
            (target / entry.name).write_bytes(entry.read_bytes())
    return target


def load_outlets(extra_dirs: Iterable[str | Path] = ()) -> dict[str, Outlet]:
    """All outlets: the built-in ones, then those in ``extra_dirs`` (a later file wins by name)."""
    outlets: dict[str, Outlet] = {}
    for directory in (builtin_dir(), *map(Path, extra_dirs)):
        if not directory.is_dir():
            raise OutletConfigError(f"{directory}: outlet directory not found")
        for path in sorted(directory.glob("*.toml")):
            outlet = load_outlet(path)
            outlets[outlet.name] = outlet
    return outlets


def outlet_for_url(url: str, outlets: dict[str, Outlet]) -> Outlet | None:
    """The outlet whose hosts cover the URL (the most specific host wins)."""
    host = (urlsplit(url).hostname or "").lower()
    best: tuple[int, Outlet] | None = None
    for outlet in outlets.values():
        for h in outlet.hosts:
            if (host == h or host.endswith("." + h)) and (best is None or len(h) > best[0]):
                best = (len(h), outlet)
    return best[1] if best else None
