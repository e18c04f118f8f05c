"""``make demo``: a free port (or a clear refusal of a taken one), and a note on what its 404s are."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from replayweb import ReplayWeb
from replayweb.server import NOT_SAVED_HEADER
from tests.conftest import FIXTURE_SITE, REPO


def demo(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "replayweb.demo", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_a_page_that_was_never_saved_is_answered_distinctly() -> None:
    with ReplayWeb([FIXTURE_SITE]) as web:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": web.proxy_url}))
        with pytest.raises(urllib.error.HTTPError) as caught:
            opener.open("http://www.kabarcontoh.id/berita/tidak-pernah-disimpan", timeout=10)
    assert caught.value.code == 404
    assert caught.value.headers[NOT_SAVED_HEADER] == "not-saved"


def test_the_demo_refuses_a_port_another_program_holds(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = demo(tmp_path, "--manifest", str(FIXTURE_SITE), "--port", str(port))
    assert result.returncode == 2
    assert result.stderr.startswith(f"demo: port {port} is in use (")
    assert not (tmp_path / "data").exists()  # nothing crawled through whatever listened there


def test_the_demo_crawls_the_corpus_and_says_what_its_404s_are(tmp_path: Path, corpus_dir: Path) -> None:
    result = demo(tmp_path, "--manifest", str(corpus_dir / "MANIFEST.tsv"), "--output", "out")
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stderr.splitlines()
    assert lines[0].startswith("demo: replay web of ") and "http://127.0.0.1:" in lines[0]
    notes = [line for line in lines if line.startswith("demo: ")][1:]
    assert notes[0].endswith("the replay web answered them 404 (X-Replayweb: not-saved):")
    assert "the summary's error: http_404" in notes[2]
    assert "'articles gone'" in notes[3]
    assert (tmp_path / "out" / "warc").is_dir()


def test_make_demo_takes_a_free_port_by_default() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "DEMO_PORT ?= 0" in makefile
    assert "python -m replayweb.demo" in makefile
