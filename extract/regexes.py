"""Regular expressions over page text that run in linear time, and the inventory of them all.

A backtracking engine (Python's ``re``) can take exponential time on a pattern whose quantifiers
overlap (``\\s*\\n?\\s*`` over a run of blank lines): one such pattern once held an extraction
worker for over half an hour on a 511 KB page. Two rules keep every pattern in ``extract/`` safe:

* patterns that run over the whole page text are compiled by :func:`linear`, with RE2 (google-re2),
  whose automaton runs in time linear in the input whatever the pattern;
* the others run only on short strings (one line, one element's text, a date string) whose length
  the caller bounds, and have no nested or adjacent overlapping unbounded quantifiers.

RE2 has no lookaround and no backreferences, and its ``\\w``, ``\\s``, ``\\b`` are ASCII: patterns
given to :func:`linear` spell letters as ``\\pL`` where non-ASCII names matter, and the page text
they read has its whitespace normalised to plain spaces and newlines.

``tests/extract/test_extract_regex_linear.py`` runs :func:`all_patterns` over adversarial text
(long runs of whitespace and newlines, slashes, repeated label words) with a hard time bound.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import re2

__all__ = ["MAX_LINE", "all_patterns", "linear"]

#: Longest string handed to a pattern that is not linear by construction (one line or element).
MAX_LINE = 2000

_MODULES = ("extract.core", "extract.dates", "extract.metadata", "extract.boilerplate", "extract.vocabulary")
_RE2_TYPE = type(re2.compile("a"))


def linear(pattern: str, *, ignorecase: bool = False, multiline: bool = False) -> Any:
    """``pattern`` compiled by RE2 (linear time). Flags become RE2's inline flags."""
    flags = ("i" if ignorecase else "") + ("m" if multiline else "")
    return re2.compile(f"(?{flags}){pattern}" if flags else pattern)


def all_patterns() -> list[tuple[str, Any]]:
    """Every compiled pattern held at module level in ``extract/``, as (qualified name, pattern)."""
    found: list[tuple[str, Any]] = []
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        for attr, value in sorted(vars(module).items()):
            if isinstance(value, (re.Pattern, _RE2_TYPE)):
                found.append((f"{name}.{attr}", value))
    return found
