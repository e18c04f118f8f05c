"""The real corpus manifest (``KLIPING_CORPUS``, default ``../shared/corpus``) served byte for byte."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rwhelpers import connection, request_target

from replayweb import ReplayWeb, read_manifest

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("KLIPING_CORPUS", REPO_ROOT.parent / "shared" / "corpus"))
MANIFEST = CORPUS / "MANIFEST.tsv"


@pytest.mark.skipif(
    not MANIFEST.is_file(), reason=f"corpus manifest not found at {MANIFEST} (set KLIPING_CORPUS)"
)
def test_every_corpus_url_is_served_byte_for_byte_over_http_and_https() -> None:
    entries = read_manifest(MANIFEST)
    assert entries
    with ReplayWeb([MANIFEST]) as web:
        assert len(web) == len(entries)
        for entry in entries:
            for url in (entry.url, entry.url.replace("http://", "https://", 1)):
                conn = connection(web, url)
                conn.request("GET", request_target(url))
                resp = conn.getresponse()
                body = resp.read()
                conn.close()
                assert resp.status == 200, url
                assert body == entry.path.read_bytes(), url
                assert "charset" not in resp.headers["Content-Type"], url
