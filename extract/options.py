"""Extraction settings: one frozen object built once from ``KLIPING_EXTRACT_*`` settings.

The object is hashable, so the Trafilatura ``Extractor`` it configures (and the compiled
outlet selectors, see :func:`extract.core.prepare`) are built once and reused for every page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from trafilatura.settings import Extractor

__all__ = ["SETTING_PREFIX", "ExtractOptions"]

SETTING_PREFIX = "KLIPING_EXTRACT_"


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


@dataclass(frozen=True)
class ExtractOptions:
    """Settings of the extractor. Field ``foo_bar`` is read from ``KLIPING_EXTRACT_FOO_BAR``."""

    #: Trafilatura ``favor_precision``: prefer leaving out doubtful blocks. Off: kliping's own rules
    #: remove the boilerplate, and precision mode loses story blocks (docs/extraction.md).
    favor_precision: bool = False
    #: Trafilatura ``favor_recall``: prefer keeping doubtful blocks (overrides precision).
    favor_recall: bool = False
    #: Trafilatura ``fast``: skip the readability/jusText fallback comparison.
    fast: bool = False
    #: Keep tables in the story text.
    include_tables: bool = True
    #: Apply the Indonesian/general boilerplate rules of :mod:`extract.boilerplate`.
    boilerplate_rules: bool = True
    #: A page whose cleaned story has fewer characters is not an article (``extract_article`` -> None).
    min_text_chars: int = 200
    #: A page that declares itself an article (og:type article, JSON-LD NewsArticle) is kept from
    #: this many characters: a two-sentence news flash is still news.
    min_article_chars: int = 80
    #: Detect the text language with CLD2 (else use the hint or the page's lang attribute).
    detect_language: bool = True
    #: Pages larger than this (bytes) are not extracted.
    max_file_size: int = 20_000_000
    #: Zone used when neither the page nor the outlet hints name one.
    default_timezone: str = "Asia/Jakarta"

    _extractor: Extractor = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        extractor = Extractor(
            output_format="python",
            fast=self.fast,
            precision=self.favor_precision and not self.favor_recall,
            recall=self.favor_recall,
            comments=False,
            formatting=False,
            links=True,  # link-only blocks are how related headlines are recognised
            images=False,
            tables=self.include_tables,
            with_metadata=False,  # metadata is read by extract.metadata from the same tree
        )
        extractor.max_file_size = self.max_file_size
        object.__setattr__(self, "_extractor", extractor)

    @property
    def extractor(self) -> Extractor:
        """The Trafilatura options object passed to every ``bare_extraction`` call."""
        return self._extractor

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> ExtractOptions:
        """Build from a plain mapping (Scrapy settings or a dict); missing keys keep defaults."""
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if not f.init:
                continue
            key = SETTING_PREFIX + f.name.upper()
            try:
                present = key in settings
            except TypeError:
                present = False
            if not present:
                continue
            value = settings[key]
            if value is None:
                continue
            default = f.default
            if isinstance(default, bool):
                kwargs[f.name] = _as_bool(value)
            elif isinstance(default, int):
                kwargs[f.name] = int(value)
            else:
                kwargs[f.name] = str(value)
        return cls(**kwargs)


DEFAULT_OPTIONS = ExtractOptions()
