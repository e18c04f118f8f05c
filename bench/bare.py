"""The baselines kliping is measured against, each run as its own command.

``python -m bench.bare extract LIST --workers N``: bare ``trafilatura.extract`` with metadata as
JSON on the files named in LIST, in N processes; prints ``{"pages": .., "extracted": ..}``.

``python -m scrapy runspider bench/bare.py -a urls=FILE -a proxy=URL``: bare Scrapy fetching
the URLs of FILE through the proxy with no processing at all.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncIterator
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import scrapy


def extract_file(path: str) -> bool:
    import trafilatura

    with open(path, "rb") as fh:
        body = fh.read()
    return trafilatura.extract(body, with_metadata=True, output_format="json") is not None


class BareFetch(scrapy.Spider):
    """Fetches every URL of a file through a proxy and does nothing with the responses."""

    name = "bare"

    async def start(self) -> AsyncIterator[Any]:
        proxy = getattr(self, "proxy", "")
        for line in Path(self.urls).read_text(encoding="utf-8").splitlines():  # type: ignore[attr-defined]
            if line.strip():
                yield scrapy.Request(
                    line.strip(), callback=self.parse, meta={"proxy": proxy} if proxy else {}
                )

    def parse(self, response: Any) -> None:
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.bare")
    sub = ap.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract")
    ex.add_argument("list", type=Path, help="file with one HTML file path per line")
    ex.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    paths = [p for p in args.list.read_text(encoding="utf-8").splitlines() if p]
    if args.workers == 1:
        results = [extract_file(p) for p in paths]
    else:
        with Pool(args.workers) as pool:
            results = list(pool.imap_unordered(extract_file, paths, chunksize=4))
    print(json.dumps({"pages": len(paths), "extracted": sum(results)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
