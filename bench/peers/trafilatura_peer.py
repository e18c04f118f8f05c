"""Trafilatura's own crawler: the pipeline of ``trafilatura --sitemap`` over the synthetic site.

Trafilatura reads ``http_proxy`` as a SOCKS proxy only, so its download pool is replaced by a
urllib3 HTTP ``ProxyManager`` to reach the replay web; the rest is its CLI's own functions, with
``SLEEP_TIME = 0`` (no per-host back-off) and SSRF protection off (hosts resolve via the proxy).

    python trafilatura_peer.py crawl PROXY SITEMAPS.txt OUTDIR THREADS
    python trafilatura_peer.py corpus CORPUS OUT.jsonl
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path


def crawl(proxy: str, sitemaps: str, outdir: str, threads: str) -> None:
    import urllib3
    from courlan import UrlStore
    from trafilatura import downloads, extract
    from trafilatura.settings import Extractor, use_config
    from trafilatura.sitemaps import sitemap_search

    config = use_config()
    config.set("DEFAULT", "SLEEP_TIME", "0")
    config.set("DEFAULT", "SSRF_PROTECTION", "off")
    pool = urllib3.ProxyManager(proxy, num_pools=50, maxsize=int(threads))
    downloads.HTTP_POOL = downloads.NO_CERT_POOL = pool  # type: ignore[assignment]
    # What `trafilatura --sitemap` does (cli_utils.cli_discovery, then download_queue_processing):
    # sitemap discovery, a URL store, threaded buffered downloads, extraction in the main thread.
    store = UrlStore()
    for sitemap in Path(sitemaps).read_text().split():
        store.add_urls(sitemap_search(sitemap, sleep_time=0, config=config))
    pages = 0
    while not store.done:
        bufferlist, store = downloads.load_download_buffer(store, 0)
        for url, html in downloads.buffered_downloads(bufferlist, int(threads), Extractor(config=config)):
            if html:  # counted as processed whether or not text was found, like the other tools
                extract(html, url=url, with_metadata=True, output_format="json", config=config)
                pages += 1
    print(json.dumps({"pages": pages}))


def corpus(root: str, out: str) -> None:
    import trafilatura

    base = Path(root)
    with open(base / "MANIFEST.tsv", encoding="utf-8", newline="") as fh, open(out, "w") as dst:
        for row in csv.DictReader(fh, delimiter="\t"):
            path = base / row["path"]
            if not path.with_name(path.name.removesuffix(".html") + ".gold.json").exists():
                continue
            doc = trafilatura.extract(
                path.read_bytes(), url=row["url"], with_metadata=True, output_format="json"
            )
            data = json.loads(doc) if doc else {}
            author = data.get("author") or ""
            dst.write(json.dumps({
                "url": row["url"], "text": data.get("text") or "", "title": data.get("title"),
                "authors": [a.strip() for a in author.split(";") if a.strip()], "published": data.get("date"),
            }, ensure_ascii=False) + "\n")  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1] == "crawl":
        crawl(*sys.argv[2:6])
    else:
        corpus(*sys.argv[2:4])
