"""Extraction settings: one frozen, validated object built once from ``KLIPING_EXTRACT_*`` settings.

This model is where the extraction options, their defaults, bounds and meaning are written: the
project's settings model (:mod:`settings.model`) turns each field ``foo_bar`` into the setting
``KLIPING_EXTRACT_FOO_BAR``, so neither the defaults nor the docs are written twice.

The object is hashable, so the Trafilatura ``Extractor`` it configures (and the compiled outlet
selectors, see :func:`extract.core.prepare`) are built once and reused for every page.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from trafilatura.settings import Extractor

__all__ = ["DEFAULT_OPTIONS", "SETTING_PREFIX", "ExtractOptions", "time_zone_name"]

SETTING_PREFIX = "KLIPING_EXTRACT_"


def time_zone_name(value: str) -> str:
    """``value`` when it names an IANA time zone (``Asia/Jakarta``); ValueError otherwise."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("is not a known time zone (use an IANA name such as Asia/Jakarta)") from exc
    return value


#: An IANA time zone name, checked against the zone database.
TimeZoneName = Annotated[str, AfterValidator(time_zone_name)]


class ExtractOptions(BaseModel):
    """Settings of the extractor. Field ``foo_bar`` is read from ``KLIPING_EXTRACT_FOO_BAR``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    favor_precision: bool = Field(
        False,
        description="Trafilatura `favor_precision`: prefer leaving out doubtful blocks. Off: kliping's own "
        "rules remove the boilerplate, and precision mode loses story blocks (docs/extraction.md).",
    )
    favor_recall: bool = Field(
        False, description="Trafilatura `favor_recall`: prefer keeping doubtful blocks (overrides precision)."
    )
    fast: bool = Field(
        False, description="Trafilatura `fast`: skip the readability/jusText fallback comparison."
    )
    include_tables: bool = Field(True, description="Keep tables in the story text.")
    boilerplate_rules: bool = Field(
        True,
        description="Apply kliping's Indonesian news boilerplate rules (related links, bylines, pagers, "
        "captions...).",
    )
    min_text_chars: int = Field(
        200, ge=0, description="A page whose cleaned story has fewer characters is not an article."
    )
    min_article_chars: int = Field(
        80,
        ge=0,
        description="A page that declares itself an article (og:type article, JSON-LD NewsArticle) is kept "
        "from this many characters of story: a two-sentence news flash is still news.",
    )
    detect_language: bool = Field(
        True,
        description="Detect the text language with CLD2 (pycld2), falling back to the outlet hint or the "
        "page's lang attribute when CLD2 finds the text too short or mixed to be sure; off: always the "
        "fallback.",
    )
    max_file_size: int = Field(
        20_000_000,
        gt=0,
        description="Bodies larger than this (bytes, after decompression) are archived but not extracted.",
    )
    default_timezone: TimeZoneName = Field(
        "Asia/Jakarta", description="Time zone assumed when neither the page nor the outlet names one."
    )

    @property
    def extractor(self) -> Extractor:
        """The Trafilatura options object passed to every ``bare_extraction`` call (built once)."""
        return _extractor(self)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> ExtractOptions:
        """Build from a plain mapping (Scrapy settings or a dict); missing keys keep defaults.

        Values are validated and coerced (``"false"`` is False, ``"500"`` is 500): a bad one raises
        pydantic's ``ValidationError``. The ``kliping`` commands validate every setting at start-up
        (:mod:`settings.model`), so it is not met there.
        """
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            key = SETTING_PREFIX + name.upper()
            try:
                present = key in settings
            except TypeError:
                present = False
            if present and settings[key] is not None:
                values[name] = settings[key]
        return cls.model_validate(values)


@lru_cache(maxsize=16)
def _extractor(options: ExtractOptions) -> Extractor:
    # Imported here: the settings model reads these options' fields, and a process that only
    # checks settings (or the crawl's own process, whose workers extract) need not load Trafilatura.
    from trafilatura.settings import Extractor

    extractor = Extractor(
        output_format="python",
        fast=options.fast,
        precision=options.favor_precision and not options.favor_recall,
        recall=options.favor_recall,
        comments=False,
        formatting=False,
        links=True,  # link-only blocks are how related headlines are recognised
        images=False,
        tables=options.include_tables,
        with_metadata=False,  # metadata is read by extract.metadata from the same tree
    )
    extractor.max_file_size = options.max_file_size
    return extractor


DEFAULT_OPTIONS = ExtractOptions()
