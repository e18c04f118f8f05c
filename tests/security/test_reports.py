"""Strings from crawled pages stay text: a page titled ``<script>alert(1)</script>`` is data.

kliping renders no HTML or Markdown of its own from crawled strings: the run summary (table and
summary.json) holds counts, outlet names, hosts and the guard's refused URLs, which Scrapy has
already percent-encoded. The WACZ page list is checked with the ``kliping wacz`` command. Here:
the hostile title reaches the text records exactly as written (neither run nor
mangled), and nothing the run reports carries markup.
"""

from __future__ import annotations

import json

import pyarrow.parquet as pq

from replayweb import ReplayWeb
from tests.conftest import Kliping

TITLE = "<script>alert(1)</script>"
URL = "http://berita.contoh.id/2024/05/01/judul-berbahaya"
PAGE = b"""<html><head><title>&lt;script&gt;alert(1)&lt;/script&gt;</title>
<meta property="og:title" content="&lt;script&gt;alert(1)&lt;/script&gt;">
<meta property="og:type" content="article"></head>
<body><article><h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>
<p>Hujan deras sejak pagi membuat sejumlah ruas jalan di Jakarta Timur tergenang air setinggi lutut.</p>
<p>Petugas dan relawan membantu warga memindahkan barang ke tempat yang lebih tinggi sebelum malam.</p>
<p>Badan Meteorologi memperkirakan hujan lebat masih turun hingga akhir pekan, terutama sore hari.</p>
</article></body></html>"""


def test_a_hostile_title_stays_text_in_the_records_and_out_of_the_reports(kliping: Kliping) -> None:
    (kliping.cwd / "links.txt").write_text(URL + "\n", encoding="utf-8")
    with ReplayWeb() as web:
        web.add(URL, PAGE)
        result = kliping("scrape", "links.txt", "--proxy", web.proxy_url, "-s", "AUTOTHROTTLE_ENABLED=0")
    assert result.code == 0, result.stderr
    (jsonl,) = (kliping.cwd / "data" / "text").rglob("*.jsonl")
    (record,) = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert record["title"] == TITLE
    (parquet,) = (kliping.cwd / "data" / "text").rglob("*.parquet")
    assert pq.read_table(parquet).to_pylist()[0]["title"] == TITLE

    (summary,) = (kliping.cwd / "data" / "runs").rglob("summary.json")
    reports = [summary.read_text(encoding="utf-8"), result.stderr, result.stdout]
    for report in reports:
        assert "<script" not in report
