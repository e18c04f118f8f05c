"""B7 hostile bodies: peak memory of the crawl's whole process tree while gzip bombs download.

``python -m bench.bombs`` (also ``python -m bench --only B7``): a replay web serves three gzip
bombs (1 GiB of zeros each, ~1 MB on the wire) and a few articles; ``kliping scrape`` fetches them
all at once with kliping's defaults, then again with Scrapy's own ``DOWNLOAD_MAXSIZE`` (1 GiB) as
the baseline measured in the same run. The figures are the peak of the tree's RSS sum (sampled
every 20 ms) and the sum of each process's own high-water mark (``VmHWM``: exact per process, an
upper bound for the tree, whose processes peak at different moments). Target: <= 400 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from datetime import date
from pathlib import Path
from typing import Any

from bench.procs import REPO_ROOT, bench_env, process_tree, tree_memory

#: What one bomb unpacks to.
BOMB_BYTES = 1 << 30
BOMBS = 3
ARTICLES = 3
#: Scrapy's own default, the baseline.
SCRAPY_MAXSIZE = 1 << 30
TARGET_MB = 400.0


def gzip_of_zeros(total: int, chunk: int = 1 << 20) -> bytes:
    """A gzip member of ``total`` zero bytes, built a chunk at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * chunk
    return b"".join(packer.compress(block) for _ in range(total // chunk)) + packer.flush()


HOST = "http://www.kabarbom.id"


def article(n: int) -> bytes:
    """A plain article page of our own words."""
    text = "".join(
        f"<p>Paragraf {i} berita {n}: warga kota membersihkan rumah setelah banjir surut dan pemerintah "
        "daerah membagikan bantuan air bersih ke setiap kelurahan.</p>"
        for i in range(8)
    )
    head = f"<html lang='id'><head><title>Berita {n}</title></head>"
    return f"{head}<body><article><h1>Berita {n}</h1>{text}</article></body></html>".encode()


def _hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def measure(argv: list[str], cwd: Path, interval: float = 0.02) -> dict[str, Any]:
    """Run ``argv``; the peak RSS sum of its tree and the sum of its processes' high-water marks."""
    proc = subprocess.Popen(
        argv, cwd=cwd, env=bench_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = {"rss": 0, "procs": 0}
    hwm: dict[int, int] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, _pss, procs = tree_memory(proc.pid)
            peak["rss"] = max(peak["rss"], rss)
            peak["procs"] = max(peak["procs"], procs)
            for pid in process_tree(proc.pid):
                hwm[pid] = max(hwm.get(pid, 0), _hwm(pid))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    started = time.monotonic()
    sampler.start()
    _out, err = proc.communicate(timeout=900)
    done.set()
    sampler.join()
    summary = {}
    files = sorted((cwd / "data" / "runs").glob("*/summary.json"))
    if files:
        summary = json.loads(files[-1].read_text(encoding="utf-8"))
    return {
        "per_process_hwm_mb": {f"{pid}": round(v / 2**20, 1) for pid, v in sorted(hwm.items())},
        "exit_code": proc.returncode,
        "seconds": round(time.monotonic() - started, 2),
        "peak_tree_rss_mb": round(peak["rss"] / 2**20, 1),
        "sum_of_process_hwm_mb": round(sum(hwm.values()) / 2**20, 1),
        "processes": peak["procs"],
        "bombs_refused": (summary.get("skipped") or {}).get("decompression_bomb"),
        "articles_written": (summary.get("articles") or {}).get("written"),
        "stderr_tail": err[-500:] if proc.returncode not in (0, 1) else "",
    }


def b7_run(work: Path, log: Any = print) -> dict[str, Any]:
    """The B7 figures: kliping's defaults and Scrapy's 1 GiB limit, same bombs, same machine."""
    from replayweb import ReplayWeb

    log(f"B7: building {BOMBS} gzip bombs of {BOMB_BYTES >> 20} MiB")
    bomb = gzip_of_zeros(BOMB_BYTES)
    result: dict[str, Any] = {
        "bombs": BOMBS,
        "bomb_unpacked_mb": BOMB_BYTES >> 20,
        "bomb_wire_kb": len(bomb) >> 10,
    }
    with ReplayWeb() as web:
        web.add(f"{HOST}/robots.txt", b"User-agent: *\nAllow: /\n", content_type="text/plain")
        urls = [f"{HOST}/berita/2024/02/12/{n}/artikel-{n}" for n in range(ARTICLES + BOMBS)]
        for n, url in enumerate(urls[:ARTICLES]):
            web.add(url, article(n), content_type="text/html; charset=utf-8")
        for url in urls[ARTICLES:]:
            web.fault(url, body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})
        for name, extra in (
            ("kliping_defaults", []),
            ("scrapy_1gib_maxsize", ["-s", f"DOWNLOAD_MAXSIZE={SCRAPY_MAXSIZE}"]),
        ):
            run_dir = work / name
            run_dir.mkdir(parents=True)
            (run_dir / "links.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
            argv = [
                sys.executable, "-m", "cli", "scrape", "links.txt", "--proxy", web.proxy_url,
                "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS=16",
                "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", *extra,
            ]  # fmt: skip
            log(f"B7: {name}")
            result[name] = measure(argv, run_dir)
            log(json.dumps(result[name]))
    base = result["scrapy_1gib_maxsize"]["peak_tree_rss_mb"]
    result["peak_tree_rss_mb"] = result["kliping_defaults"]["peak_tree_rss_mb"]
    result["ratio_to_scrapy_default"] = round(result["peak_tree_rss_mb"] / base, 3) if base else None
    result["target_mb"] = TARGET_MB
    result["met"] = result["kliping_defaults"]["sum_of_process_hwm_mb"] <= TARGET_MB
    return result


def markdown(result: dict[str, Any]) -> str:
    rows = [
        f"## B7 hostile bodies ({result['bombs']} gzip bombs of {result['bomb_unpacked_mb']} MiB at once, "
        f"{result['bomb_wire_kb']} KiB each on the wire)",
        "",
        "| settings | peak tree RSS MB (sampled) | sum of per-process peaks MB | bombs refused "
        "| articles | s |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("kliping_defaults", "scrapy_1gib_maxsize"):
        r = result[name]
        rows.append(
            f"| {name} | {r['peak_tree_rss_mb']} | {r['sum_of_process_hwm_mb']} | {r['bombs_refused']} | "
            f"{r['articles_written']} | {r['seconds']} |"
        )
    rows += [
        "",
        f"Target: the tree at or under {result['target_mb']:g} MB with kliping's defaults (judged on the "
        f"sum of per-process peaks, an upper bound): {'met' if result['met'] else 'NOT met'}; "
        f"ratio to Scrapy's 1 GiB default: {result['ratio_to_scrapy_default']}.",
        "",
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.bombs", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", type=Path, default=REPO_ROOT / "bench" / "results")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kliping-bombs-") as tmp:
        result = b7_run(Path(tmp), log=lambda m: print(f"[bench] {m}", file=sys.stderr, flush=True))
    result["date"] = date.today().isoformat()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.out_dir / f"{result['date']}-bombs"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(
        f"# kliping bench {result['date']}\n\n" + markdown(result), encoding="utf-8"
    )
    print(markdown(result))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
