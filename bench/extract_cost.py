"""B6: cost of kliping's extraction against bare Trafilatura with metadata, one worker.

    python bench/extract_cost.py [CORPUS] [--rounds 3] [--synthetic N]

Two page sets, each measured in the same process and the same run:

* external: the 110 cached pages of Trafilatura's real-world suite (``external/`` beside the
  corpus), pages kliping's rules were not written for;
* synthetic: pages of the synthetic Indonesian web (``bench.synth``: the corpus's templates and the
  held-out fixture templates, words varied), ``--synthetic`` of them spread over every template.

For every page, ``trafilatura.extract(output_format="json", with_metadata=True)`` and
``extract_article`` run one after the other (interleaved, so a machine's load changes hit both),
``--rounds`` times; each side's CPU time (``time.process_time``) is summed. The figure is
``bare / kliping``: 1.0 means kliping costs what bare Trafilatura with metadata costs (target: at
least 1.0). The slowest single kliping call is recorded too (the issue's bound: 2 s a page).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trafilatura

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from extract import extract_article  # noqa: E402
from extract.evaluate import default_corpus  # noqa: E402

Page = tuple[str, bytes]


def corpus_pages(corpus: Path) -> list[Page]:
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["kind"] == "article"]
    return [(r["url"], (corpus / r["path"]).read_bytes()) for r in rows if r["path"].endswith(".html")]


def external_pages(corpus: Path) -> list[Page]:
    """Trafilatura's cached real-world pages (empty when the suite is not beside the corpus)."""
    cache = corpus.parent / "external" / "trafilatura-realworld" / "cache"
    return [(f"https://{p.stem}/", p.read_bytes()) for p in sorted(cache.glob("*.html"))]


def synthetic_pages(corpus: Path, count: int) -> list[Page]:
    """``count`` pages of a freshly generated synthetic web, every template represented."""
    from bench.synth import generate

    with tempfile.TemporaryDirectory(prefix="kliping-b6-") as tmp:
        site = generate(Path(tmp) / "site", corpus, count)
        return [
            (url, path.read_bytes()) for url, path in zip(site.article_urls, site.article_paths, strict=True)
        ]


def _ours(body: bytes, url: str) -> object:
    return extract_article(body, url)


def _bare(body: bytes, url: str) -> object:
    return trafilatura.extract(body, url=url, output_format="json", with_metadata=True)


def measure(pages: list[Page], rounds: int = 3) -> dict[str, Any]:
    """CPU seconds of both extractors over ``pages`` (interleaved), their ratio, the slowest page."""
    fns: dict[str, Callable[[bytes, str], object]] = {"bare": _bare, "kliping": _ours}
    for url, body in pages:  # warm imports and caches of both (Trafilatura's stop lists ...)
        for fn in fns.values():
            fn(body, url)
    cpu = dict.fromkeys(fns, 0.0)
    slowest = (0.0, "")
    for _ in range(rounds):
        for url, body in pages:
            for name, fn in fns.items():
                start = time.process_time()
                wall = time.perf_counter()
                fn(body, url)
                cpu[name] += time.process_time() - start
                if name == "kliping":
                    slowest = max(slowest, (time.perf_counter() - wall, url))
    return {
        "pages": len(pages),
        "rounds": rounds,
        "kliping_cpu_s": round(cpu["kliping"], 3),
        "bare_cpu_s": round(cpu["bare"], 3),
        "ms_per_page_kliping": round(1000 * cpu["kliping"] / (rounds * len(pages)), 2) if pages else None,
        "ratio_bare_vs_kliping": round(cpu["bare"] / cpu["kliping"], 3) if cpu["kliping"] else None,
        "slowest_page_s": round(slowest[0], 3),
        "slowest_page": slowest[1],
    }


def b6(corpus: Path, rounds: int = 3, synthetic: int = 300) -> dict[str, Any]:
    """Both page sets; a set whose pages are absent is left out."""
    result: dict[str, Any] = {}
    external = external_pages(corpus)
    if external:
        result["external"] = measure(external, rounds)
    result["synthetic"] = measure(synthetic_pages(corpus, synthetic), rounds)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", type=Path, default=default_corpus())
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--synthetic", type=int, default=300, help="synthetic pages (0: none)")
    args = ap.parse_args()
    if not (args.corpus / "MANIFEST.tsv").exists():
        print(f"corpus not found at {args.corpus} (set KLIPING_CORPUS)", file=sys.stderr)
        return 2
    sets = {"external": external_pages(args.corpus), "corpus": corpus_pages(args.corpus)}
    if args.synthetic:
        sets["synthetic"] = synthetic_pages(args.corpus, args.synthetic)
    for name, pages in sets.items():
        if not pages:
            print(f"{name}: no pages")
            continue
        r = measure(pages, args.rounds)
        print(
            f"{name}: pages={r['pages']} rounds={r['rounds']} kliping={r['kliping_cpu_s']}s "
            f"bare={r['bare_cpu_s']}s ratio(bare/kliping)={r['ratio_bare_vs_kliping']} "
            f"slowest={r['slowest_page_s']}s ({r['slowest_page']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
