"""Throughput of the replay web: pages/s served through the proxy path.

Starts ``python -m replayweb`` in a subprocess (its own process and core) on the corpus
manifest, then runs N concurrent keep-alive clients over loopback from this process:

* ``http``: absolute-form ``GET http://host/path`` on plain proxy connections;
* ``https``: ``CONNECT host:443`` then TLS (trusting the generated CA), origin-form GETs.

Each reply is read in full (Content-Length). Prints pages/s and MB/s per mode, and the
server's CPU time per page (from /proc), so ``pages / server CPU second`` is the rate the
server could sustain if the client were not the limit. ``--scrapy`` also runs a Scrapy
crawl through the proxy (repeating corpus URLs) and prints its pages/s.

    .venv/bin/python bench/replay_throughput.py [--manifest PATH] [--seconds 5] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import selectors
import signal
import ssl
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = Path(os.environ.get("KLIPING_CORPUS", REPO_ROOT.parent / "shared" / "corpus"))
LISTENING = re.compile(rb"listening on http://127\.0\.0\.1:(\d+) \((\d+) urls\)")


def corpus_urls(manifest: Path) -> list[str]:
    sys.path.insert(0, str(REPO_ROOT))
    from replayweb import read_manifest

    return [e.url for e in read_manifest(manifest)]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"unexpected reply: {head[:80]!r}")
    match = re.search(rb"\r\ncontent-length: *(\d+)", head, re.IGNORECASE)
    if match is None:
        raise RuntimeError("reply without Content-Length")
    body = await reader.readexactly(int(match.group(1)))
    return len(body)


async def http_worker(port: int, urls: list[str], deadline: float, stats: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for url in itertools.cycle(urls):
            if time.monotonic() >= deadline:
                return
            host = urlsplit(url).netloc
            writer.write(f"GET {url} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n".encode())
            nbytes = await read_response(reader)  # not `stats[1] += await ...`: that loses updates
            stats[0] += 1
            stats[1] += nbytes
    finally:
        writer.close()


async def https_worker(
    port: int, host: str, paths: list[str], ctx: ssl.SSLContext, deadline: float, stats: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
        reply = await reader.readuntil(b"\r\n\r\n")
        if not reply.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"CONNECT refused: {reply!r}")
        await writer.start_tls(ctx, server_hostname=host)
        for path in itertools.cycle(paths):
            if time.monotonic() >= deadline:
                return
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n".encode())
            nbytes = await read_response(reader)  # not `stats[1] += await ...`: that loses updates
            stats[0] += 1
            stats[1] += nbytes
    finally:
        writer.close()


async def run_mode(
    mode: str, port: int, urls: list[str], ca: Path, seconds: float, concurrency: int
) -> tuple[int, int, float]:
    stats = [0, 0]
    deadline = time.monotonic() + seconds
    start = time.monotonic()
    if mode == "http":
        plain = [u.replace("https://", "http://", 1) for u in urls]
        tasks = [http_worker(port, plain[i:] + plain[:i], deadline, stats) for i in range(concurrency)]
    else:
        ctx = ssl.create_default_context(cafile=str(ca))
        by_host: dict[str, list[str]] = defaultdict(list)
        for url in urls:
            parts = urlsplit(url)
            by_host[parts.hostname or ""].append(
                (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            )
        hosts = sorted(by_host, key=lambda h: -len(by_host[h]))
        tasks = [
            https_worker(port, hosts[i % len(hosts)], by_host[hosts[i % len(hosts)]], ctx, deadline, stats)
            for i in range(concurrency)
        ]
    await asyncio.gather(*tasks)
    return stats[0], stats[1], time.monotonic() - start


SCRAPY_SPIDER = textwrap.dedent(
    """
    import json, scrapy

    class Bench(scrapy.Spider):
        name = "bench"

        async def start(self):
            urls = json.load(open("urls.json"))
            for i in range(int(self.total)):
                yield scrapy.Request(urls[i % len(urls)], dont_filter=True, callback=self.parse)

        def parse(self, response):
            pass
    """
)


def run_scrapy(proxy: str, urls: list[str], total: int, concurrency: int) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "spider.py").write_text(SCRAPY_SPIDER)
        Path(tmp, "urls.json").write_text(json.dumps(urls))
        env = {
            k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "http_proxy", "https_proxy")
        }
        env.update(http_proxy=proxy, https_proxy=proxy)
        start = time.monotonic()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "runspider",
                "spider.py",
                "-a",
                f"total={total}",
                *(
                    "-s",
                    "LOG_LEVEL=INFO",
                    "-s",
                    "TELNETCONSOLE_ENABLED=False",
                    "-s",
                    "HTTPCACHE_ENABLED=False",
                ),
                *("-s", f"CONCURRENT_REQUESTS={concurrency}"),
                *("-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}"),
                *("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "ROBOTSTXT_OBEY=False"),
            ],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
        )
        elapsed = time.monotonic() - start
    match = re.search(r"'downloader/response_status_count/200': (\d+)", result.stderr)
    crawl = re.search(r"'elapsed_time_seconds': ([\d.]+)", result.stderr)
    if result.returncode != 0 or match is None:
        sys.exit(f"scrapy failed:\n{result.stderr[-2000:]}")
    return int(match.group(1)), float(crawl.group(1)) if crawl else elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=DEFAULT_CORPUS / "MANIFEST.tsv")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--mode", choices=["http", "https", "both"], default="both")
    parser.add_argument("--scrapy", type=int, default=0, metavar="N", help="also crawl N pages with Scrapy")
    args = parser.parse_args()
    urls = corpus_urls(args.manifest)

    with tempfile.TemporaryDirectory() as tmp:
        ca = Path(tmp, "ca.pem")
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        server = subprocess.Popen(
            [sys.executable, "-m", "replayweb", "--manifest", str(args.manifest), "--ca-cert-out", str(ca)],
            stdout=subprocess.PIPE,
            env=env,
        )
        try:
            assert server.stdout is not None
            with selectors.DefaultSelector() as sel:
                sel.register(server.stdout, selectors.EVENT_READ)
                if not sel.select(30):
                    sys.exit("replayweb did not start")
            line = server.stdout.readline()
            match = LISTENING.search(line)
            if match is None:
                sys.exit(f"unexpected first line: {line!r}")
            port = int(match.group(1))
            print(
                f"corpus: {len(urls)} urls; server pid {server.pid} port {port}; "
                f"{args.concurrency} keep-alive clients, {args.seconds:g}s per mode; {os.cpu_count()} cpus"
            )
            modes = ["http", "https"] if args.mode == "both" else [args.mode]
            for mode in modes:
                asyncio.run(
                    run_mode(mode, port, urls, ca, 0.5, args.concurrency)
                )  # warm-up: file cache, certs
                cpu0 = cpu_seconds(server.pid)
                pages, nbytes, elapsed = asyncio.run(
                    run_mode(mode, port, urls, ca, args.seconds, args.concurrency)
                )
                cpu = cpu_seconds(server.pid) - cpu0
                print(
                    f"{mode:5s}: {pages / elapsed:8.0f} pages/s  {nbytes / elapsed / 1e6:7.1f} MB/s  "
                    f"(avg {nbytes / max(pages, 1) / 1024:.0f} KiB; "
                    f"server CPU {cpu / elapsed:.0%} of a core, "
                    f"{pages / cpu if cpu else float('inf'):.0f} pages per server CPU-second)"
                )
            if args.scrapy:
                cpu0 = cpu_seconds(server.pid)
                pages, elapsed = run_scrapy(f"http://127.0.0.1:{port}", urls, args.scrapy, args.concurrency)
                cpu = cpu_seconds(server.pid) - cpu0
                print(
                    f"scrapy: {pages / elapsed:8.0f} pages/s  ({pages} pages, http+https mix, crawl time "
                    f"{elapsed:.1f}s; server CPU {cpu:.1f}s = {pages / cpu if cpu else 0:.0f} pages/CPU-s)"
                )
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
