"""A page that takes the extractor too long is abandoned, counted with its WARC pointer and owed to
a later run or ``kliping extract``; the rest of the run goes on (issue: a page hangs the extractor)."""

from __future__ import annotations

import json
import sqlite3

from warcio.archiveiterator import ArchiveIterator

from replayweb import ReplayWeb
from tests.conftest import Kliping
from tests.robustness.test_orphans import heavy_page, write_warc
from tests.robustness.webgen import serve_articles, write_list
from tests.warcs import read_jsonl, warc_files

HEAVY = "http://www.kabarcontoh.id/berita/2024/02/12/9000/artikel-berat"
#: The heavy page: ~4 s of extraction CPU here, over ten times the budget the tests give it.
PARAGRAPHS = 10_000


def scrape(kliping: Kliping, web: ReplayWeb, *extra: str) -> tuple[int, str]:
    result = kliping(
        "scrape", "links.txt", "--proxy", web.proxy_url,
        "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "KLIPING_EXTRACT_WORKERS=1", *extra,
    )  # fmt: skip
    return result.code, result.stderr


def test_a_page_over_its_budget_is_abandoned_counted_and_owed_then_done_by_the_next_run(
    kliping: Kliping,
) -> None:
    with ReplayWeb() as web:
        urls = serve_articles(web, 2, seed=41)
        web.add(HEAVY, heavy_page(PARAGRAPHS), content_type="text/html; charset=utf-8")
        write_list(kliping.cwd, [*urls, HEAVY])
        code, stderr = scrape(kliping, web, "-s", "KLIPING_EXTRACT_TIMEOUT=0.3")
        data = kliping.cwd / "data"
        assert code == 1, stderr[-3000:]
        assert "Traceback" not in stderr
        assert {row["url"] for row in read_jsonl(sorted((data / "text").rglob("*.jsonl")))} == set(urls)
        (summary_file,) = (data / "runs").glob("*/summary.json")
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
        assert summary["errors"] == {"extract_timeout": 1}
        (owed,) = summary["owed"]["extraction"]
        assert owed["url"] == HEAVY and owed["reason"] == "extract_timeout"
        # The pointer names the response record the page sits in: `kliping extract` can take it.
        file, offset = owed["warc"].split("#")
        (warc,) = [p for p in warc_files(data / "warc") if p.name == file]
        with open(warc, "rb") as stream:
            stream.seek(int(offset))
            (record,) = [r for _, r in zip(range(1), ArchiveIterator(stream), strict=False)]
        assert record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == HEAVY
        assert f"{HEAVY} (WARC {owed['warc']})" in stderr
        db = sqlite3.connect(data / "state" / "frontier.sqlite")
        pending = dict(db.execute("SELECT url, attempts FROM frontier WHERE state = 'pending'"))
        assert pending == {HEAVY: 1}  # owed, and the page's fault: one attempt counted
        db.close()

        # The next run, with room enough, fetches and extracts it: every article once.
        code, stderr = scrape(kliping, web, "-s", "KLIPING_EXTRACT_TIMEOUT=0")
        assert code == 0, stderr[-3000:]
    rows = read_jsonl(sorted((data / "text").rglob("*.jsonl")))
    assert sorted(row["url"] for row in rows) == sorted([*urls, HEAVY])


def test_kliping_extract_leaves_out_a_page_over_its_budget_names_it_and_exits_1(kliping: Kliping) -> None:
    pages = {f"https://berita.example.id/2024/01/0{n}/biasa": _article(n) for n in range(1, 3)}
    pages["https://berita.example.id/2024/01/09/berat"] = heavy_page(PARAGRAPHS)
    write_warc(kliping.cwd / "in.warc.gz", pages)
    result = kliping("extract", "in.warc.gz", "--output", "out.jsonl", "-s", "KLIPING_EXTRACT_TIMEOUT=0.3")
    assert result.code == 1, result.stderr
    assert "Traceback" not in result.stderr
    rows = read_jsonl([kliping.cwd / "out.jsonl"])
    assert {row["url"] for row in rows} == set(list(pages)[:2])
    (line,) = [ln for ln in result.stderr.splitlines() if ln.startswith("kliping extract: not extracted")]
    assert "in.warc.gz#" in line and "berita.example.id/2024/01/09/berat" in line
    assert "KLIPING_EXTRACT_TIMEOUT" in line
    assert "1 not extracted" in result.stderr


def _article(n: int) -> bytes:
    paragraphs = "".join(
        f"<p>Paragraf {i} berita {n}: warga kota contoh membersihkan rumah setelah banjir surut "
        "dan pemerintah daerah membagikan bantuan air bersih ke setiap kelurahan.</p>"
        for i in range(8)
    )
    head = f"<html lang='id'><head><title>Berita {n}</title></head>"
    return f"{head}<body><article><h1>Berita {n}</h1>{paragraphs}</article></body></html>".encode()
