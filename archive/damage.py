"""What reading WARC files found wrong with them, one line per file and kind, for the user.

Readers add to a :class:`DamageReport` as they go; the same finding made twice (the story scan
and the page pass read a file alike) counts once. ``damaged`` is what makes ``kliping extract``
exit with ``EXIT_DAMAGED_INPUT``: a file truncated, records skipped, an empty file, revisits or
story pages whose originals are missing. Quirks read past (a wrong Content-Length...) are
reported but are not damage. No Scrapy here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class FileDamage:
    """Findings for one file."""

    empty: bool = False
    #: Offset where the file ends inside a record (what came before it is kept).
    truncated_at: int | None = None
    truncated_reason: str = ""
    #: Offset -> why no reader could read a record there (it was skipped).
    skipped: dict[int, str] = field(default_factory=dict)
    #: Offset where the file stops being readable for good (damaged compressed data).
    unreadable_from: int | None = None
    #: Quirk -> offsets of the records read past it.
    quirks: dict[str, set[int]] = field(default_factory=dict)
    #: Lines that are not about bytes: revisits or story pages whose originals are missing.
    notes: dict[str, str] = field(default_factory=dict)
    #: Whether a note makes the run's input incomplete (exit code), by note key.
    note_damages: dict[str, bool] = field(default_factory=dict)

    @property
    def damaged(self) -> bool:
        return (
            self.empty
            or self.truncated_at is not None
            or bool(self.skipped)
            or self.unreadable_from is not None
            or any(self.note_damages.values())
        )


class DamageReport:
    """Findings per file name, in the order files were first mentioned."""

    def __init__(self) -> None:
        self.files: dict[str, FileDamage] = {}

    def _file(self, name: str) -> FileDamage:
        return self.files.setdefault(name, FileDamage())

    def empty(self, name: str) -> None:
        self._file(name).empty = True

    def truncated(self, name: str, offset: int, reason: str) -> None:
        found = self._file(name)
        if found.truncated_at is None or offset < found.truncated_at:
            found.truncated_at, found.truncated_reason = offset, reason

    def skipped(self, name: str, offset: int, reason: str) -> None:
        self._file(name).skipped.setdefault(offset, reason)

    def unreadable(self, name: str, offset: int) -> None:
        found = self._file(name)
        if found.unreadable_from is None or offset < found.unreadable_from:
            found.unreadable_from = offset

    def quirk(self, name: str, quirk: str, offset: int) -> None:
        self._file(name).quirks.setdefault(quirk, set()).add(offset)

    def note(self, name: str, key: str, line: str, *, damage: bool = True) -> None:
        """A finding that is not about the file's bytes (one line per ``key``)."""
        found = self._file(name)
        found.notes[key] = line
        found.note_damages[key] = damage

    @property
    def damaged(self) -> bool:
        return any(found.damaged for found in self.files.values())

    def lines(self) -> list[str]:
        """One line per file and finding, naming the file and the offsets."""
        out: list[str] = []
        for name, found in self.files.items():
            if found.empty:
                out.append(f"{name}: empty file, no records")
            if found.skipped:
                offsets = sorted(found.skipped)
                shown = ", ".join(str(o) for o in offsets[:5]) + (", ..." if len(offsets) > 5 else "")
                first = found.skipped[offsets[0]]
                out.append(
                    f"{name}: {len(offsets)} damaged record(s) skipped, at offset(s) {shown} (first: {first})"
                )
            if found.unreadable_from is not None:
                out.append(
                    f"{name}: unreadable from offset {found.unreadable_from} to the end "
                    "(compressed data damaged); the records before it are kept"
                )
            if found.truncated_at is not None:
                out.append(
                    f"{name}: truncated at offset {found.truncated_at} ({found.truncated_reason}); "
                    "the records before it are kept"
                )
            for quirk, offsets_set in sorted(found.quirks.items()):
                offsets = sorted(offsets_set)
                shown = ", ".join(str(o) for o in offsets[:5]) + (", ..." if len(offsets) > 5 else "")
                out.append(f"{name}: {quirk} in {len(offsets)} record(s), at offset(s) {shown} (read)")
            out.extend(found.notes.values())
        return out

    def log(self) -> None:
        """Every line as a warning (for callers with no user to tell, such as crash recovery)."""
        for line in self.lines():
            log.warning("%s", line)
