"""The benchmarks B1-B4: each run is a set of commands timed as whole processes, so kliping and the
baselines pay the same start-up costs and are measured the same way, in the same run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.procs import REPO_ROOT, Server, Timed, bench_env, cpu_seconds, replay_web, run_timed
from bench.synth import OUTLET, SyntheticSite, generate

#: Politeness relaxed for the bench (the real defaults: AutoThrottle on, 2 connections per host).
CRAWL_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "WARNING",
}
BARE_SETTINGS = {**CRAWL_SETTINGS, "ROBOTSTXT_OBEY": "0", "TELNETCONSOLE_ENABLED": "0"}
PEERS = {
    "trafilatura": ["trafilatura==2.3.1", "lxml_html_clean==0.4.6"],
    "news-please": ["news-please==1.6.16"],
}
BENCH_DIR = Path(__file__).resolve().parent
SUMMARY = re.compile(r"responses (\d+), archived (\d+), articles (\d+)")
#: The run summary table of ``kliping crawl`` (monitor/): one "<label>  <number>" line each.
SUMMARY_LINES = {
    "responses": re.compile(r"^responses\s+([\d,]+)\s*$", re.M),
    "archived": re.compile(r"^WARC response records\s+([\d,]+)\s*$", re.M),
    "articles": re.compile(r"^articles extracted\s+([\d,]+)\s*$", re.M),
}


def crawl_counts(stderr: str) -> tuple[int, int, int]:
    """(responses, archived, articles) from the crawl's summary, in its table or one-line form."""
    match = SUMMARY.search(stderr)
    if match:
        a, b, c = (int(g) for g in match.groups())
        return a, b, c
    found = [m.group(1) if (m := rx.search(stderr)) else "0" for rx in SUMMARY_LINES.values()]
    a, b, c = (int(x.replace(",", "")) for x in found)
    return a, b, c


EXTRACTED = re.compile(r"(\d+) articles from")

Log = Callable[[str], None]


def _sets(settings: dict[str, str]) -> list[str]:
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


def _check(what: str, timed: Timed) -> None:
    if timed.code not in (0, 1):
        raise RuntimeError(f"{what} exited {timed.code}: {timed.stderr[-1500:]}")


def figure(pages: int, timed: Timed, **extra: Any) -> dict[str, Any]:
    """One measured command: pages, wall seconds, pages/s and peak memory of its process tree."""
    return {
        "pages": pages,
        "seconds": round(timed.wall, 3),
        "pages_per_s": round(pages / timed.wall, 2) if timed.wall else 0.0,
        "peak_rss_mb": round(timed.peak_rss / 2**20, 1),
        "peak_pss_mb": round(timed.peak_pss / 2**20, 1),
        "peak_unique_mb": round(timed.peak_unique / 2**20, 1) if timed.peak_unique else None,
        "processes": timed.peak_procs,
        "per_process": timed.processes,
        **extra,
    }


def kliping_crawl(site: SyntheticSite, server: Server, out: Path, footprint: bool = False) -> dict[str, Any]:
    """The full pipeline: discovery through robots/sitemaps/feeds, fetch, WARC, extraction, JSONL."""
    argv = [sys.executable, "-m", "cli", "crawl", OUTLET, "--proxy", server.url, "--output", str(out)]
    argv += _sets({
        **CRAWL_SETTINGS,
        "KLIPING_OUTLETS_DIRS": str(site.outlets_dir),
        # The default state lives under the work directory: a bench run never sees another's state.
        "KLIPING_WORKDIR": str(out / "state-and-spool"),
    })  # fmt: skip
    cpu0 = cpu_seconds(server.pid)
    out.mkdir(parents=True, exist_ok=True)
    timed = run_timed(argv, cwd=out.parent, env=bench_env(), footprint=footprint)
    server_cpu = cpu_seconds(server.pid) - cpu0
    _check("kliping crawl", timed)
    responses, archived, articles = crawl_counts(timed.stderr)
    fetched = articles or sum(1 for f in out.glob("text/**/*.jsonl") for _ in f.open())
    return figure(
        fetched,
        timed,
        responses=responses,
        archived=archived,
        articles=articles,
        server_cpu_s=round(server_cpu, 2),
    )


def bare_fetch(site: SyntheticSite, server: Server, work: Path) -> dict[str, Any]:
    """Bare Scrapy: the same article URLs, same concurrency, no processing."""
    urls = site.url_list(work / "urls.txt")
    argv = [sys.executable, "-m", "scrapy", "runspider", str(BENCH_DIR / "bare.py")]
    argv += ["-a", f"urls={urls}", "-a", f"proxy={server.url}", *_sets(BARE_SETTINGS)]
    cpu0 = cpu_seconds(server.pid)
    timed = run_timed(argv, cwd=work, env=bench_env())
    server_cpu = cpu_seconds(server.pid) - cpu0
    _check("bare scrapy", timed)
    return figure(len(site.article_urls), timed, server_cpu_s=round(server_cpu, 2))


def bare_extract(site: SyntheticSite, work: Path, workers: int = 2) -> dict[str, Any]:
    """Bare ``trafilatura.extract`` with metadata as JSON, ``workers`` processes, same pages from disk."""
    listing = work / "pages.txt"
    listing.write_text("".join(f"{p}\n" for p in site.article_paths), encoding="utf-8")
    timed = run_timed(
        [sys.executable, "-m", "bench.bare", "extract", str(listing), "--workers", str(workers)],
        cwd=REPO_ROOT,
        env=bench_env(),
    )
    _check("bare extract", timed)
    extracted = json.loads(timed.stdout.strip().splitlines()[-1])["extracted"]
    return figure(len(site.article_paths), timed, workers=workers, extracted=extracted)


