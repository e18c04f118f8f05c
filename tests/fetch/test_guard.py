"""The destination guard in real crawls: internal addresses are never requested, whatever leads there.

Every crawl here that names a private or metadata address goes through the replay web as its
proxy: the replay web answers every URL itself and never connects anywhere
(tests/replayweb/test_replayweb_offline.py), so no packet can leave loopback even if the guard
failed. Crawls without a proxy only ever reach loopback addresses: the replay web on 127.0.0.1,
and an :class:`~tests.fetch.loopback.AcceptCounter` on 127.0.0.2 that counts the connections a
failed guard would have made.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fetch.destinations import DestinationPolicy
from replayweb import ReplayWeb
from tests.conftest import FIXTURE_OUTLETS, FIXTURE_SITE, REPO, Kliping, Result, site_articles
from tests.fetch.loopback import AcceptCounter
from tests.fetch.rebinding import ANSWERS_VARIABLE, LOG_VARIABLE
from tests.warcs import records, warc_files

SITE = "http://berita.contoh.id"
PAGE = (
    b"<html><head><title>Banjir di Jakarta</title></head><body><article><h1>Banjir di Jakarta</h1>"
    b"<p>Hujan deras sejak pagi membuat sejumlah ruas jalan di Jakarta Timur tergenang air setinggi "
    b"lutut orang dewasa.</p><p>Petugas pemadam kebakaran dan relawan membantu warga memindahkan "
    b"barang ke tempat yang lebih tinggi sebelum air naik lagi.</p><p>Badan Meteorologi memperkirakan "
    b"hujan lebat masih akan turun hingga akhir pekan, terutama pada sore dan malam hari.</p>"
    b"<p>Pemerintah kota membuka posko pengungsian di tiga kelurahan dan menyiapkan dapur umum bagi "
    b"warga yang rumahnya terendam.</p></article></body></html>"
)

#: Articles that redirect to an internal address, and where to.
REDIRECTS_INSIDE = {
    f"{SITE}/ke-metadata": "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    f"{SITE}/ke-privat": "http://10.0.0.5/admin",
    f"{SITE}/ke-loopback": "http://127.0.0.1/",
    f"{SITE}/ke-ipv6-loopback": "http://[::1]/",
}
#: Articles that redirect to a scheme the crawler does not fetch.
REDIRECTS_ELSEWHERE = {
    f"{SITE}/ke-ftp": "ftp://files.contoh.id/arsip.zip",
    f"{SITE}/ke-file": "file:///etc/passwd",
    f"{SITE}/ke-data": "data:text/html,<b>halo</b>",
    f"{SITE}/ke-javascript": "javascript:alert(1)",
}
#: URL-list lines naming internal addresses directly, in every spelling.
LISTED_INSIDE = [
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/daftar",
    "http://127.0.0.1/daftar",
    "http://[::1]/daftar",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://2852039166/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/",
    "http://localhost:8080/",
]
INTERNAL_HOSTS = {
    "169.254.169.254",
    "10.0.0.5",
    "127.0.0.1",
    "::1",
    "2130706433",
    "0177.0.0.1",
    "0x7f.1",
    "2852039166",
    "::ffff:169.254.169.254",
    "localhost",
}


@dataclass
class Crawl:
    cwd: Path
    result: Result
    web: ReplayWeb

    @property
    def summary(self) -> dict:
        (path,) = sorted((self.cwd / "data" / "runs").glob("*/summary.json"))
        return json.loads(path.read_text(encoding="utf-8"))

    def lines(self, marker: str) -> list[str]:
        return [line for line in self.result.stderr.splitlines() if marker in line]

    def warc_records(self) -> list:
        return [r for path in warc_files(self.cwd / "data") for r in records(path)]


def scrape(cwd: Path, urls: list[str], *args: str, env: dict[str, str] | None = None) -> Result:
    (cwd / "links.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
    kliping = Kliping(cwd)
    saved = dict(os.environ)
    os.environ.update(env or {})
    try:
        return kliping("scrape", "links.txt", "-s", "AUTOTHROTTLE_ENABLED=0", *args)
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    """One scrape through the replay web: a good article, redirects to internal addresses and to
    other schemes, and internal addresses listed directly; default settings."""
    cwd = tmp_path_factory.mktemp("guarded")
    with ReplayWeb() as web:
        web.add(f"{SITE}/artikel", PAGE)
        for url, target in {**REDIRECTS_INSIDE, **REDIRECTS_ELSEWHERE}.items():
            web.fault(url, redirect=target)
        urls = [f"{SITE}/artikel", *REDIRECTS_INSIDE, *REDIRECTS_ELSEWHERE, *LISTED_INSIDE]
        result = scrape(cwd, urls, "--proxy", web.proxy_url)
        yield Crawl(cwd, result, web)


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def test_no_internal_address_is_requested(guarded: Crawl) -> None:
    asked = {host_of(r.url) for r in guarded.web.requests}
    assert asked == {"berita.contoh.id"}, asked
    assert guarded.result.code == 0, guarded.result.stderr


def test_each_redirect_to_an_internal_address_is_counted_as_blocked_with_its_url(guarded: Crawl) -> None:
    blocked = {entry["url"]: entry for entry in guarded.summary["blocked_destinations"]}
    for target in REDIRECTS_INSIDE.values():
        assert target in blocked, target
    assert blocked["http://169.254.169.254/latest/meta-data/iam/security-credentials/"]["reason"] == (
        "link-local (cloud metadata)"
    )
    assert blocked["http://[::1]/"]["address"] == "::1"


def test_each_listed_internal_address_is_blocked_in_every_spelling(guarded: Crawl) -> None:
    blocked = {entry["url"]: entry["address"] for entry in guarded.summary["blocked_destinations"]}
    assert {url for url in blocked if url not in REDIRECTS_INSIDE.values()} == set(LISTED_INSIDE)
    assert blocked["http://2130706433/"] == "127.0.0.1"
    assert blocked["http://0177.0.0.1/"] == "127.0.0.1"
    assert blocked["http://0x7f.1/"] == "127.0.0.1"
    assert blocked["http://2852039166/latest/meta-data/"] == "169.254.169.254"
    expected = len(REDIRECTS_INSIDE) + len(LISTED_INSIDE)
    assert guarded.summary["skipped"]["blocked_destination"] == expected


def test_each_refusal_is_one_log_line(guarded: Crawl) -> None:
    lines = guarded.lines("blocked destination: ")
    assert len(lines) == len(REDIRECTS_INSIDE) + len(LISTED_INSIDE)
    for url in [*REDIRECTS_INSIDE.values(), *LISTED_INSIDE]:
        assert sum(f"blocked destination: {url} (" in line for line in lines) == 1, url
    assert not guarded.lines("could not fetch")


def test_the_warc_holds_no_record_of_a_request_never_sent(guarded: Crawl) -> None:
    requested = {
        r.rec_headers.get_header("WARC-Target-URI") for r in guarded.warc_records() if r.rec_type == "request"
    }
    assert {host_of(t) for t in requested} == {"berita.contoh.id"}
    targets = " ".join(str(r.rec_headers.get_header("WARC-Target-URI")) for r in guarded.warc_records())
    assert not any(url in targets for url in [*REDIRECTS_INSIDE.values(), *LISTED_INSIDE])
    redirects = [
        r
        for r in guarded.warc_records()
        if r.rec_type == "response" and r.http_headers.get_statuscode() == "302"
    ]
    assert len(redirects) == len(REDIRECTS_INSIDE) + len(REDIRECTS_ELSEWHERE)  # what was fetched is kept
    assert guarded.summary["invariants"]["responses_archived"] is True


def test_redirects_to_other_schemes_are_counted_under_their_own_name(guarded: Crawl) -> None:
    summary = guarded.summary
    assert summary["skipped"]["unsupported_redirect"] == len(REDIRECTS_ELSEWHERE)
    assert summary["errors"] == {}
    lines = guarded.lines("unsupported redirect: ")
    assert len(lines) == len(REDIRECTS_ELSEWHERE)
    for source, target in REDIRECTS_ELSEWHERE.items():
        assert any(f"{source} answered 302 to {target[:12]}" in line for line in lines), source


def test_the_good_article_is_still_fetched_and_written(guarded: Crawl) -> None:
    assert guarded.summary["articles"]["written"] == 1


def test_the_allowlist_lets_one_address_through(tmp_path: Path) -> None:
    intranet = "http://10.0.0.5/intranet/banjir"
    with ReplayWeb() as web:
        web.add(intranet, PAGE)
        web.add("http://10.0.0.6/intranet/banjir", PAGE)
        result = scrape(
            tmp_path,
            [intranet, "http://10.0.0.6/intranet/banjir"],
            "--proxy",
            web.proxy_url,
            "-s",
            "KLIPING_ALLOWED_DESTINATIONS=10.0.0.5/32",
        )
        asked = {r.url for r in web.requests}
    assert result.code == 0, result.stderr
    assert asked == {"http://10.0.0.5/robots.txt", intranet}
    summary = Crawl(tmp_path, result, web).summary
    assert [e["url"] for e in summary["blocked_destinations"]] == ["http://10.0.0.6/intranet/banjir"]
    assert summary["articles"]["written"] == 1


def test_a_refused_address_gets_no_connection_without_a_proxy_either(tmp_path: Path) -> None:
    with AcceptCounter() as refused:
        url = f"http://{refused.host}:{refused.port}/halaman"
        result = scrape(tmp_path, [url])
        assert refused.accepted == 0
    assert result.code == 0, result.stderr
    assert [
        line.split("blocked destination: ")[1].split(" ")[0]
        for line in result.stderr.splitlines()
        if "blocked destination: " in line
    ] == [url]


def rebinding_env(tmp_path: Path, answers: str) -> dict[str, str]:
    return {
        "PYTHONPATH": str(REPO),
        ANSWERS_VARIABLE: answers,
        LOG_VARIABLE: str(tmp_path / "dns.log"),
    }


STUB_RESOLVER = ("-s", "TWISTED_DNS_RESOLVER=tests.fetch.rebinding.RebindingResolver")


def test_a_name_that_resolves_to_a_refused_address_is_blocked_after_dns(tmp_path: Path) -> None:
    with ReplayWeb() as web, AcceptCounter(web.port) as refused:
        url = f"http://internal.kliping.test:{web.port}/berita"
        result = scrape(
            tmp_path,
            [url],
            *STUB_RESOLVER,
            "-s",
            "KLIPING_ALLOWED_DESTINATIONS=127.0.0.1",
            env=rebinding_env(tmp_path, "127.0.0.2"),
        )
        assert refused.accepted == 0
        assert web.requests == []
    summary = Crawl(tmp_path, result, web).summary
    # The robots.txt request is refused first, then the page: each once, with its URL.
    assert {(e["url"], e["address"]) for e in summary["blocked_destinations"]} == {
        (f"http://internal.kliping.test:{web.port}/robots.txt", "127.0.0.2"),
        (url, "127.0.0.2"),
    }
    assert summary["errors"] == {}
    assert summary["retried"]["requests"] == 0  # a refusal is not retried


def test_dns_rebinding_cannot_move_a_connection_to_an_address_that_was_not_checked(tmp_path: Path) -> None:
    # The allowlist holds the test server's address only; the stub answers it first, then 127.0.0.2.
    with ReplayWeb() as web, AcceptCounter(web.port) as refused:
        host = f"rebind.kliping.test:{web.port}"
        web.fault("http://rebind.kliping.test/robots.txt", status=404, headers={"Connection": "close"})
        pages = [f"http://{host}/berita/{n}" for n in range(1, 4)]
        for n in range(1, 4):
            web.add(f"http://rebind.kliping.test/berita/{n}", PAGE)
        result = scrape(
            tmp_path,
            pages,
            *STUB_RESOLVER,
            "-s",
            "KLIPING_ALLOWED_DESTINATIONS=127.0.0.1",
            "-s",
            "CONCURRENT_REQUESTS_PER_DOMAIN=1",
            env=rebinding_env(tmp_path, "127.0.0.1,127.0.0.2"),
        )
        assert refused.accepted == 0
        served = web.requests
    answers = (tmp_path / "dns.log").read_text(encoding="utf-8").split()[1::2]
    assert answers[0] == "127.0.0.1" and "127.0.0.2" in answers  # the name did rebind
    assert all(r.client.startswith("127.0.0.1:") for r in served)
    summary = Crawl(tmp_path, result, web).summary
    blocked = summary["blocked_destinations"]
    assert blocked and {e["address"] for e in blocked} == {"127.0.0.2"}
    fetched = {f"http://{host}{urlsplit(r.url).path}" for r in served}
    assert set(pages) <= fetched | {e["url"] for e in blocked}  # each page: fetched where checked, or refused


def test_a_guard_that_cannot_check_lets_nothing_out(tmp_path: Path) -> None:
    with ReplayWeb() as web:
        web.add(f"{SITE}/artikel", PAGE)
        result = scrape(
            tmp_path,
            [f"{SITE}/artikel"],
            "--proxy",
            web.proxy_url,
            "-s",
            "TWISTED_DNS_RESOLVER=scrapy.resolver.CachingThreadedResolver",
        )
        assert web.requests == []
    assert result.code == 1, result.stderr
    assert "does not check addresses after DNS" in result.stderr
    assert "stopped: setting TWISTED_DNS_RESOLVER" in result.stderr


def test_the_policy_and_the_crawl_agree_on_what_is_internal() -> None:
    policy = DestinationPolicy()
    assert all(policy.check_url(url) is not None for url in LISTED_INSIDE)
    assert all(policy.check_url(url) is not None for url in REDIRECTS_INSIDE.values())
    assert {host_of(url) for url in LISTED_INSIDE} == INTERNAL_HOSTS


def test_a_bad_allowlist_entry_is_bad_input(kliping: Kliping) -> None:
    (kliping.cwd / "links.txt").write_text(f"{SITE}/artikel\n", encoding="utf-8")
    result = kliping("scrape", "links.txt", "-s", "KLIPING_ALLOWED_DESTINATIONS=10.0.0.0/33")
    assert result.code == 2
    assert result.stderr.strip().splitlines() == [
        "kliping scrape: setting KLIPING_ALLOWED_DESTINATIONS: '10.0.0.0/33' has a bad entry: '10.0.0.0/33' "
        "is neither a CIDR, an IP address nor a host name (see docs/security.md)"
    ]


def test_an_outlet_crawl_refuses_internal_sitemaps_feed_entries_and_redirects(tmp_path: Path) -> None:
    robots = (FIXTURE_SITE.parent / "robots.txt").read_text(encoding="utf-8")
    robots += (
        "Sitemap: http://169.254.169.254/latest/meta-data/sitemap.xml\n"
        "Sitemap: https://www.kabarcontoh.id/sitemap-index.xml\n"
    )
    index = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<sitemap><loc>http://10.0.0.5/sitemap.xml</loc></sitemap></sitemapindex>\n"
    )
    redirected = site_articles()[2]
    with ReplayWeb([FIXTURE_SITE]) as web:
        web.add("https://www.kabarcontoh.id/robots.txt", robots.encode())
        web.add("https://www.kabarcontoh.id/sitemap-index.xml", index.encode())
        web.fault(redirected, redirect="http://[::ffff:127.0.0.1]/admin")
        result = Kliping(tmp_path)(
            "crawl",
            "kabarcontoh",
            "--proxy",
            web.proxy_url,
            "-s",
            f"KLIPING_OUTLETS_DIRS={FIXTURE_OUTLETS}",
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
        )
        asked = {host_of(r.url) for r in web.requests}
    assert result.code == 0, result.stderr
    assert asked == {"www.kabarcontoh.id"}
    summary = Crawl(tmp_path, result, web).summary
    assert {e["url"] for e in summary["blocked_destinations"]} == {
        "http://169.254.169.254/latest/meta-data/sitemap.xml",
        "http://10.0.0.5/sitemap.xml",
        "http://[::ffff:127.0.0.1]/admin",
    }
    assert summary["articles"]["written"] == 2
