"""Redis memory per seen URL and per queued request, measured on a real redis-server.

Starts ``redis-server`` on a free loopback port (no persistence), fills

* the seen store (``RedisSeenStore``, one SET of canonical article URLs),
* a round's duplicate filter (scrapy-redis: one SET of 40-character SHA1 hex fingerprints),

with N realistic news URLs each, and reports bytes per entry from ``MEMORY USAGE`` of the key and
from the change in ``INFO memory`` ``used_memory``. Numbers are per entry, so they scale linearly.

    .venv/bin/python bench/redis_memory.py [--count 200000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from state.redis import RedisSeenStore

SECTIONS = ["nasional", "internasional", "ekonomi", "olahraga", "daerah", "teknologi"]


def news_url(n: int) -> str:
    """A URL shaped like the outlets' (host, section, date, id, slug): ~100 characters."""
    section = SECTIONS[n % len(SECTIONS)]
    return (
        f"https://news.contoh{n % 40}.id/{section}/2024/{1 + n % 12:02d}/{1 + n % 28:02d}/"
        f"d-{7_000_000 + n}/warga-menyambut-kabar-baru-nomor-{n}-dari-daerah"
    )


def fingerprint(url: str) -> str:
    # As scrapy-redis computes it: SHA1 of a small JSON of method, URL and body.
    data = json.dumps({"body": "", "method": "GET", "url": url}, sort_keys=True)
    return hashlib.sha1(data.encode()).hexdigest()


def start_redis() -> tuple[subprocess.Popen[bytes], redis.Redis]:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server not installed (make debs)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tempfile.mkdtemp(prefix="redis-bench-"),
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            return proc, client
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                sys.exit("redis-server did not start")
            time.sleep(0.05)


def measure(client: redis.Redis, key: str, fill: list[str]) -> tuple[float, float]:
    before = int(client.info("memory")["used_memory"])
    for start in range(0, len(fill), 5000):
        client.sadd(key, *fill[start : start + 5000])
    after = int(client.info("memory")["used_memory"])
    usage = int(client.memory_usage(key, samples=0) or 0)
    return usage / len(fill), (after - before) / len(fill)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    args = parser.parse_args()
    proc, client = start_redis()
    try:
        urls = [news_url(n) for n in range(args.count)]
        seen = RedisSeenStore(client, "bench:seen")
        seen.mark_seen(urls[:1])  # through the real store once; the bulk fill below is the same SADD
        rows = [
            ("seen store (URL)", measure(client, "bench:seen", urls)),
            (
                "duplicate filter (SHA1 hex)",
                measure(client, "bench:dupefilter", [fingerprint(u) for u in urls]),
            ),
        ]
        version = client.info("server")["redis_version"]
        mean = sum(map(len, urls)) / len(urls)
        print(f"redis {version}, {args.count} entries, mean URL length {mean:.0f} characters")
        for name, (usage, delta) in rows:
            print(f"{name:30} {usage:6.1f} B/entry (MEMORY USAGE)  {delta:6.1f} B/entry (used_memory)")
        total = rows[0][1][0] + rows[1][1][0]
        print(f"both, per article: {total:.0f} B; per million articles: {total * 1e6 / 2**20:.0f} MiB")
    finally:
        client.close()
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
