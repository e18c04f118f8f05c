"""Cost of kliping's extraction against a bare Trafilatura call, over the corpus pages.

    python bench/extract_cost.py [CORPUS] [--runs 3]

For every article page listed in MANIFEST.tsv, times ``extract_article`` (text + metadata) and
``trafilatura.extract(output_format="json", with_metadata=True)`` on the same bytes; each total
is the median of ``--runs`` runs. Prints both and their ratio (target: at most 1.2).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from extract import extract_article  # noqa: E402
from extract.evaluate import default_corpus  # noqa: E402


def pages(corpus: Path) -> list[tuple[str, bytes]]:
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["kind"] == "article"]
    return [(r["url"], (corpus / r["path"]).read_bytes()) for r in rows if r["path"].endswith(".html")]


def total(fn: Callable[[bytes, str], object], docs: list[tuple[str, bytes]]) -> float:
    start = time.perf_counter()
    for url, body in docs:
        fn(body, url)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", type=Path, default=default_corpus())
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if not (args.corpus / "MANIFEST.tsv").exists():
        print(f"corpus not found at {args.corpus} (set KLIPING_CORPUS)", file=sys.stderr)
        return 2
    docs = pages(args.corpus)

    def ours(body: bytes, url: str) -> object:
        return extract_article(body, url)

    def bare(body: bytes, url: str) -> object:
        return trafilatura.extract(body, url=url, output_format="json", with_metadata=True)

    url0, body0 = docs[0]
    ours(body0, url0)  # warm caches and imports of both
    bare(body0, url0)
    ours_runs, bare_runs = [], []
    for _ in range(args.runs):
        bare_runs.append(total(bare, docs))
        ours_runs.append(total(ours, docs))
    t_ours, t_bare = statistics.median(ours_runs), statistics.median(bare_runs)
    print(f"pages={len(docs)} runs={args.runs}")
    print(f"extract_article:           {t_ours:.3f}s  ({1000 * t_ours / len(docs):.1f} ms/page)")
    print(f"trafilatura.extract(json): {t_bare:.3f}s  ({1000 * t_bare / len(docs):.1f} ms/page)")
    print(f"ratio={t_ours / t_bare:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
