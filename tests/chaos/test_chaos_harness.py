"""The chaos soak's harness keeps working (``make chaos`` is too long for ``make test``): its checks
catch what they are for, and a tiny soak runs end to end, reports, and leaves nothing running.

These tests judge the harness, never kliping: the smoke soak may well report findings."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from chaos.procs import MARK
from chaos.verify import check_warc, verify
from chaos.web import build
from tests.conftest import REPO
from tests.warcs import warcio_check

URL = "http://berita0.kliping-sintetis.id/artikel/{}/contoh"


def write_warc(path: Path, urls: list[str]) -> dict[str, tuple[int, str]]:
    """A WARC with one response per URL; returns URL -> (offset, record id)."""
    where = {}
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url in urls:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(b"<p>isi</p>" * 50), http_headers=headers
            )
            where[url] = (fh.tell(), record.rec_headers.get_header("WARC-Record-ID"))
            writer.write_record(record)
    return where


def text_row(url: str, warc: str, offset: int, record_id: str) -> dict[str, object]:
    return {"url": url, "warc": [{"file": warc, "offset": offset, "record_id": record_id, "url": url}]}


def test_a_warc_cut_inside_a_member_is_corrupt_though_warcio_check_passes_it(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc.gz"
    write_warc(whole, [URL.format(n) for n in range(3)])
    assert check_warc(whole) is None
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole.read_bytes()[:-20])  # the last member loses its CRC and size trailer
    assert warcio_check(cut).returncode == 0  # why the gzip members are checked first
    problem = check_warc(cut)
    assert problem is not None and "cut inside gzip member 3" in problem


def test_articles_missing_twice_or_with_a_wrong_provenance_are_counted(tmp_path: Path) -> None:
    out = tmp_path / "data"
    (out / "warc").mkdir(parents=True)
    urls = [URL.format(n) for n in range(4)]
    where = write_warc(out / "warc" / "a.warc.gz", urls)
    text = out / "text" / "synthetic" / "2026-01-01"
    text.mkdir(parents=True)
    rows = [text_row(u, "a.warc.gz", *where[u]) for u in urls[:3]]
    rows.append(text_row(urls[0], "a.warc.gz", *where[urls[0]]))  # twice
    rows.append(text_row(urls[1], "a.warc.gz", where[urls[2]][0], where[urls[1]][1]))  # points elsewhere
    (text / "run-00001.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (text / "run-00002.jsonl.open").write_text("")
    verdict = verify([out], urls)
    assert verdict.lost(verdict.jsonl) == [urls[3]]
    assert verdict.duplicated(verdict.jsonl) == 2
    assert verdict.lost(verdict.parquet) == urls  # no Parquet at all
    assert len(verdict.corrupt) == 1 and "record id" in verdict.corrupt[0]
    assert verdict.leftovers == ["still open: text/synthetic/2026-01-01/run-00002.jsonl.open"]
    assert not verdict.clean


def test_the_web_lists_redirects_and_declares_shared_canonical_urls(tmp_path: Path) -> None:
    web = build(tmp_path / "web", 7, 100)
    assert len(web.articles) == 100 and len(web.redirects) == 2 and len(web.shared_canonical) == 4
    listed = "".join(p.read_text() for p in (tmp_path / "web" / "site").glob("*sitemap-*.xml"))
    for old, final in web.redirects.items():
        assert old + "<" in listed and final + "<" not in listed
    for url, canonical in web.shared_canonical.items():
        page = web.site.article_paths[web.articles.index(url)].read_text()
        assert canonical in page and url != canonical


def test_a_tiny_soak_runs_end_to_end_reports_and_leaves_nothing_running(tmp_path: Path) -> None:
    results = tmp_path / "results"
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "chaos", "--articles", "40", "--templates", "own", "--plain",
            "--scenarios", "kill9", "--kills", "1", "--main-kills", "0",
            "--results", str(results), "--workdir", str(tmp_path / "work"),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    # 0: clean; 1: findings in kliping. Anything else is the harness failing.
    assert proc.returncode in (0, 1), out
    (report,) = results.glob("*.md")
    text = report.read_text()
    # One run for the kill (a quick machine may finish it first), the run that completes, the next.
    assert "| kill9 | 3 |" in text, text
    assert "| 1 | kill -9 group @ mid-crawl | -9 |" in text or "| 1 | ended before its kill" in text
    assert not _marked_by(proc.pid), "the harness left a process running"


def _marked_by(harness_pid: int) -> list[int]:
    """Processes whose ``KLIPING_CHAOS`` mark names the harness process ``harness_pid``."""
    found = []
    prefix = f"{MARK}={harness_pid}-".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            env = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(item.startswith(prefix) for item in env):
            found.append(int(entry.name))
    return found
