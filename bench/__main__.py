"""``python -m bench`` (``make bench``): speed and memory of kliping against the machine's limit and
against peers, as ratios measured in one run.

B1 crawl: the full pipeline against bare Scrapy fetching and bare Trafilatura extracting in 2
processes, on the same synthetic pages. B2 re-extraction: ``kliping extract`` with 1 and 2
processes against bare Trafilatura. B3 memory: peak RSS of the crawl's process tree at two sizes.
B4 peers: Trafilatura's crawler and news-please, pages/s on the same site and F1 on the corpus.
B7 hostile bodies: peak memory of the crawl's process tree while three gzip bombs download at
once, against Scrapy's own DOWNLOAD_MAXSIZE (``bench/bombs.py``; alone: ``python -m bench.bombs``).
B6 extraction cost: ``extract_article`` against bare Trafilatura with metadata, one worker, CPU
time interleaved page by page, on Trafilatura's real-world pages and on synthetic pages of varied
templates (``bench/extract_cost.py``), with the slowest page.

Each figure is the median of ``--runs`` runs with min and max; results go to
``bench/results/<date>.json`` and ``.md``. ``--quick`` is a small smoke run (B1-B3, tiny sizes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.procs import machine, replay_web
from bench.suites import (
    BARE_SETTINGS,
    CRAWL_SETTINGS,
    PEERS,
    b1_b2_run,
    b3_run,
    f1_kliping,
    f1_peer,
    kliping_crawl,
    peer_crawl,
    peer_python,
    tempdir,
)
from bench.synth import SyntheticSite, generate

ALL = ("B1", "B2", "B3", "B4", "B6", "B7")
REPO_ROOT = Path(__file__).resolve().parents[1]

TARGETS = {
    "B1.ratio_full_vs_bare": (">=", 0.85),
    "B2.ratio_extract_2p_vs_bare": (">=", 0.9),
    "B2.scaling_1p_to_2p": (">=", 1.7),
    "B3.footprint_mb_large": ("<=", 300.0),
    "B3.growth": ("<", 0.10),
    "B7.sum_of_process_hwm_mb": ("<=", 400.0),
    "B6.ratio_external": (">=", 1.0),
    "B6.ratio_synthetic": (">=", 1.0),
    "B6.slowest_page_s": ("<=", 2.0),
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def spread(values: list[float]) -> dict[str, float | int] | None:
    """Median, min and max of a figure over the runs."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {
        "median": round(statistics.median(values), 3),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per figure and measure, the spread over the runs (nested dicts of the first run's shape)."""
    summary: dict[str, Any] = {}
    for key, first in runs[0].items():
        if isinstance(first, dict):
            summary[key] = {
                k: spread([r[key][k] for r in runs])
                for k, v in first.items()
                if isinstance(v, int | float) and not isinstance(v, bool)
            }
        elif isinstance(first, int | float) or first is None:
            summary[key] = spread([r[key] for r in runs])
    return summary


def corpus_path(value: str | None) -> Path:
    if value:
        return Path(value)
    env = os.environ.get("KLIPING_CORPUS")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "corpus"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small smoke run: 20 pages, 1 run, B1 and B2")
    ap.add_argument(
        "--pages", type=int, default=5000, help="article pages of the synthetic site (B1, B2, B4)"
    )
    ap.add_argument("--runs", type=int, default=3, help="runs per figure (median, min, max)")
    ap.add_argument("--only", default=",".join(ALL), help="comma-separated subset of B1,B2,B3,B4,B6,B7")
    ap.add_argument("--memory-pages", default="10000,50000", help="the two crawl sizes of B3 (small,large)")
    ap.add_argument("--memory-runs", type=int, default=0, help="runs per B3 size (default: --runs)")
    ap.add_argument("--corpus", help="the shared corpus (default: KLIPING_CORPUS or ../shared/corpus)")
    ap.add_argument("--out-dir", type=Path, default=REPO_ROOT / "bench" / "results")
    ap.add_argument("--tag", default="", help="suffix of the result files: <date>-<tag>.json")
    ap.add_argument("--note", default="", help="free text recorded with the results")
    args = ap.parse_args(argv)
    if args.quick:
        args.pages, args.runs, args.memory_runs, args.memory_pages = 20, 1, 1, "10,20"
        if args.only == ",".join(ALL):
            args.only = "B1,B2,B6"
    args.only = {s.strip().upper() for s in args.only.split(",") if s.strip()}
    unknown = args.only - set(ALL)
    if unknown:
        ap.error(f"--only: unknown benchmark(s) {', '.join(sorted(unknown))} (known: {', '.join(ALL)})")
    try:
        small, large = (int(x) for x in args.memory_pages.split(","))
    except ValueError:
        ap.error(f"--memory-pages: expected SMALL,LARGE, got {args.memory_pages!r}")
    args.memory_sizes = (small, large)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    corpus = corpus_path(args.corpus)
    if not (corpus / "MANIFEST.tsv").is_file():
        print(f"bench: no corpus at {corpus} (set KLIPING_CORPUS or --corpus)", file=sys.stderr)
        return 2
    started = time.time()
    result: dict[str, Any] = {
        "date": date.today().isoformat(),
        "quick": args.quick,
        "machine": machine(),
        "config": {
            "pages": args.pages,
            "runs": args.runs,
            "only": sorted(args.only),
            "memory_pages": list(args.memory_sizes),
            "crawl_settings": CRAWL_SETTINGS,
            "bare_scrapy_settings": BARE_SETTINGS,
            "server": "replayweb (python -m replayweb), plain http, own process",
            "peers": PEERS,
            "note": args.note,
        },
        "targets": {k: f"{op} {v}" for k, (op, v) in TARGETS.items()},
    }
    with tempdir("kliping-bench-") as tmp:
        work = Path(tmp)
        if args.only & {"B1", "B2", "B4"}:
            log(f"generating {args.pages} synthetic pages")
            site = generate(work / "site", corpus, args.pages)
            with replay_web(site.manifest) as server:
                if args.only & {"B1", "B2"}:
                    runs = []
                    for r in range(args.runs):
                        log(f"B1/B2 run {r + 1}/{args.runs}")
                        run_dir = work / f"run{r}"
                        run_dir.mkdir()
                        runs.append(b1_b2_run(site, server, run_dir, args.only))
                        log(json.dumps(runs[-1]))
                    result["B1_B2"] = {"runs": runs, "summary": summarise(runs)}
                if "B4" in args.only:
                    result["B4"] = run_peers(args, corpus, work, site, server)
        if "B6" in args.only:
            from bench.extract_cost import b6

            log("B6: extraction cost, 1 worker (external and synthetic pages)")
            result["B6"] = b6(corpus, rounds=args.runs, synthetic=min(args.pages, 300))
            log(json.dumps(result["B6"]))
        if "B3" in args.only:
            sizes: dict[str, Any] = {}
            for pages in args.memory_sizes:
                runs = []
                for r in range(args.memory_runs or args.runs):
                    run_dir = work / f"mem{pages}-{r}"
                    run_dir.mkdir()
                    runs.append(b3_run(corpus, pages, run_dir, log))
                sizes[str(pages)] = {
                    "runs": runs,
                    "summary": summarise([{"crawl": x} for x in runs])["crawl"],
                }
            result["B3"] = b3_summary(sizes, args.memory_sizes)
        if "B7" in args.only:
            from bench.bombs import b7_run

            result["B7"] = b7_run(work / "bombs", log)
    result["elapsed_s"] = round(time.time() - started, 1)
    result["verdicts"] = verdicts(result)
    from bench.report import markdown

    args.out_dir.mkdir(parents=True, exist_ok=True)
    tag = args.tag or ("quick" if args.quick else "")
    stem = result["date"] + (f"-{tag}" if tag else "")
    (args.out_dir / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (args.out_dir / f"{stem}.md").write_text(markdown(result), encoding="utf-8")
    log(f"wrote {args.out_dir / stem}.json and .md")
    return 0


def b3_summary(sizes: dict[str, Any], memory_sizes: tuple[int, int]) -> dict[str, Any]:
    """B3's figures: the footprint (distinct resident pages of the tree when measurable, as root;
    else the PSS sum) at both sizes and its growth; the RSS sum too, for comparison with old runs
    (it counts a page shared by the forkserver and its workers once per process)."""

    def median(pages: int, key: str) -> float | None:
        return (sizes[str(pages)]["summary"].get(key) or {}).get("median")

    small_n, large_n = memory_sizes
    measure = "peak_unique_mb" if median(large_n, "peak_unique_mb") else "peak_pss_mb"
    small, large = median(small_n, measure), median(large_n, measure)
    return {
        "sizes": sizes,
        "footprint_measure": measure,
        "footprint_mb_small": small,
        "footprint_mb_large": large,
        "peak_rss_mb_small": median(small_n, "peak_rss_mb"),
        "peak_rss_mb_large": median(large_n, "peak_rss_mb"),
        "peak_pss_mb_large": median(large_n, "peak_pss_mb"),
        "growth": round((large - small) / small, 3) if small and large else None,
    }


def run_peers(
    args: argparse.Namespace, corpus: Path, work: Path, site: SyntheticSite, server: Any
) -> dict[str, Any]:
    """B4: each peer's pages/s on the synthetic site (its own venv) and F1 on the corpus."""
    out: dict[str, Any] = {"pages": len(site.article_urls), "f1": {"kliping": f1_kliping(corpus, work)}}
    runs = []
    for r in range(args.runs):
        log(f"B4 kliping run {r + 1}/{args.runs}")
        runs.append(kliping_crawl(site, server, work / f"peer-kliping-{r}" / "crawl"))
    out["kliping"] = {"runs": runs, "summary": summarise([{"c": x} for x in runs])["c"]}
    for name in PEERS:
        python = peer_python(name, log)
        out["f1"][name] = f1_peer(name, python, corpus, work)
        runs = []
        for r in range(args.runs):
            log(f"B4 {name} run {r + 1}/{args.runs}")
            run_dir = work / f"peer-{name}-{r}"
            run_dir.mkdir()
            runs.append(peer_crawl(name, python, site, server, run_dir))
            log(json.dumps(runs[-1]))
        out[name] = {"runs": runs, "summary": summarise([{"c": x} for x in runs])["c"]}
    return out


def verdicts(result: dict[str, Any]) -> dict[str, Any]:
    """Each target: the measured median, the target and whether it was met."""
    found: dict[str, Any] = {}
    summary = result.get("B1_B2", {}).get("summary", {})
    values = {
        "B1.ratio_full_vs_bare": (summary.get("ratio_full_vs_bare") or {}).get("median"),
        "B2.ratio_extract_2p_vs_bare": (summary.get("ratio_extract_2p_vs_bare") or {}).get("median"),
        "B2.scaling_1p_to_2p": (summary.get("scaling_1p_to_2p") or {}).get("median"),
        "B3.footprint_mb_large": result.get("B3", {}).get("footprint_mb_large"),
        "B3.growth": result.get("B3", {}).get("growth"),
        "B7.sum_of_process_hwm_mb": result.get("B7", {})
        .get("kliping_defaults", {})
        .get("sum_of_process_hwm_mb"),
        "B6.ratio_external": result.get("B6", {}).get("external", {}).get("ratio_bare_vs_kliping"),
        "B6.ratio_synthetic": result.get("B6", {}).get("synthetic", {}).get("ratio_bare_vs_kliping"),
        "B6.slowest_page_s": max(
            (v.get("slowest_page_s") or 0.0 for v in result.get("B6", {}).values()), default=None
        ),
    }
    for key, (op, target) in TARGETS.items():
        value = values[key]
        if value is None:
            continue
        met = value >= target if op == ">=" else value <= target if op == "<=" else value < target
        found[key] = {"value": value, "target": f"{op} {target}", "met": met}
    return found


if __name__ == "__main__":
    sys.exit(main())
