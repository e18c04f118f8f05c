"""Scrapy itself, in a subprocess, reaches https and http URLs through the replay web proxy
(CONNECT via Scrapy's TunnelingAgent for https) and sees the outlet's real URLs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from replayweb import ReplayWeb

SPIDER = textwrap.dedent(
    """
    import scrapy


    class ReplaySpider(scrapy.Spider):
        name = "replay"
        start_urls = [
            "https://www.cnnindonesia.com/nasional/20240101-1/judul",
            "http://www.antaranews.com/berita/1/judul",
        ]

        def parse(self, response):
            yield {
                "url": response.url,
                "status": response.status,
                "title": response.css("title::text").get(),
                "ssl": response.certificate is not None,
            }
    """
)


def test_scrapy_fetches_https_and_http_through_the_proxy(web: ReplayWeb, tmp_path: Path) -> None:
    https_url = "https://www.cnnindonesia.com/nasional/20240101-1/judul"
    http_url = "http://www.antaranews.com/berita/1/judul"
    web.add(https_url, b"<html><head><title>Lewat TLS</title></head><body>ok</body></html>")
    web.add(http_url, b"<html><head><title>Lewat HTTP</title></head><body>ok</body></html>")
    (tmp_path / "spider.py").write_text(SPIDER)
    # Plain Scrapy, not kliping's project settings, whatever the environment says.
    unwanted = ("no_proxy", "http_proxy", "https_proxy", "scrapy_settings_module")
    env = {k: v for k, v in os.environ.items() if k.lower() not in unwanted}
    env.update(http_proxy=web.proxy_url, https_proxy=web.proxy_url)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "runspider",
            "spider.py",
            "-O",
            "out.jsonl",
            "-s",
            "LOG_LEVEL=INFO",
            "-s",
            "TELNETCONSOLE_ENABLED=False",
            "-s",
            "RETRY_ENABLED=False",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    items = {item["url"]: item for item in map(json.loads, (tmp_path / "out.jsonl").read_text().splitlines())}
    assert set(items) == {https_url, http_url}, result.stderr[-3000:]
    assert items[https_url]["title"] == "Lewat TLS"
    assert items[https_url]["ssl"] is True
    assert items[http_url]["title"] == "Lewat HTTP"
    tunnelled = {r.url: r.tunnel for r in web.requests}
    assert tunnelled == {https_url: True, http_url: False}
