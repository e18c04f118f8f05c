"""The FastWARC reader gives exactly what the warcio reader gives: ours and other writers' WARCs."""

from __future__ import annotations

from pathlib import Path

import brotli
import pytest

from archive import fastreader, reader
from tests.cli.helpers import ENCODINGS, HTML, write_foreign_warc


@pytest.mark.parametrize("version", ["WARC/1.0", "WARC/1.1"])
@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "uncompressed"])
def test_foreign_warcs_read_alike(tmp_path: Path, version: str, compress: bool) -> None:
    path = tmp_path / ("other.warc.gz" if compress else "other.warc")
    write_foreign_warc(path, compress=compress, version=version, encodings=ENCODINGS)
    slow = list(reader.iter_responses(path))
    fast = list(fastreader.iter_responses(path))
    assert fast == slow
    assert len(fast) == len(ENCODINGS) + 1
    assert all(r.body == HTML for r in fast if r.status == 200)
    assert fastreader.read_warcinfo(path) == reader.read_warcinfo(path)


def test_brotli_bodies_are_decoded(tmp_path: Path) -> None:
    # warcio's own brotli decoding is broken with current brotli releases; FastWARC's path works.
    path = tmp_path / "br.warc.gz"
    write_foreign_warc(
        path,
        compress=True,
        version="WARC/1.1",
        encodings={"br": ([("Content-Encoding", "br")], brotli.compress(HTML))},
    )
    bodies = [r.body for r in fastreader.iter_responses(path) if r.status == 200]
    assert bodies == [HTML]


def test_a_body_that_does_not_decode_is_kept_as_stored(tmp_path: Path) -> None:
    path = tmp_path / "lying.warc.gz"
    write_foreign_warc(
        path, compress=True, version="WARC/1.1", encodings={"lying": ([("Content-Encoding", "gzip")], HTML)}
    )
    assert list(fastreader.iter_responses(path)) == list(reader.iter_responses(path))


def test_kliping_warcs_read_alike(scraped: Path) -> None:
    files = sorted((scraped / "data" / "warc").glob("*.warc.gz"))
    assert files
    for path in files:
        fast = list(fastreader.iter_responses(path))
        assert fast and fast == list(reader.iter_responses(path))
        assert fastreader.read_warcinfo(path) == reader.read_warcinfo(path)
        assert fastreader.read_warcinfo(path)["software"].startswith("kliping/")
