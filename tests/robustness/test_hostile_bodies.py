"""With kliping's default limits (no overrides), a gzip bomb is refused once unpacked past
DOWNLOAD_MAXSIZE and a huge body is cut off: both counted, neither held whole in memory, the
good pages written. The memory of three bombs at once is measured by ``make bench`` (B7)."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator

from replayweb import ReplayWeb
from settings import DOWNLOAD_MAXSIZE
from tests.conftest import Kliping
from tests.robustness.webgen import serve_articles, write_list
from tests.warcs import read_jsonl


def gzip_of_zeros(total: int, chunk: int = 1 << 20) -> bytes:
    """A gzip member of ``total`` zero bytes, built without holding them (a bomb: ~1000:1)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * chunk
    return b"".join(packer.compress(block) for _ in range(total // chunk)) + packer.flush()


def zeros(total: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    for _ in range(total // chunk):
        yield b"\0" * chunk


def test_with_the_default_limits_a_bomb_is_refused_and_a_huge_body_cut_both_counted(kliping: Kliping) -> None:
    assert DOWNLOAD_MAXSIZE < 100 * (1 << 20), "a news page limit, not Scrapy's 1 GiB"
    with ReplayWeb() as web:
        good, bomb, huge = serve_articles(web, 3, seed=51)
        web.fault(
            bomb,
            body=gzip_of_zeros(4 * DOWNLOAD_MAXSIZE),
            headers={"Content-Encoding": "gzip", "Content-Type": "text/html"},
        )
        web.fault(huge, stream=lambda: zeros(4 * DOWNLOAD_MAXSIZE), stream_length=4 * DOWNLOAD_MAXSIZE)
        write_list(kliping.cwd, [good, bomb, huge])
        result = kliping("scrape", "links.txt", "--proxy", web.proxy_url, "-s", "AUTOTHROTTLE_ENABLED=0")
    assert "Traceback" not in result.stderr
    data = kliping.cwd / "data"
    (summary_file,) = (data / "runs").glob("*/summary.json")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    assert summary["skipped"]["decompression_bomb"] == 1
    assert summary["skipped"]["too_large"] == 1
    assert {row["url"] for row in read_jsonl(sorted((data / "text").rglob("*.jsonl")))} == {good}
    # The huge body was cut at the limit, not read whole.
    assert summary["responses"]["bytes"] < 2 * DOWNLOAD_MAXSIZE
