"""Random damage never stops a read and never costs a record that lies wholly before it."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path
from types import ModuleType

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import fastreader, reader
from archive.damage import DamageReport
from tests.archive import quirks

#: The records of one file and, for each, where it ends in the file (gzip: its member's end).
LAYOUTS = ("plain", "members")


def build(
    layout: str, count: int
) -> tuple[bytes, list[tuple[int, tuple[str, bytes]]], list[tuple[int, int]]]:
    """The file, each page with where its record ends (a gzip member's end), and the spans a cut
    inside of is noticeable: a record's head and block, or a whole gzip member (not the line ends
    after a plain record, nor the boundary between records: a file may end there)."""
    records = quirks.pages(count)
    parts = [gzip.compress(r, mtime=0) for r in records] if layout == "members" else records
    ends, spans, pos = [], [], 0
    for n, part in enumerate(parts):
        spans.append((pos, pos + len(part) - (4 if layout == "plain" else 0)))
        pos += len(part)
        if n:  # the warcinfo is no page
            ends.append((pos, (quirks.url(n), quirks.article(n))))
    return b"".join(parts), ends, spans


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    layout=st.sampled_from(LAYOUTS),
    count=st.integers(min_value=3, max_value=6),
    kind=st.sampled_from(["truncate", "flip"]),
    where=st.floats(min_value=0, max_value=1, exclude_max=True),
    mask=st.integers(min_value=1, max_value=255),
    module=st.sampled_from([fastreader, reader]),
)
def test_damage_never_stops_the_read_nor_loses_what_came_before(
    layout: str, count: int, kind: str, where: float, mask: int, module: ModuleType
) -> None:
    data, ends, spans = build(layout, count)
    at = int(where * len(data))
    damaged = bytearray(data[:at] if kind == "truncate" else data)
    if kind == "flip":
        damaged[at] ^= mask
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("x.warc.gz" if layout == "members" else "x.warc")
        path.write_bytes(bytes(damaged))
        report = DamageReport()
        if not damaged:
            assert list(module.iter_responses(path, report)) == [] and report.damaged
            return
        got = [(p.url, p.body) for p in module.iter_responses(path, report)]
    before = [page for end, page in ends if end <= at]
    assert got[: len(before)] == before
    if kind == "truncate" and any(start < at < end for start, end in spans):
        assert report.damaged  # a cut inside a record is never silent
