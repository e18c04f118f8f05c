"""Text recovery tells what a killed run already wrote by each page's response record (the fetched
URL and its WARC record id), never by ``canonical_url``: articles that share one are each written
once (issue 19, defect 2)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from cli.runner import project_settings
from lifecycle.recovery import recover
from replayweb import ReplayWeb
from state.frontier import Frontier, this_host
from tests.conftest import Kliping
from tests.robustness.webgen import HOST
from tests.warcs import read_jsonl

SECTION = f"{HOST}/nasional"
SYNDICATED = f"{HOST}/berita/2024/02/12/6000/asli"


def page(n: int, head: str) -> bytes:
    words = " ".join(f"kalimat nomor {n} tentang warga dan pasar kota hari ini" for _ in range(8))
    paragraphs = "".join(f"<p>{words}, paragraf {k}.</p>" for k in range(5))
    return (
        f'<html lang="id"><head><meta charset="utf-8"><title>Berita {n}</title>{head}</head>'
        f"<body><article><h1>Berita {n}</h1>{paragraphs}</article></body></html>"
    ).encode()


#: Pages whose canonical URL is shared: two syndicated copies of one story, two stories whose CMS
#: points canonical at their section page, two with og:url carrying tracking junk.
HEADS = {
    0: f'<link rel="canonical" href="{SYNDICATED}">',
    1: f'<link rel="canonical" href="{SYNDICATED}">',
    2: f'<link rel="canonical" href="{SECTION}">',
    3: f'<link rel="canonical" href="{SECTION}">',
    4: f'<meta property="og:url" content="{HOST}/?utm_source=share&amp;utm_medium=wa">',
    5: f'<meta property="og:url" content="{HOST}/?utm_source=share&amp;utm_medium=wa">',
}


def url(n: int) -> str:
    return f"{HOST}/berita/2024/02/12/{6100 + n}/berita-{n}"


@pytest.fixture
def killed_run(kliping: Kliping) -> tuple[Path, list[str]]:
    """A scrape of the six pages that looks killed: registered as running, and only the first of
    each pair of pages sharing a canonical URL in its text batch."""
    urls = [url(n) for n in HEADS]
    with ReplayWeb() as web:
        web.add(f"{HOST}/robots.txt", b"User-agent: *\nAllow: /\n", content_type="text/plain")
        for n, head in HEADS.items():
            web.add(url(n), page(n, head), content_type="text/html; charset=utf-8")
        (kliping.cwd / "links.txt").write_text("\n".join(urls) + "\n")
        done = kliping("scrape", "links.txt", "--proxy", web.proxy_url, "-s", "AUTOTHROTTLE_ENABLED=0")
    assert done.code == 0, done.stderr
    data = kliping.cwd / "data"
    [batch] = sorted((data / "text").rglob("*.jsonl"))
    rows = read_jsonl([batch])
    assert {row["canonical_url"] for row in rows} >= {SYNDICATED, SECTION}
    kept = [row for row in rows if row["url"] in (url(0), url(2), url(4))]
    lines = batch.read_text(encoding="utf-8").splitlines(keepends=True)
    batch.write_text("".join(line for line in lines if any(f'"{r["url"]}"' in line for r in kept)))
    run_id = batch.name.rsplit("-", 1)[0]
    [warc] = sorted((data / "warc").glob("*.warc.gz"))
    pid = int(re.search(r"-(\d+)\.warc\.gz$", warc.name)[1])  # type: ignore[index]
    frontier = Frontier(data / "state" / "frontier.sqlite")
    frontier.db.execute(
        "INSERT INTO runs (run_id, job, spider, host, pid, started) VALUES (?, 'j', 'urls', ?, ?, '')",
        (run_id, this_host(), pid),
    )
    frontier.close()
    return kliping.cwd, urls


def test_articles_sharing_a_canonical_url_are_each_recovered_once(
    killed_run: tuple[Path, list[str]],
) -> None:
    cwd, urls = killed_run
    before = os.getcwd()
    os.chdir(cwd)
    try:
        settings = project_settings({"KLIPING_EXTRACT_WORKERS": 1})
        report = recover(settings)
        again = recover(settings)
    finally:
        os.chdir(before)
    assert report.text.recovered == 3
    assert again.text.runs == []
    rows = read_jsonl(sorted((cwd / "data" / "text").rglob("*.jsonl")))
    assert sorted(row["url"] for row in rows) == sorted(urls)
