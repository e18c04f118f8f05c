"""The extraction pool: the crawl's process stays free of the extraction stack, and records made
by workers forked from the warmed forkserver equal the ones made in-process."""

from __future__ import annotations

import subprocess
import sys

from extract import ExtractOptions
from pipelines.pool import extraction_pool, run_story
from pipelines.worker import build_record
from tests.conftest import REPO

PAGE = (
    "<html lang='id'><head><title>Banjir di Jakarta</title></head><body><article>"
    "<h1>Banjir di Jakarta</h1>"
    + "".join(
        f"<p>Kalimat {i}: hujan deras sejak pagi membuat sejumlah ruas jalan di Jakarta tergenang "
        "dan warga diminta berhati-hati saat melintas.</p>"
        for i in range(8)
    )
    + "</article></body></html>"
).encode()
PAGES = [
    {
        "url": "http://berita.example/2026/banjir",
        "body": PAGE,
        "encoding": "utf-8",
        "fetched_at": "2026-11-24T00:00:00Z",
        "warc": None,
    }
]


def test_the_crawl_process_does_not_import_the_extraction_stack() -> None:
    code = (
        "import sys, pipelines.extract, pipelines.pool\n"
        # extract.options (the options model the settings model reads) is light; the stack is not.
        "heavy = {'extract.core', 'trafilatura', 'pycld2', 'justext', 'pipelines.worker'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_worker_built_from_settings_gives_the_in_process_record() -> None:
    settings = {"KLIPING_EXTRACT_MIN_TEXT_CHARS": "100", "KLIPING_EXTRACT_DETECT_LANGUAGE": True}
    expected = build_record(PAGES, {}, ExtractOptions.from_settings(settings), "run-1", "http://x.example/a")
    with extraction_pool(1, settings=settings) as pool:
        got = pool.submit(run_story, PAGES, {}, "run-1", "http://x.example/a").result(timeout=120)
    assert got is not None and got == expected


def test_a_worker_given_options_uses_them() -> None:
    options = ExtractOptions(min_text_chars=100_000, min_article_chars=100_000)
    with extraction_pool(1, options=options) as pool:
        assert pool.submit(run_story, PAGES, {}, "run-1").result(timeout=120) is None