def kliping_extract(warcs: list[Path], work: Path, workers: int) -> dict[str, Any]:
    """``kliping extract`` re-extracting the crawl's WARCs with ``workers`` processes."""
    out = work / f"reextract-{workers}.jsonl"
    argv = [sys.executable, "-m", "cli", "extract", *map(str, warcs), "-o", str(out)]
    argv += ["--workers", str(workers)]
    timed = run_timed(argv, cwd=work, env=bench_env())
    _check("kliping extract", timed)
    match = EXTRACTED.search(timed.stderr)
    articles = int(match.group(1)) if match else 0
    return figure(articles, timed, workers=workers)


def b1_b2_run(site: SyntheticSite, server: Server, work: Path, only: set[str]) -> dict[str, Any]:
    """One run of B1 (and B2 on the WARCs this run's crawl wrote)."""
    run: dict[str, Any] = {}
    run["bare_extract_2p"] = bare_extract(site, work, 2)
    crawl_out = work / "crawl"
    if "B1" in only:
        run["bare_fetch"] = bare_fetch(site, server, work)
    run["kliping_crawl"] = kliping_crawl(site, server, crawl_out)
    if "B1" in only:
        floor = min(run["bare_fetch"]["pages_per_s"], run["bare_extract_2p"]["pages_per_s"])
        run["ratio_full_vs_bare"] = round(run["kliping_crawl"]["pages_per_s"] / floor, 3) if floor else None
    if "B2" in only:
        warcs = sorted(crawl_out.glob("warc/*.warc.gz"))
        run["kliping_extract_1p"] = kliping_extract(warcs, work, 1)
        run["kliping_extract_2p"] = kliping_extract(warcs, work, 2)
        bare = run["bare_extract_2p"]["pages_per_s"]
        one, two = run["kliping_extract_1p"]["pages_per_s"], run["kliping_extract_2p"]["pages_per_s"]
        run["ratio_extract_2p_vs_bare"] = round(two / bare, 3) if bare else None
        run["scaling_1p_to_2p"] = round(two / one, 3) if one else None
    return run


def b3_run(corpus: Path, pages: int, work: Path, log: Log) -> dict[str, Any]:
    """Peak memory of the whole crawl process tree (crawler + extraction workers) at ``pages`` pages."""
    site = generate(work / "site", corpus, pages)
    with replay_web(site.manifest) as server:
        log(f"B3: crawling {pages} pages")
        return kliping_crawl(site, server, work / "crawl", footprint=True)


# --------------------------------------------------------------------------- peers


def peer_python(name: str, log: Log) -> Path:
    """``bench/.venv-<peer>/bin/python``, built with ``python -m venv`` + pip (pinned) when missing."""
    venv = BENCH_DIR / f".venv-{name}"
    stamp = venv / ".bench-installed"
    spec = " ".join(PEERS[name])
    if not stamp.exists() or stamp.read_text() != spec:
        log(f"B4: building {venv.name} ({spec})")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                *PEERS[name],
            ],
            check=True,
        )
        stamp.write_text(spec)
    return venv / "bin" / "python"


def peer_crawl(name: str, python: Path, site: SyntheticSite, server: Server, work: Path) -> dict[str, Any]:
    """A peer fetching and extracting the synthetic site through the replay web."""
    env = bench_env(http_proxy=server.url, https_proxy=server.url)
    env.pop("PYTHONPATH")
    if name == "trafilatura":
        sitemaps = work / "sitemaps.txt"
        sitemaps.write_text("".join(u + "\n" for u in site.sitemap_urls))
        argv = [str(python), str(BENCH_DIR / "peers" / "trafilatura_peer.py"), "crawl", server.url]
        argv += [str(sitemaps), str(work / "trafilatura-out"), "16"]
    else:
        urls = site.url_list(work / "urls.txt")
        argv = [str(python), str(BENCH_DIR / "peers" / "newsplease_peer.py"), "crawl", server.url, str(urls)]
        argv += ["500"]
    timed = run_timed(argv, cwd=work, env=env)
    _check(f"peer {name}", timed)
    lines = timed.stdout.strip().splitlines()
    pages = json.loads(lines[-1])["pages"] if lines else 0
    return figure(pages, timed)


def score(corpus: Path, predictions: Path) -> dict[str, Any]:
    """The shared scorer's summary line as numbers."""
    scorer = corpus.parent / "tools" / "eval_extraction.py"
    done = subprocess.run(
        [sys.executable, str(scorer), str(corpus), str(predictions)], capture_output=True, text=True
    )
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    fields = dict(pair.split("=", 1) for pair in last.split() if "=" in pair)
    keep = ("token_F1", "token_P", "token_R", "title_acc", "date_acc", "authors_acc", "articles", "found")
    return {k: float(v) for k, v in fields.items() if k in keep}


def f1_kliping(corpus: Path, work: Path) -> dict[str, Any]:
    out = work / "kliping-corpus.jsonl"
    subprocess.run(
        [sys.executable, "-m", "extract.evaluate", str(corpus), "--out", str(out)],
        cwd=REPO_ROOT,
        env=bench_env(),
        capture_output=True,
        check=False,
    )
    return score(corpus, out)


def f1_peer(name: str, python: Path, corpus: Path, work: Path) -> dict[str, Any]:
    out = work / f"{name}-corpus.jsonl"
    script = "trafilatura_peer.py" if name == "trafilatura" else "newsplease_peer.py"
    env = bench_env()
    env.pop("PYTHONPATH")
    subprocess.run(
        [str(python), str(BENCH_DIR / "peers" / script), "corpus", str(corpus), str(out)],
        env=env,
        capture_output=True,
        check=True,
    )
    return score(corpus, out)


def tempdir(prefix: str) -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix=prefix)
