"""The benchmark harness works end to end; it never asserts a speed (figures are for bench/results)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from bench.synth import ARTICLE_PATTERN, generate
from replayweb import read_manifest
from settings.outlets import load_outlets
from tests.conftest import REPO

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_generator_writes_varied_pages_sitemaps_feeds_and_an_outlet(corpus_dir: Path, tmp_path: Path) -> None:
    site = generate(tmp_path / "site", corpus_dir, 12, hosts=3)
    served = {e.url for e in read_manifest(site.manifest)}
    assert set(site.article_urls) <= served
    assert len(set(site.article_urls)) == 12
    bodies = [p.read_bytes() for p in site.article_paths]
    assert len(set(bodies)) == 12 and all(bodies)
    in_sitemaps: list[str] = []
    for index in site.sitemap_urls:
        host = index.split("/")[2]
        root = ElementTree.parse(tmp_path / "site" / "site" / f"{host}-sitemap.xml").getroot()
        for child in root.iter(f"{SITEMAP_NS}loc"):
            name = f"{host}-" + child.text.rsplit("/", 1)[1]  # type: ignore[union-attr]
            urls = ElementTree.parse(tmp_path / "site" / "site" / name).getroot().iter(f"{SITEMAP_NS}loc")
            in_sitemaps += [u.text or "" for u in urls]
    assert sorted(in_sitemaps) == sorted(site.article_urls)
    assert all(feed in served for feed in site.feed_urls)
    outlet = load_outlets([site.outlets_dir])["synthetic"]
    assert outlet.article_pattern == ARTICLE_PATTERN
    assert all(outlet.is_article(u) for u in site.article_urls)


def test_quick_bench_runs_end_to_end_and_writes_results(corpus_dir: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out-dir", str(tmp_path), "--corpus", str(corpus_dir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (result_file,) = tmp_path.glob("*-quick.json")
    result = json.loads(result_file.read_text())
    assert {"cpu_model", "cores", "memory_gib", "python", "versions"} <= result["machine"].keys()
    summary = result["B1_B2"]["summary"]
    for name in (
        "kliping_crawl",
        "bare_fetch",
        "bare_extract_2p",
        "kliping_extract_1p",
        "kliping_extract_2p",
    ):
        assert set(summary[name]["pages_per_s"]) == {"median", "min", "max", "n"}
    run = result["B1_B2"]["runs"][0]
    assert run["kliping_crawl"]["articles"] == run["kliping_crawl"]["pages"] > 0
    assert run["kliping_crawl"]["peak_rss_mb"] > 0
    assert {"B1.ratio_full_vs_bare", "B2.scaling_1p_to_2p"} <= result["verdicts"].keys()
    assert "| kliping crawl" in result_file.with_suffix(".md").read_text()
    # B6: extraction cost on synthetic pages (and Trafilatura's pages when the suite is there)
    assert result["B6"]["synthetic"]["pages"] > 0
    assert result["B6"]["synthetic"]["ratio_bare_vs_kliping"] > 0
    assert "B6.ratio_synthetic" in result["verdicts"]


def test_unknown_benchmark_is_one_line_and_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "B9"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "unknown benchmark(s) B9" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
