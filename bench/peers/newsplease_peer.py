"""news-please in library mode: ``NewsPlease.from_urls`` (threaded requests downloads, then
extraction in a process pool) over the synthetic site's article URLs, through the replay web
as an HTTP proxy, in batches so memory stays bounded.

    python newsplease_peer.py crawl PROXY URLS.txt BATCH
    python newsplease_peer.py corpus CORPUS OUT.jsonl
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path


def crawl(proxy: str, urls_file: str, batch: str) -> None:
    from newsplease import NewsPlease

    urls = [u for u in Path(urls_file).read_text().splitlines() if u]
    args = {"proxies": {"http": proxy, "https": proxy}, "timeout": 60}
    pages = 0
    for k in range(0, len(urls), int(batch)):
        results = NewsPlease.from_urls(urls[k : k + int(batch)], request_args=args, fetch_images=False)
        pages += len(results)  # pages fetched and run through extraction, text found or not
    print(json.dumps({"pages": pages}))


def corpus(root: str, out: str) -> None:
    from newsplease import NewsPlease

    base = Path(root)
    with open(base / "MANIFEST.tsv", encoding="utf-8", newline="") as fh, open(out, "w") as dst:
        for row in csv.DictReader(fh, delimiter="\t"):
            path = base / row["path"]
            if not path.with_name(path.name.removesuffix(".html") + ".gold.json").exists():
                continue
            html = path.read_bytes().decode("utf-8", "replace")
            try:
                art = NewsPlease.from_html(html, url=row["url"], fetch_images=False)
            except Exception:  # a peer failing on one page scores 0 on it, as a missing record would
                continue
            published = art.date_publish.isoformat() if art.date_publish else None
            dst.write(json.dumps({
                "url": row["url"], "text": art.maintext or "", "title": art.title,
                "authors": list(art.authors or []), "published": published,
            }, ensure_ascii=False) + "\n")  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1] == "crawl":
        crawl(*sys.argv[2:5])
    else:
        corpus(*sys.argv[2:4])
