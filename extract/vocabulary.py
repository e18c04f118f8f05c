"""The words the extractor recognises, read once from the TOML files in ``settings/vocabulary/``.

Vocabulary is data: month and day names, time-zone names, byline labels, boilerplate labels and
site-wide keywords live in ``settings/vocabulary/*.toml`` beside the outlet configs, and the
rules in :mod:`extract.boilerplate`, :mod:`extract.dates` and :mod:`extract.metadata` are built
from them. Nothing here imports the ``settings`` package (whose ``__init__`` loads Scrapy-facing
defaults): the files are found next to it.

A *phrase* is words separated by spaces: ``a|b`` is either word and a word ending in ``?`` may be
absent. :func:`phrase_pattern` turns it into a regular expression fragment (no groups that
capture, nothing that can backtrack beyond one blank run between two words).
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["alternation", "load", "phrase_pattern", "vocabulary_dir"]


def vocabulary_dir() -> Path:
    """``settings/vocabulary`` of the installed (or checked-out) kliping."""
    spec = importlib.util.find_spec("settings")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location) / "vocabulary"
            if candidate.is_dir():
                return candidate
    return Path(__file__).resolve().parent.parent / "settings" / "vocabulary"


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed ``settings/vocabulary/<name>.toml``."""
    with (vocabulary_dir() / f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)


def phrase_pattern(phrase: str, joiner: str = r"\s+") -> str:
    """A regex fragment for one phrase; words joined by ``joiner`` (class names use ``[-_]?``)."""
    words = phrase.split()
    out = ""
    carried = False  # the blank before this word is already in the optional word before it
    for i, word in enumerate(words):
        optional = word.endswith("?") and len(word) > 1
        if optional:
            word = word[:-1]
        alts = word.split("|") if "|" in word and "/" not in word else [word]
        body = "|".join(re.escape(a) for a in alts)
        body = f"(?:{body})" if len(alts) > 1 else body
        if i == 0 and optional and len(words) > 1:
            # an optional first word takes the blank after it along ("additional? reporting by")
            out, carried = f"(?:{body}{joiner})?", True
        elif i == 0:
            out = f"(?:{body})?" if optional else body
        else:
            sep = "" if carried else joiner
            out += f"(?:{sep}{body})?" if optional else f"{sep}{body}"
            carried = False
    return out


def alternation(phrases: Iterable[str], joiner: str = r"\s+") -> str:
    """``(?:p1|p2|...)`` of the phrases, longest first (so that "berita terkini selengkapnya" is
    tried before "berita terkini")."""
    parts = sorted({phrase_pattern(p, joiner) for p in phrases}, key=len, reverse=True)
    return "(?:" + "|".join(parts) + ")"
